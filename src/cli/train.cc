// seek train --config run.json [--resume]: pretrain a DeepSeek-V3/V2-architecture model on
// text (train/run.h; the config format is train/run_config.h). Progress goes to stderr, the
// summary to stdout. Ctrl-C (or SIGTERM) finishes the current step, writes a checkpoint and
// exits; `--resume` continues from it. A second Ctrl-C stops at once (the last checkpoint is
// intact either way).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "train/run.h"

namespace seek::cli {
namespace {

struct TrainArgs {
  std::string config;
  bool resume = false;
};

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop.store(true); }

int run_train(const TrainArgs& a) {
  Result<RunConfig> c = load_run_config(a.config);
  if (!c.is_ok()) return fail(c.status().to_string());
  g_stop.store(false);
  struct sigaction sa {};
  sa.sa_handler = request_stop;
  sa.sa_flags = SA_RESETHAND;  // a second signal takes the default action
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  Result<RunSummary> r = run_training(*c, RunFlags{.resume = a.resume, .stop = &g_stop, .log = stderr});
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (!r.is_ok()) return fail(r.status().to_string());
  std::printf("%s at step %lld of %lld", r->stopped ? "stopped" : "trained", (long long)r->step, (long long)c->steps);
  if (r->val_loss) std::printf("; validation loss %.4f nats/token", *r->val_loss);
  std::printf("\n");
  if (!r->load_max_over_mean.empty()) {
    std::printf("expert load max/mean (last 10%% of steps):");
    for (size_t i = 0; i < r->load_max_over_mean.size(); ++i) {
      std::printf(" %s %.3f%s", r->moe_layers[i].c_str(), r->load_max_over_mean[i],
                  i + 1 < r->load_max_over_mean.size() ? "," : "");
    }
    std::printf("\n");
  }
  if (!r->checkpoint.empty()) std::printf("checkpoint: %s (seek generate %s/latest)\n", r->checkpoint.c_str(), c->out_dir.c_str());
  return 0;
}

}  // namespace

void add_train(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("train", "Pretrain a DeepSeek-V3-architecture model on text files");
  auto a = std::make_shared<TrainArgs>();
  cmd->add_option("--config", a->config, "Run configuration (JSON): data, tokenizer, model, training options, out_dir")
      ->required();
  cmd->add_flag("--resume", a->resume, "Continue the run in out_dir from its latest checkpoint (or start it if it has none)");
  cmd->callback([=] { *run = [=] { return run_train(*a); }; });
}

}  // namespace seek::cli
