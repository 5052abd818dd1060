// seek sft --config run.json: supervised fine-tuning on JSONL chat transcripts, loss on the
// assistant's tokens only (rl/sft.h). The config:
//   {"model": DIR, "out_dir": DIR, "data": "a.jsonl" | [...], "epochs": 1, "max_seq_len": 1024,
//    "train": {train/options.h keys}, "task": {rl/task.h spec, optional: held-out pass@1 before
//    and after}, "eval": {problems, samples, temperature, top_p, max_new_tokens}, "threads": 0, "seed": 1}
// seek distill --config run.json: verified reasoning traces from a teacher as SFT data (rl/distill.h):
//   {"teacher": DIR, "task": {...}, "out": "traces.jsonl", "problems": 2000, "samples": 4,
//    "keep_per_problem": 1, "max_new_tokens": 256, "temperature": 1, "top_p": 1, "threads": 0, "seed": 1}
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "base/mmap_file.h"
#include "cli/commands.h"
#include "rl/config.h"
#include "rl/distill.h"
#include "rl/fields.h"
#include "rl/sft.h"

namespace seek::cli {
namespace {

std::string relative_to(const std::string& base, const std::string& p) {
  return std::filesystem::path(p).is_absolute() || base.empty() ? p : (std::filesystem::path(base) / p).string();
}

Result<Json> read_config(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, size_t{16} << 20));
  return parse_json(text, path);
}

int run_sft(const std::string& path) {
  Result<Json> j = read_config(path);
  if (!j.is_ok()) return fail(j.status().to_string());
  const std::string base = std::filesystem::path(path).parent_path().string();
  rl::SftSetup s;
  Json train = Json::object(), task, eval = Json::object();
  int64_t threads = 0, seed = 1;
  rl::Fields f(fmt::format("[sft config] '{}'", path));
  f.string("model", &s.model_dir);
  f.string("out_dir", &s.out_dir);
  f.strings("data", &s.data);
  f.integer("epochs", &s.epochs, 1, 1 << 20);
  f.integer("max_seq_len", &s.max_seq_len, 2, 1 << 20);
  f.json("train", &train);
  f.json("task", &task);
  f.json("eval", &eval);
  f.integer("threads", &threads, 0, 4096);
  f.integer("seed", &seed, 0, INT64_MAX);
  if (Status st = f.read(*j); !st.is_ok()) return fail(st.to_string());
  for (const auto& [key, missing] : {std::pair{"model", s.model_dir.empty()}, std::pair{"out_dir", s.out_dir.empty()},
                                     std::pair{"data", s.data.empty()}}) {
    if (missing) return fail(f.error(key, "is missing").to_string());
  }
  s.model_dir = relative_to(base, s.model_dir);
  s.out_dir = relative_to(base, s.out_dir);
  for (std::string& d : s.data) d = relative_to(base, d);
  s.threads = static_cast<int>(threads);
  s.seed = static_cast<uint64_t>(seed);
  const TrainOptions defaults = rl::finetune_train_defaults(100);
  Result<TrainOptions> t = parse_train_options(train, defaults);
  if (!t.is_ok()) return fail(t.status().to_string());
  s.train = *t;
  std::unique_ptr<rl::Task> eval_task;
  if (!task.is_null()) {
    Result<std::unique_ptr<rl::Task>> tk = rl::make_task(task, base);
    if (!tk.is_ok()) return fail(tk.status().to_string());
    eval_task = std::move(*tk);
    s.eval_task = eval_task.get();
  }
  if (Status st = rl::parse_eval_options(eval, &s.eval, nullptr); !st.is_ok()) return fail(st.to_string());
  Result<rl::SftSummary> r = rl::run_sft(s);
  if (!r.is_ok()) return fail(r.status().to_string());
  std::printf("%lld transcripts, %lld steps, loss %.4f -> %.4f nats/token", static_cast<long long>(r->transcripts),
              static_cast<long long>(r->steps), r->first_loss, r->last_loss);
  if (r->before && r->after) std::printf("; held-out pass@1 %.1f%% -> %.1f%%", 100 * r->before->pass1, 100 * r->after->pass1);
  std::printf("\nmodel: %s\n", r->model_dir.c_str());
  return 0;
}

int run_distill(const std::string& path) {
  Result<Json> j = read_config(path);
  if (!j.is_ok()) return fail(j.status().to_string());
  const std::string base = std::filesystem::path(path).parent_path().string();
  rl::DistillOptions o;
  std::string teacher, out;
  Json task;
  int64_t threads = 0, seed = 1;
  double temperature = o.rollout.sampling.temperature, top_p = o.rollout.sampling.top_p;
  rl::Fields f(fmt::format("[distill config] '{}'", path));
  f.string("teacher", &teacher);
  f.json("task", &task);
  f.string("out", &out);
  f.integer("problems", &o.problems, 1, 1 << 24);
  f.integer("samples", &o.samples, 1, 1 << 16);
  f.integer("keep_per_problem", &o.keep_per_problem, 1, 1 << 16);
  f.integer("max_new_tokens", &o.rollout.max_new_tokens, 1, 1 << 20);
  f.real("temperature", &temperature, 0, 100);
  f.real("top_p", &top_p, 1e-6, 1);
  f.integer("threads", &threads, 0, 4096);
  f.integer("seed", &seed, 0, INT64_MAX);
  if (Status st = f.read(*j); !st.is_ok()) return fail(st.to_string());
  if (teacher.empty() || out.empty() || task.is_null()) return fail(f.error("teacher/task/out", "are required").to_string());
  o.rollout.sampling.temperature = static_cast<float>(temperature);
  o.rollout.sampling.top_p = static_cast<float>(top_p);
  o.threads = static_cast<int>(threads);
  o.seed = static_cast<uint64_t>(seed);
  Result<std::unique_ptr<rl::Task>> tk = rl::make_task(task, base);
  if (!tk.is_ok()) return fail(tk.status().to_string());
  Result<rl::DistillSummary> r = rl::distill_traces(relative_to(base, teacher), **tk, o, relative_to(base, out), stderr);
  if (!r.is_ok()) return fail(r.status().to_string());
  std::printf("%lld of %lld teacher samples verified; %lld transcripts written to %s\n", static_cast<long long>(r->verified),
              static_cast<long long>(r->samples), static_cast<long long>(r->kept), relative_to(base, out).c_str());
  return 0;
}

}  // namespace

void add_sft(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("sft", "Supervised fine-tuning on JSONL chat transcripts (loss on assistant tokens)");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "Run configuration (JSON): model, out_dir, data, epochs, train, task, eval")->required();
  cmd->callback([=] { *run = [=] { return run_sft(*config); }; });
  auto* d = app.add_subcommand("distill", "Sample verified reasoning traces from a teacher model as SFT data");
  auto dconfig = std::make_shared<std::string>();
  d->add_option("--config", *dconfig, "Configuration (JSON): teacher, task, out, problems, samples, sampling")->required();
  d->callback([=] { *run = [=] { return run_distill(*dconfig); }; });
}

}  // namespace seek::cli
