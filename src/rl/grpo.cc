#include "rl/grpo.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "rl/jsonl.h"
#include "rl/packing.h"
#include "rl/policy.h"
#include "rl/random.h"
#include "rl/report.h"
#include "train/aligned.h"

namespace seek::rl {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One prompt's responses and their rewards.
struct Group {
  Problem problem;
  std::vector<int32_t> prompt;
  std::vector<Sample> samples;
  std::vector<Reward> rewards;
  bool equal_rewards() const {
    for (const Reward& r : rewards) {
      if (r.total != rewards[0].total) return false;
    }
    return true;
  }
};

// What a step measured, summed, for its metrics record.
struct StepTotals {
  double reward = 0, accuracy = 0, format = 0, length = 0, truncated = 0, responses = 0;
  int64_t groups = 0, dropped = 0, reward_errors = 0, skipped_prompts = 0;
  std::string reward_error;
};

class GrpoLoop {
 public:
  explicit GrpoLoop(const GrpoSetup& s) : s_(s), o_(s.grpo), pool_(s.threads) {}

  Result<GrpoSummary> run();

 private:
  Status setup();
  Result<std::vector<Group>> collect(int64_t step, StepTotals* totals);
  Result<Json> update(const std::vector<Group>& groups);
  Result<EvalResult> held_out(int64_t step, Json* record);
  Status save(const std::string& dir) { return save_model_dir(dir, *trainer_, files_); }

  GrpoSetup s_;
  GrpoOptions o_;
  ThreadPool pool_;
  Tokenizer tokenizer_;
  ModelFiles files_;
  std::unique_ptr<Trainer> trainer_;
  Engines engines_;                 // on the current weights, one per thread; rebuilt after every update
  train::AlignedFloats ref_;        // reference policy parameters (beta > 0)
  int64_t T_ = 0;                   // trainer rows: T + 1 ids
  int64_t cursor_ = 0;              // next train problem
  std::string samples_log_;
};

Status GrpoLoop::setup() {
  if (s_.task == nullptr) return Status::invalid_argument("[grpo] no task");
  SEEK_ASSIGN_OR_RETURN(tokenizer_, Tokenizer::load(s_.model_dir));
  if (tokenizer_.eos_id() < 0) return Status::invalid_argument(fmt::format("[grpo] the tokenizer in '{}' has no EOS token", s_.model_dir));
  SEEK_ASSIGN_OR_RETURN(files_, read_model_files(s_.model_dir));
  int64_t longest = o_.max_prompt_tokens;
  if (longest == 0) {  // measure: the first train problems and every evaluation problem
    std::vector<Problem> probe = distinct_problems(*s_.task, Split::kTrain, 256);
    for (Problem& p : distinct_problems(*s_.task, Split::kHeldOut, o_.eval.problems)) probe.push_back(std::move(p));
    for (const Problem& p : probe) {
      SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, prompt_ids(tokenizer_, p.question));
      longest = std::max<int64_t>(longest, static_cast<int64_t>(ids.size()) + 16);
    }
  }
  T_ = longest + o_.rollout.max_new_tokens - 1;
  TrainOptions t = s_.train;
  t.seq_len = T_;
  SEEK_ASSIGN_OR_RETURN(trainer_, load_policy(s_.model_dir, t, &pool_));
  if (o_.loss.beta > 0) {
    ref_ = train::make_aligned_floats(trainer_->params().size());
    std::copy_n(trainer_->params().values(), trainer_->params().size(), ref_.get());
  }
  std::error_code ec;
  std::filesystem::create_directories(s_.out_dir, ec);
  if (ec) return Status::io_error(fmt::format("[grpo] cannot create '{}': {}", s_.out_dir, ec.message()));
  return Status::ok();
}

