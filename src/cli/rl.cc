// seek rl --config run.json: GRPO with verifiable rewards on a model folder (rl/grpo.h; the
// config format is rl/config.h). Progress goes to stderr; the summary to stdout; the run's
// metrics, curves, report and final model to its out_dir.
// seek eval MODEL --task SPEC: pass@1 of a model on a task's held-out problems (rl/evaluate.h);
// SPEC is a task spec (rl/task.h) as JSON text or a JSON file.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "rl/config.h"
#include "rl/grpo.h"
#include "rl/policy.h"
#include "base/mmap_file.h"
#include "model/model.h"
#include "tokenizer/gguf_tokenizer.h"

namespace seek::cli {
namespace {

int run_rl(const std::string& config) {
  Result<rl::RlConfig> c = rl::load_rl_config(config);
  if (!c.is_ok()) return fail(c.status().to_string());
  Result<std::unique_ptr<rl::Task>> task = rl::make_task(c->task, c->base_dir);
  if (!task.is_ok()) return fail(task.status().to_string());
  rl::GrpoSetup s;
  s.model_dir = c->model;
  s.out_dir = c->out_dir;
  s.task = task->get();
  s.grpo = c->grpo;
  s.train = c->train;
  s.threads = c->threads;
  Result<rl::GrpoSummary> r = rl::run_grpo(s);
  if (!r.is_ok()) return fail(r.status().to_string());
  std::printf("held-out pass@1 %.1f%% -> %.1f%% (%+.1f points) after %lld steps in %.0f s\nmodel: %s\nreport: %s/report.md\n",
              100 * r->before.pass1, 100 * r->after.pass1, 100 * (r->after.pass1 - r->before.pass1),
              static_cast<long long>(r->steps), r->seconds, r->model_dir.c_str(), c->out_dir.c_str());
  return 0;
}

struct EvalArgs {
  std::string model, task;
  rl::EvalOptions eval;
  bool train_split = false;
  int threads = 0;
  bool show = false;
};

int run_eval(const EvalArgs& a) {
  std::string text = a.task, base;
  if (!text.empty() && text.front() != '{') {
    Result<std::string> t = read_text_file(a.task, size_t{16} << 20);
    if (!t.is_ok()) return fail(t.status().to_string());
    text = *t;
    base = std::filesystem::path(a.task).parent_path().string();
  }
  Result<Json> spec = parse_json(text, "--task");
  if (!spec.is_ok()) return fail(spec.status().to_string());
  Result<std::unique_ptr<rl::Task>> task = rl::make_task(*spec, base);
  if (!task.is_ok()) return fail(task.status().to_string());
  Result<Model> m = Model::load(a.model);
  if (!m.is_ok()) return fail(m.status().to_string());
  Result<Tokenizer> tok = load_model_tokenizer(a.model);
  if (!tok.is_ok()) return fail(tok.status().to_string());
  ThreadPool pool(a.threads);
  Result<rl::Engines> engines = rl::make_engines(std::make_shared<const Model>(std::move(*m)), pool.num_threads());
  if (!engines.is_ok()) return fail(engines.status().to_string());
  const rl::Split split = a.train_split ? rl::Split::kTrain : rl::Split::kHeldOut;
  Result<rl::EvalResult> r = rl::evaluate(engines->list, &pool, *tok, **task, split, a.eval);
  if (!r.is_ok()) return fail(r.status().to_string());
  if (a.show) {
    for (size_t i = 0; i < r->examples.size(); ++i) {
      std::printf("%s (answer %s)\n%s\n\n", r->examples[i].question.c_str(), r->examples[i].answer.c_str(), r->responses_text[i].c_str());
    }
  }
  std::printf("%s pass@1 %.1f%% (%lld problems x %lld samples, temperature %g); format %.1f%%; %.1f tokens per response; "
              "%.1f%% cut at %lld tokens\n",
              std::string(rl::split_name(split)).c_str(), 100 * r->pass1, static_cast<long long>(r->problems),
              static_cast<long long>(a.eval.samples), a.eval.rollout.sampling.temperature, 100 * r->format_rate, r->mean_length,
              100 * r->truncated, static_cast<long long>(a.eval.rollout.max_new_tokens));
  return 0;
}

}  // namespace

void add_eval(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("eval", "Held-out pass@1 of a model on a verifiable task (R1-Zero prompt)");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("MODEL", a->model, "Hugging Face model directory or .gguf file")->required();
  cmd->add_option("--task", a->task, "Task spec: JSON text or a JSON file, e.g. '{\"type\": \"arithmetic\"}'")->required();
  cmd->add_option("--problems", a->eval.problems, "Distinct problems")->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--samples", a->eval.samples, "Responses per problem (pass@1 is their mean accuracy)")->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  cmd->add_option("--temp,--temperature", a->eval.rollout.sampling.temperature, "Sampling temperature; 0 = greedy");
  cmd->add_option("--top-p", a->eval.rollout.sampling.top_p, "Nucleus sampling mass");
  cmd->add_option("-n,--max-tokens", a->eval.rollout.max_new_tokens, "Most tokens per response")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--seed", a->eval.seed, "Sampling seed");
  cmd->add_flag("--train-split", a->train_split, "Evaluate on the train split instead of the held-out one");
  cmd->add_flag("--show", a->show, "Print the first responses");
  cmd->add_option("-t,--threads", a->threads, "Threads (default: one per CPU)")->check(CLI::Range(0, 4096));
  cmd->callback([=] { *run = [=] { return run_eval(*a); }; });
}

void add_rl(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("rl", "Reinforcement learning with verifiable rewards (GRPO) on a model folder");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "Run configuration (JSON): model, out_dir, task, reward, grpo, eval, train")->required();
  cmd->callback([=] { *run = [=] { return run_rl(*config); }; });
}

}  // namespace seek::cli
