// seek r1zero --out DIR: the whole R1-Zero pipeline from nothing (rl/r1zero.h): synthetic
// corpus, tokenizer, base model pretraining, held-out evaluation, GRPO, evaluation again.
// --config F.json overrides any of the defaults (docs/rl.md lists them).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "base/mmap_file.h"
#include "cli/commands.h"
#include "rl/distill_study.h"
#include "rl/r1zero.h"

namespace seek::cli {
namespace {

struct R1ZeroArgs {
  std::string out;
  std::string config;
  int64_t seed = -1;
  int threads = -1;
  bool distill = false;
  bool distill_only = false;
};

int run_study(const rl::R1ZeroOptions& o) {
  Result<rl::DistillStudy> d = rl::run_distill_study(o, stderr);
  if (!d.is_ok()) return fail(d.status().to_string());
  std::printf("distillation: student %.1f%% -> %.1f%% with the RL model's verified traces, %.1f%% without (held-out pass@1, "
              "sampled); report: %s/distill/report.md\n",
              100 * d->student_sampled.pass1, 100 * d->with_sampled.pass1, 100 * d->without_sampled.pass1, o.out_dir.c_str());
  return 0;
}

int run_r1zero(const R1ZeroArgs& a) {
  Json overrides = Json::object();
  if (!a.config.empty()) {
    Result<std::string> text = read_text_file(a.config, size_t{16} << 20);
    if (!text.is_ok()) return fail(text.status().to_string());
    Result<Json> j = parse_json(*text, a.config);
    if (!j.is_ok()) return fail(j.status().to_string());
    overrides = *j;
  }
  if (a.seed >= 0) overrides["seed"] = a.seed;
  if (a.threads >= 0) overrides["threads"] = a.threads;
  Result<rl::R1ZeroOptions> o = rl::r1zero_options(overrides);
  if (!o.is_ok()) return fail(o.status().to_string());
  o->out_dir = a.out;
  if (a.distill_only) return run_study(*o);
  Result<rl::R1ZeroSummary> s = rl::run_r1zero(*o, stderr);
  if (!s.is_ok()) return fail(s.status().to_string());
  std::printf("held-out pass@1: base %.1f%% -> R1-Zero %.1f%% (%+.1f points) sampled; greedy %.1f%% -> %.1f%%\n"
              "total %.0f s; model: %s; report: %s/report.md\n",
              100 * s->base_sampled.pass1, 100 * s->final_sampled.pass1, 100 * (s->final_sampled.pass1 - s->base_sampled.pass1),
              100 * s->base_greedy.pass1, 100 * s->final_greedy.pass1, s->total_s, s->final_dir.c_str(), a.out.c_str());
  return a.distill ? run_study(*o) : 0;
}

}  // namespace

void add_r1zero(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("r1zero", "The R1-Zero pipeline from nothing: corpus, tokenizer, base model, GRPO, evaluation");
  auto a = std::make_shared<R1ZeroArgs>();
  cmd->add_option("--out", a->out, "Output folder (must not hold a run yet)")->required();
  cmd->add_option("--config", a->config, "JSON overrides of the defaults (docs/rl.md)");
  cmd->add_option("--seed", a->seed, "Seed of everything (default 1)")->check(CLI::Range(int64_t{0}, int64_t{1} << 62));
  cmd->add_option("-t,--threads", a->threads, "Threads (default: one per CPU)")->check(CLI::Range(0, 4096));
  cmd->add_flag("--distill", a->distill, "Then compare a smaller student fine-tuned with and without the RL model's traces");
  cmd->add_flag("--distill-only", a->distill_only, "Only the distillation comparison, on the finished run in --out");
  cmd->callback([=] { *run = [=] { return run_r1zero(*a); }; });
}

}  // namespace seek::cli