Result<std::vector<Group>> GrpoLoop::collect(int64_t step, StepTotals* totals) {
  std::vector<Group> kept;
  const int64_t max_prompt = T_ + 1 - o_.rollout.max_new_tokens;
  for (int64_t round = 0; round < (o_.dynamic_sampling ? o_.max_sampling_rounds : 1); ++round) {
    const int64_t need = o_.prompts_per_step - static_cast<int64_t>(kept.size());
    if (need <= 0) break;
    std::vector<Group> batch;
    std::vector<std::vector<int32_t>> prompts;
    while (static_cast<int64_t>(batch.size()) < need && (s_.task->size(Split::kTrain) < 0 || cursor_ < s_.task->size(Split::kTrain) * 1000)) {
      const int64_t n = s_.task->size(Split::kTrain);
      Group g;
      g.problem = s_.task->problem(Split::kTrain, n < 0 ? cursor_ : cursor_ % n);
      ++cursor_;
      SEEK_ASSIGN_OR_RETURN(g.prompt, prompt_ids(tokenizer_, g.problem.question));
      if (static_cast<int64_t>(g.prompt.size()) > max_prompt) {
        ++totals->skipped_prompts;
        continue;
      }
      prompts.push_back(g.prompt);
      batch.push_back(std::move(g));
    }
    SEEK_ASSIGN_OR_RETURN(std::vector<Sample> samples,
                          rollout(engines_.list, &pool_, tokenizer_, prompts, o_.group_size, o_.rollout, hash_key({o_.seed, 7, static_cast<uint64_t>(step), static_cast<uint64_t>(round)})));
    for (Sample& smp : samples) {
      Group& g = batch[smp.prompt];
      const ResponseInfo info{smp.text, static_cast<int64_t>(smp.tokens.size()), smp.finished, o_.rollout.max_new_tokens};
      Reward r = s_.reward_fn ? s_.reward_fn(g.problem, info) : compute_reward(*s_.task, o_.reward, g.problem, info);
      totals->reward += r.total;
      totals->accuracy += r.accuracy;
      totals->format += r.format_ok ? 1 : 0;
      totals->length += static_cast<double>(smp.tokens.size());
      totals->truncated += smp.finished ? 0 : 1;
      totals->responses += 1;
      if (!r.command_error.empty()) {
        ++totals->reward_errors;
        totals->reward_error = r.command_error;
      }
      g.rewards.push_back(std::move(r));
      g.samples.push_back(std::move(smp));
    }
    for (Group& g : batch) {
      if (o_.dynamic_sampling && g.equal_rewards()) {
        ++totals->dropped;
      } else if (static_cast<int64_t>(kept.size()) < o_.prompts_per_step) {
        kept.push_back(std::move(g));
      }
    }
  }
  totals->groups = static_cast<int64_t>(kept.size());
  return kept;
}

