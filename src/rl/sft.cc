#include "rl/sft.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/mmap_file.h"
#include "rl/jsonl.h"
#include "rl/policy.h"
#include "rl/random.h"
#include "rl/svg_chart.h"
#include "tokenizer/chat_template.h"

namespace seek::rl {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Status append_piece(const Tokenizer& tok, std::string_view text, bool scored, TrainSequence* s) {
  if (text.empty()) return Status::ok();
  SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tok.encode(text));
  s->ids.insert(s->ids.end(), ids.begin(), ids.end());
  s->scored.resize(s->ids.size(), scored ? 1 : 0);
  return Status::ok();
}

Result<TrainSequence> transcript(const Tokenizer& tok, const ChatTemplate& tmpl, const Json& record, const std::string& where) {
  if (!record.contains("messages") || !record["messages"].is_array() || record["messages"].empty()) {
    return Status::invalid_argument(fmt::format("[sft] {}: expected {{\"messages\": [{{\"role\", \"content\"}}, ...]}}", where));
  }
  const Json& messages = record["messages"];
  auto render = [&](size_t n, bool generation) -> Result<std::string> {
    nlohmann::ordered_json prefix = nlohmann::ordered_json::array();
    for (size_t i = 0; i < n; ++i) prefix.push_back(nlohmann::ordered_json::parse(messages[i].dump()));
    SEEK_ASSIGN_OR_RETURN(jinja::Dict vars, chat_variables(tok, prefix, generation));
    return tmpl.render(std::move(vars));
  };
  TrainSequence s;
  std::string done;  // text already turned into tokens
  for (size_t k = 0; k < messages.size(); ++k) {
    const Json& m = messages[k];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") || !m["content"].is_string()) {
      return Status::invalid_argument(fmt::format("[sft] {}: message {} needs string \"role\" and \"content\"", where, k));
    }
    if (m["role"] != "assistant") continue;
    SEEK_ASSIGN_OR_RETURN(std::string prompt, render(k, true));
    SEEK_ASSIGN_OR_RETURN(std::string full, render(k + 1, false));
    if (prompt.compare(0, done.size(), done) != 0 || full.compare(0, prompt.size(), prompt) != 0) {
      return Status::unsupported(fmt::format("[sft] {}: message {}: the chat template does not render the conversation so far "
                                             "as a prefix of the next turn, so the assistant's tokens cannot be told apart", where, k));
    }
    SEEK_RETURN_IF_ERROR(append_piece(tok, std::string_view(prompt).substr(done.size()), false, &s));
    SEEK_RETURN_IF_ERROR(append_piece(tok, std::string_view(full).substr(prompt.size()), true, &s));
    done = std::move(full);
  }
  if (std::find(s.scored.begin(), s.scored.end(), 1) == s.scored.end()) {
    return Status::invalid_argument(fmt::format("[sft] {}: the transcript has no assistant message", where));
  }
  return s;
}

}  // namespace

Result<std::vector<TrainSequence>> read_transcripts(const std::vector<std::string>& files, const Tokenizer& tokenizer) {
  const std::string& text = tokenizer.config().chat_template;
  if (text.empty()) return Status::invalid_argument("[sft] the model's tokenizer has no chat_template");
  SEEK_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::parse(text, "chat_template"));
  std::vector<TrainSequence> out;
  for (const std::string& f : files) {
    SEEK_RETURN_IF_ERROR(for_each_json_line(f, [&](const Json& j, const std::string& where) -> Status {
      SEEK_ASSIGN_OR_RETURN(TrainSequence s, transcript(tokenizer, tmpl, j, where));
      out.push_back(std::move(s));
      return Status::ok();
    }));
  }
  if (out.empty()) return Status::invalid_argument("[sft] the data holds no transcripts");
  return out;
}

