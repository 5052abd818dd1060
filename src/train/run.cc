#include "train/run.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "train/dataset.h"
#include "train/metrics.h"
#include "train/plots.h"
#include "train/run_checkpoint.h"
#include "train/trainer.h"

namespace seek {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string duration(double s) {
  const int64_t t = std::llround(std::max(s, 0.0));
  return t >= 3600 ? fmt::format("{}h{:02d}m", t / 3600, t / 60 % 60) : fmt::format("{}m{:02d}s", t / 60, t % 60);
}

std::string thousands(double v) { return v >= 1e4 ? fmt::format("{:.1f}k", v / 1e3) : fmt::format("{:.0f}", v); }

// The config.json a checkpoint carries: the run's model object, completed from the tokenizer.
Result<Json> checkpoint_config(const RunConfig& c, const Tokenizer& tok) {
  Json m = c.model;
  if (!m.contains("vocab_size")) m["vocab_size"] = tok.id_limit();
  if (!m.contains("bos_token_id")) m["bos_token_id"] = tok.bos_id();
  if (!m.contains("eos_token_id")) m["eos_token_id"] = tok.eos_id();
  if (!m.contains("architectures")) {
    m["architectures"] = {m.value("model_type", "") == "deepseek_v2" ? "DeepseekV2ForCausalLM" : "DeepseekV3ForCausalLM"};
  }
  return m;
}

// Everything a run holds while it trains.
struct Run {
  Run(const RunConfig& config, const RunFlags& f) : c(config), flags(f) {}

  const RunConfig& c;
  const RunFlags& flags;
  Json model_json;
  TokenizerFiles tokenizer_files;
  std::optional<Dataset> data;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Trainer> trainer;
  std::optional<MetricsLog> metrics;
  std::vector<int32_t> batch, validation;
  bool tty = false;

  ResumeInfo resume_info() const {
    return {trainer->state(), data->position(), c.data.seed, data->fingerprint(), pool->num_threads(),
            train_options_json(c.train)};
  }

  void log(const std::string& line) const {
    std::fprintf(flags.log, "%s%s\n", tty ? "\r\x1b[K" : "", line.c_str());
    std::fflush(flags.log);
  }