Result<Json> GrpoLoop::update(const std::vector<Group>& groups) {
  const int64_t G = o_.group_size, B = s_.train.batch_size;
  std::vector<TrainSequence> seqs;
  std::vector<double> rewards;
  for (const Group& g : groups) {
    for (size_t j = 0; j < g.samples.size(); ++j) {
      TrainSequence s;
      s.ids = g.prompt;
      s.ids.insert(s.ids.end(), g.samples[j].tokens.begin(), g.samples[j].tokens.end());
      s.scored.assign(g.prompt.size(), 0);
      s.scored.resize(s.ids.size(), 1);
      seqs.push_back(std::move(s));
      rewards.push_back(g.rewards[j].total);
    }
  }
  const std::vector<double> adv = group_advantages(rewards, G, o_.advantage);
  const int64_t n = static_cast<int64_t>(seqs.size());
  const int64_t per_mb = (n + o_.minibatches - 1) / o_.minibatches;
  const bool need_old = o_.epochs > 1 || o_.minibatches > 1;
  // Per minibatch: its rows, and the old and reference log-probs at the start of the step.
  struct Minibatch {
    int64_t first = 0, count = 0;
    PackedRows rows;
    std::vector<double> scales;
    std::vector<float> old_logp, ref_logp, scratch;
  };
  std::vector<Minibatch> mbs;
  for (int64_t first = 0; first < n; first += per_mb) {
    Minibatch m;
    m.first = first;
    m.count = std::min(per_mb, n - first);
    m.rows = pack_rows(std::span(seqs).subspan(first, m.count), T_, B, tokenizer_.eos_id());
    m.scales = sequence_scales(m.rows.lengths, o_.aggregation, o_.rollout.max_new_tokens);
    const size_t positions = m.rows.mask.size();
    m.scratch.resize(positions);
    if (need_old) {
      m.old_logp.resize(positions);
      SEEK_RETURN_IF_ERROR(trainer_->token_logprobs(m.rows.tokens, m.old_logp, m.scratch));
    }
    if (o_.loss.beta > 0) {
      m.ref_logp.resize(positions);
      SEEK_RETURN_IF_ERROR(trainer_->token_logprobs(m.rows.tokens, m.ref_logp, m.scratch, ref_.get()));
    }
    mbs.push_back(std::move(m));
  }
  PolicyLossStats first_pass, all_passes;
  double entropy = 0, grad_norm = 0, lr = 0, loss = 0;
  int64_t updates = 0;
  for (int64_t epoch = 0; epoch < o_.epochs; ++epoch) {
    for (Minibatch& m : mbs) {
      // Filled by the weigher, row by row (calls for different rows may run at once).
      std::vector<PolicyLossStats> row_stats(static_cast<size_t>(m.rows.rows));
      std::vector<double> row_entropy(static_cast<size_t>(m.rows.rows), 0.0);
      const TokenWeigher weigh = [&](const TokenView& v) {
        for (int64_t i = 0; i < v.rows; ++i) {
          const int64_t r = v.row + i, off = r * T_;
          if (r >= m.count) continue;  // padding rows keep weight 0
          const std::span<const float> logp = v.logp.subspan(i * T_, T_);
          SequenceTokens st;
          st.logp = logp;
          st.old_logp = need_old ? std::span<const float>(m.old_logp).subspan(off, T_) : logp;
          if (o_.loss.beta > 0) st.ref_logp = std::span<const float>(m.ref_logp).subspan(off, T_);
          st.mask = std::span<const float>(m.rows.mask).subspan(off, T_);
          st.advantage = adv[m.first + r];
          st.scale = m.scales[r];
          sequence_policy_loss(st, o_.loss, v.weight.subspan(i * T_, T_), &row_stats[r]);
          for (int64_t t = 0; t < T_; ++t) row_entropy[r] += st.mask[t] * v.entropy[i * T_ + t];
        }
      };
      SEEK_ASSIGN_OR_RETURN(StepStats st, trainer_->step_weighted(m.rows.tokens, weigh));
      for (int64_t r = 0; r < m.rows.rows; ++r) {
        all_passes.add(row_stats[r]);
        if (epoch == 0) {
          first_pass.add(row_stats[r]);
          entropy += row_entropy[r];
        }
      }
      grad_norm += st.grad_norm;
      lr = st.lr;
      loss += st.loss.main_loss;
      ++updates;
    }
  }
  const double tokens = std::max(1.0, first_pass.tokens);
  return Json{{"kl", first_pass.kl / tokens},
              {"entropy", entropy / tokens},
              {"clip_fraction", all_passes.clipped / std::max(1.0, all_passes.tokens)},
              {"ratio", all_passes.ratio / std::max(1.0, all_passes.tokens)},
              {"loss", loss / std::max<int64_t>(1, updates)},
              {"grad_norm", grad_norm / std::max<int64_t>(1, updates)},
              {"lr", lr},
              {"updates", updates}};
}

Result<EvalResult> GrpoLoop::held_out(int64_t step, Json* record) {
  EvalOptions e = o_.eval;
  SEEK_ASSIGN_OR_RETURN(EvalResult r, evaluate(engines_.list, &pool_, tokenizer_, *s_.task, Split::kHeldOut, e));
  (*record)["heldout_pass1"] = r.pass1;
  (*record)["heldout_format"] = r.format_rate;
  (*record)["heldout_length"] = r.mean_length;
  for (size_t i = 0; i < r.examples.size(); ++i) {
    append_json_line(&samples_log_, Json{{"step", step}, {"question", r.examples[i].question}, {"answer", r.examples[i].answer},
                                         {"response", r.responses_text[i]}});
  }
  return r;
}