Result<SftSummary> run_sft(const SftSetup& s) {
  const Clock::time_point t0 = Clock::now();
  SftSummary sum;
  SEEK_ASSIGN_OR_RETURN(Tokenizer tok, Tokenizer::load(s.model_dir));
  SEEK_ASSIGN_OR_RETURN(ModelFiles files, read_model_files(s.model_dir));
  SEEK_ASSIGN_OR_RETURN(std::vector<TrainSequence> data, read_transcripts(s.data, tok));
  sum.transcripts = static_cast<int64_t>(data.size());
  int64_t longest = 2;
  for (const TrainSequence& t : data) longest = std::max<int64_t>(longest, static_cast<int64_t>(t.ids.size()));
  TrainOptions to = s.train;
  to.seq_len = std::min(longest, s.max_seq_len) - 1;
  ThreadPool pool(s.threads);
  SEEK_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, load_policy(s.model_dir, to, &pool));
  std::error_code ec;
  std::filesystem::create_directories(s.out_dir, ec);
  if (ec) return Status::io_error(fmt::format("[sft] cannot create '{}': {}", s.out_dir, ec.message()));

  auto held_out = [&]() -> Result<EvalResult> {
    SEEK_ASSIGN_OR_RETURN(Engines e, policy_engines(*trainer, pool.num_threads()));
    return evaluate(e.list, &pool, tok, *s.eval_task, Split::kHeldOut, s.eval);
  };
  if (s.eval_task != nullptr) {
    SEEK_ASSIGN_OR_RETURN(sum.before, held_out());
    std::fprintf(s.log, "sft: held-out pass@1 before %.3f\n", sum.before->pass1);
  }
  const int64_t B = to.batch_size, n = sum.transcripts, per_epoch = (n + B - 1) / B;
  std::string metrics;
  Series loss{"loss", {}, {}, false};
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < s.epochs; ++epoch) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    Rng rng(hash_key({s.seed, 13, static_cast<uint64_t>(epoch)}));
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.uniform(0, i)]);
    for (int64_t b = 0; b < per_epoch; ++b) {
      std::vector<TrainSequence> batch;
      for (int64_t i = b * B; i < std::min(n, (b + 1) * B); ++i) batch.push_back(data[order[i]]);
      const PackedRows rows = pack_rows(batch, to.seq_len, B, tok.eos_id() >= 0 ? tok.eos_id() : 0);
      sum.truncated += rows.truncated;
      double scored = 0;
      for (float m : rows.mask) scored += m;
      if (scored == 0) continue;
      const float w = static_cast<float>(1.0 / scored);
      const TokenWeigher weigh = [&](const TokenView& v) {
        for (int64_t k = 0; k < v.rows * v.T; ++k) v.weight[k] = w * rows.mask[v.row * v.T + k];
      };
      SEEK_ASSIGN_OR_RETURN(StepStats st, trainer->step_weighted(rows.tokens, weigh));
      ++step;
      const double l = st.loss.main_loss;
      if (step == 1) sum.first_loss = l;
      sum.last_loss = l;
      loss.x.push_back(static_cast<double>(step));
      loss.y.push_back(l);
      append_json_line(&metrics, Json{{"step", step}, {"epoch", epoch}, {"loss", l}, {"lr", st.lr}, {"grad_norm", st.grad_norm},
                                      {"scored_tokens", scored}, {"elapsed_s", since(t0)}});
      if (step % 10 == 0 || step == s.epochs * per_epoch) {
        std::fprintf(s.log, "sft: step %lld/%lld loss %.4f lr %.2e\n", static_cast<long long>(step),
                     static_cast<long long>(s.epochs * per_epoch), l, st.lr);
      }
    }
  }
  sum.steps = step;
  if (s.eval_task != nullptr) {
    SEEK_ASSIGN_OR_RETURN(sum.after, held_out());
    std::fprintf(s.log, "sft: held-out pass@1 after %.3f\n", sum.after->pass1);
  }
  sum.model_dir = s.out_dir + "/model";
  SEEK_RETURN_IF_ERROR(save_model_dir(sum.model_dir, *trainer, files));
  SEEK_RETURN_IF_ERROR(write_file_atomic(s.out_dir + "/metrics.jsonl", metrics));
  SEEK_RETURN_IF_ERROR(write_file_atomic(s.out_dir + "/curves.svg", svg_panels({{"SFT loss (nats per assistant token)", {loss}}}, 1)));
  sum.seconds = since(t0);
  std::string md = fmt::format("# SFT run\n\n{} transcripts ({} cut to {} tokens), {} epochs, {} steps of {} transcripts, {:.0f} s.\n"
                               "Loss per assistant token: {:.4f} -> {:.4f}.\n",
                               sum.transcripts, sum.truncated, to.seq_len + 1, s.epochs, sum.steps, B, sum.seconds,
                               sum.first_loss, sum.last_loss);
  if (sum.before && sum.after) {
    md += fmt::format("Held-out pass@1: {:.1f}% -> {:.1f}% ({} problems).\n", 100 * sum.before->pass1, 100 * sum.after->pass1,
                      sum.after->problems);
  }
  md += "\n![loss](curves.svg)\n";
  SEEK_RETURN_IF_ERROR(write_file_atomic(s.out_dir + "/report.md", md));
  return sum;
}

}  // namespace seek::rl