  Status prepare(RunSummary* summary);
  Status checkpoint(RunSummary* summary);
  Status train(RunSummary* summary);
};

Status Run::prepare(RunSummary* summary) {
  SEEK_ASSIGN_OR_RETURN(Tokenizer tok, Tokenizer::load(c.tokenizer_dir));
  SEEK_ASSIGN_OR_RETURN(tokenizer_files, read_tokenizer_files(c.tokenizer_dir));
  SEEK_ASSIGN_OR_RETURN(model_json, checkpoint_config(c, tok));
  SEEK_ASSIGN_OR_RETURN(ModelConfig mc, parse_model_config(model_json.dump(), "run config \"model\""));
  if (mc.vocab_size < tok.id_limit()) {
    return Status::invalid_argument(fmt::format("[train] the model's vocab_size {} is smaller than the tokenizer's {} ids ('{}')",
                                                mc.vocab_size, tok.id_limit(), c.tokenizer_dir));
  }
  std::error_code ec;
  const std::string latest = latest_checkpoint(c.out_dir);
  if (!flags.resume && (!latest.empty() || fs::exists(c.out_dir + "/metrics.jsonl", ec))) {
    return Status::invalid_argument(fmt::format("[train] out_dir '{}' already holds a run{}; pass --resume to continue it, or "
                                                "choose another out_dir", c.out_dir, latest.empty() ? "" : " (checkpoint " + latest + ")"));
  }

  const auto t0 = Clock::now();
  SEEK_ASSIGN_OR_RETURN(TokenCorpus corpus, tokenize_corpus(c.data, tok));
  log(fmt::format("data: {} documents, {:.1f} MB -> {} tokens ({:.2f} bytes/token) in {:.1f}s", corpus.documents,
                  corpus.bytes / 1e6, corpus.ids.size(), corpus.bytes / std::max<double>(1.0, static_cast<double>(corpus.ids.size())),
                  std::chrono::duration<double>(Clock::now() - t0).count()));
  SEEK_ASSIGN_OR_RETURN(Dataset d, Dataset::create(std::move(corpus.ids), c.train.seq_len, c.data.validation_fraction, c.data.seed));
  data.emplace(std::move(d));

  pool = std::make_unique<ThreadPool>(c.threads);
  SEEK_ASSIGN_OR_RETURN(trainer, Trainer::create(mc, c.train, pool.get()));
  const int64_t B = c.train.batch_size;
  log(fmt::format("model: {:.2f}M parameters; windows of {} tokens: {} training, {} validation; {} threads", 
                  trainer->params().num_trainable() / 1e6, c.train.seq_len, data->train_windows(),
                  data->validation_windows(), pool->num_threads()));
  if (data->validation_windows() > 0) {
    const int64_t micro = std::min(c.eval_batches, (data->validation_windows() + B - 1) / B);
    data->validation(micro * B, &validation);
  }
  fs::create_directories(c.out_dir, ec);
  if (ec) return Status::io_error(fmt::format("[train] cannot create out_dir '{}': {}", c.out_dir, ec.message()));
  remove_partial_checkpoints(c.out_dir);
  if (flags.resume && !latest.empty()) {
    SEEK_ASSIGN_OR_RETURN(ResumeInfo info, load_checkpoint(latest, trainer.get()));
    const ResumeInfo now = resume_info();
    if (info.data_fingerprint != now.data_fingerprint || info.data_seed != now.data_seed) {
      return Status::invalid_argument(fmt::format("[train] --resume: the data (or its seed or seq_len) differs from the run in '{}'", latest));
    }
    if (info.train_options != now.train_options) {
      return Status::invalid_argument(fmt::format("[train] --resume: the training options differ from the run in '{}': {} vs {}",
                                                  latest, now.train_options.dump(), info.train_options.dump()));
    }
    SEEK_RETURN_IF_ERROR(data->seek(info.data));
    if (info.threads != pool->num_threads()) {
      log(fmt::format("note: the checkpoint was written with {} threads, this run has {}: it continues, but not bit for bit",
                      info.threads, pool->num_threads()));
    }
    log(fmt::format("resumed from {} (step {})", latest, trainer->state().step));
    summary->checkpoint = latest;
  }
  SEEK_ASSIGN_OR_RETURN(MetricsLog m, MetricsLog::open(c.out_dir + "/metrics.jsonl", trainer->state().step));
  metrics.emplace(std::move(m));
  return Status::ok();
}

Status Run::checkpoint(RunSummary* summary) {
  const auto t0 = Clock::now();
  SEEK_ASSIGN_OR_RETURN(summary->checkpoint, save_checkpoint(c.out_dir, *trainer, model_json, tokenizer_files, resume_info(), c.keep_checkpoints));
  SEEK_ASSIGN_OR_RETURN(std::vector<Json> records, read_metrics(c.out_dir + "/metrics.jsonl"));
  SEEK_ASSIGN_OR_RETURN(RunHistory h, history_from_metrics(records, trainer->moe_layers(), trainer->config().n_routed_experts,
                                                                   trainer->config().num_hidden_layers));
  summary->moe_layers.clear();
  for (int64_t l : trainer->moe_layers()) summary->moe_layers.push_back(moe_layer_name(l, trainer->config().num_hidden_layers));
  summary->load_max_over_mean = max_over_mean_load(h, std::max<int64_t>(1, static_cast<int64_t>(h.steps.size()) / 10));
  if (c.plots) {
    SEEK_RETURN_IF_ERROR(write_loss_plot(c.out_dir + "/loss", h));
    if (!h.moe_layers.empty()) SEEK_RETURN_IF_ERROR(write_load_plot(c.out_dir + "/expert_load", h));
  }
  log(fmt::format("checkpoint {} ({:.1f}s)", summary->checkpoint, std::chrono::duration<double>(Clock::now() - t0).count()));
  return Status::ok();
}

Status Run::train(RunSummary* summary) {
  const int64_t B = c.train.batch_size, tokens_per_step = c.train.grad_accum_steps * B * c.train.seq_len;
  const int64_t first = trainer->state().step;
  const auto start = Clock::now();
  double train_seconds = 0;
  for (int64_t step = first; step < c.steps;) {
    batch.clear();
    data->next_train(c.train.grad_accum_steps * B, &batch);
    const auto t0 = Clock::now();
    SEEK_ASSIGN_OR_RETURN(StepStats s, trainer->step(batch));
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    train_seconds += dt;
    step = s.step;
    if (!std::isfinite(s.loss.loss)) {
      return Status::out_of_range(fmt::format("[train] the loss is {} at step {}; lower lr ({}) or raise warmup_steps ({}); "
                                              "the last checkpoint is kept", s.loss.loss, step, c.train.schedule.lr,
                                              c.train.schedule.warmup_steps));
    }
    // The stop flag is read once per step: read again after the checkpoint decision, a
    // Ctrl-C landing in between ended the run without its final evaluation and checkpoint.
    const bool stop = flags.stop && flags.stop->load();
    const bool last = step == c.steps || stop;
    std::optional<LossStats> val;
    if (!validation.empty() && (last || (c.eval_every > 0 && step % c.eval_every == 0))) {
      SEEK_ASSIGN_OR_RETURN(val, trainer->evaluate(validation));
      summary->val_loss = val->main_loss;
    }
    SEEK_RETURN_IF_ERROR(metrics->append(step_record(s, trainer->config().n_routed_experts, step * tokens_per_step,
                                                     std::chrono::duration<double>(Clock::now() - start).count(),
                                                     tokens_per_step / std::max(dt, 1e-9), val)));
    const int64_t done = step - first, total = c.steps - first;
    const int bar = static_cast<int>(20 * step / c.steps);
    const std::string line = fmt::format(
        "step {}/{} [{}{}] loss {:.4f}{} lr {:.2e} {} tok/s ETA {}", step, c.steps, std::string(bar, '#'),
        std::string(20 - bar, '.'), s.loss.main_loss, summary->val_loss ? fmt::format(" val {:.4f}", *summary->val_loss) : "",
        s.lr, thousands(done * tokens_per_step / std::max(train_seconds, 1e-9)),
        duration(train_seconds / done * (total - done)));
    if (tty && !val) {
      std::fprintf(flags.log, "\r\x1b[K%s", line.c_str());
      std::fflush(flags.log);
    } else if (val || step % c.log_every == 0 || last) {
      log(line);
    }
    summary->step = step;
    if (last || (c.checkpoint_every > 0 && step % c.checkpoint_every == 0)) SEEK_RETURN_IF_ERROR(checkpoint(summary));
    if (stop) {
      summary->stopped = true;
      break;
    }
  }
  return Status::ok();
}

}  // namespace

Result<RunSummary> run_training(const RunConfig& c, const RunFlags& flags) {
  Run run(c, flags);
  run.tty = isatty(fileno(flags.log)) != 0;
  RunSummary summary;
  SEEK_RETURN_IF_ERROR(run.prepare(&summary));
  summary.step = run.trainer->state().step;
  SEEK_RETURN_IF_ERROR(run.train(&summary));
  return summary;
}

}  // namespace seek