Result<GrpoSummary> GrpoLoop::run() {
  const Clock::time_point t0 = Clock::now();
  SEEK_RETURN_IF_ERROR(setup());
  GrpoSummary summary;
  std::vector<Json> records;
  SEEK_ASSIGN_OR_RETURN(engines_, policy_engines(*trainer_, pool_.num_threads()));
  Json start{{"step", 0}, {"elapsed_s", since(t0)}};
  SEEK_ASSIGN_OR_RETURN(summary.before, held_out(0, &start));
  records.push_back(start);
  std::fprintf(s_.log, "grpo: step 0 held-out pass@1 %.3f (format %.3f, %.1f tokens)\n", summary.before.pass1,
               summary.before.format_rate, summary.before.mean_length);
  summary.after = summary.before;
  std::string metrics;
  append_json_line(&metrics, start);
  for (int64_t step = 1; step <= o_.steps; ++step) {
    const Clock::time_point ts = Clock::now();
    StepTotals tot;
    SEEK_ASSIGN_OR_RETURN(std::vector<Group> groups, collect(step, &tot));
    const double rollout_s = since(ts);
    Json rec{{"step", step}};
    if (!groups.empty()) {
      SEEK_ASSIGN_OR_RETURN(Json u, update(groups));
      rec.update(u);
      SEEK_ASSIGN_OR_RETURN(engines_, policy_engines(*trainer_, pool_.num_threads()));
    }
    if (o_.ref_reset_every > 0 && step % o_.ref_reset_every == 0 && ref_) {
      std::copy_n(trainer_->params().values(), trainer_->params().size(), ref_.get());
    }
    const double resp = std::max(1.0, tot.responses);
    rec.update(Json{{"reward", tot.reward / resp}, {"accuracy", tot.accuracy / resp}, {"format", tot.format / resp},
                    {"response_length", tot.length / resp}, {"truncated", tot.truncated / resp}, {"groups", tot.groups},
                    {"dropped_groups", tot.dropped}, {"reward_errors", tot.reward_errors},
                    {"skipped_prompts", tot.skipped_prompts}, {"rollout_s", rollout_s}, {"step_s", since(ts)}});
    if (step == o_.steps || (o_.eval_every > 0 && step % o_.eval_every == 0)) {
      SEEK_ASSIGN_OR_RETURN(summary.after, held_out(step, &rec));
    }
    rec["elapsed_s"] = since(t0);
    records.push_back(rec);
    append_json_line(&metrics, rec);
    SEEK_RETURN_IF_ERROR(write_file_atomic(s_.out_dir + "/metrics.jsonl", metrics));
    std::fprintf(s_.log, "grpo: step %lld/%lld reward %.3f acc %.3f fmt %.2f len %.1f kl %.4f ent %.3f clip %.3f (%.1fs)%s\n",
                 static_cast<long long>(step), static_cast<long long>(o_.steps), rec["reward"].get<double>(),
                 rec["accuracy"].get<double>(), rec["format"].get<double>(), rec["response_length"].get<double>(),
                 rec.value("kl", 0.0), rec.value("entropy", 0.0), rec.value("clip_fraction", 0.0), since(ts),
                 rec.contains("heldout_pass1") ? fmt::format(" held-out pass@1 {:.3f}", rec["heldout_pass1"].get<double>()).c_str() : "");
    if (!tot.reward_error.empty()) std::fprintf(s_.log, "grpo: %lld reward command failures, e.g. %s\n", static_cast<long long>(tot.reward_errors), tot.reward_error.c_str());
    if (o_.checkpoint_every > 0 && step % o_.checkpoint_every == 0 && step != o_.steps) {
      SEEK_RETURN_IF_ERROR(save(fmt::format("{}/checkpoints/step-{:06d}", s_.out_dir, step)));
    }
  }
  summary.steps = o_.steps;
  summary.model_dir = s_.out_dir + "/model";
  SEEK_RETURN_IF_ERROR(save(summary.model_dir));
  SEEK_RETURN_IF_ERROR(write_file_atomic(s_.out_dir + "/samples.jsonl", samples_log_));
  summary.seconds = since(t0);
  SEEK_RETURN_IF_ERROR(write_rl_report(s_.out_dir, records, summary.before, summary.after, summary.seconds));
  return summary;
}

}  // namespace

Result<GrpoSummary> run_grpo(const GrpoSetup& s) { return GrpoLoop(s).run(); }

}  // namespace seek::rl
