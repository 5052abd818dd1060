#include "rl/r1zero.h"

#include <chrono>
#include <filesystem>

#include "base/mmap_file.h"
#include "model/model.h"
#include "rl/config.h"
#include "rl/fields.h"
#include "rl/jsonl.h"
#include "rl/policy.h"
#include "rl/prompt.h"
#include "tokenizer/bpe_trainer.h"
#include "train/run.h"

namespace seek::rl {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A small DeepSeek-V3: the first layer dense, then MoE layers with one shared and eight routed
// experts (two chosen, sigmoid gate with the aux-loss-free bias), MLA with a compressed KV
// latent, one MTP module.
Json default_model() {
  return Json::parse(R"({"model_type": "deepseek_v3", "hidden_size": 128, "intermediate_size": 384,
    "moe_intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4, "q_lora_rank": null,
    "kv_lora_rank": 32, "qk_nope_head_dim": 16, "qk_rope_head_dim": 16, "v_head_dim": 16, "n_routed_experts": 8,
    "n_shared_experts": 1, "num_experts_per_tok": 2, "first_k_dense_replace": 1, "n_group": 1, "topk_group": 1,
    "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": true, "routed_scaling_factor": 2.5,
    "rms_norm_eps": 1e-6, "rope_theta": 10000, "max_position_embeddings": 1024, "num_nextn_predict_layers": 1,
    "tie_word_embeddings": false})");
}

// Digits are left out of what the BPE trainer sees, so no merge joins digits: each digit stays
// its own token and columns of numbers line up token by token.
std::string without_digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c < '0' || c > '9') out += c;
  }
  return out;
}

Status train_tokenizer(const R1ZeroOptions& o, const std::string& corpus, const std::string& dir) {
  SEEK_ASSIGN_OR_RETURN(BpeTrainer t, BpeTrainer::create({.vocab_size = o.vocab_size, .min_frequency = 2,
                                                          .special_tokens = {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"}}));
  SEEK_RETURN_IF_ERROR(for_each_json_line(corpus, [&](const Json& j, const std::string&) {
    return t.add_text(without_digits(j["text"].get_ref<const std::string&>()));
  }));
  SEEK_ASSIGN_OR_RETURN(BpeVocab v, t.train());
  SEEK_RETURN_IF_ERROR(write_tokenizer_files(dir, v));
  // The R1-Zero prompt as the chat template, so `seek chat` asks the way training did.
  const std::string config_path = dir + "/tokenizer_config.json";
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(config_path, size_t{1} << 20));
  SEEK_ASSIGN_OR_RETURN(Json config, parse_json(text, config_path));
  config["chat_template"] = r1_zero_chat_template();
  return write_file_atomic(config_path, config.dump(2) + "\n");
}

}  // namespace

Result<std::string> pretrain_base(const R1ZeroOptions& o, const Json& model, int64_t steps, const std::string& name,
                                  std::FILE* log) {
  RunConfig c;
  c.out_dir = o.out_dir + "/" + name;
  c.tokenizer_dir = o.out_dir + "/tokenizer";
  c.model = model;
  c.data.files = {o.out_dir + "/data/corpus.jsonl"};
  c.data.validation_fraction = 0.02;
  c.data.seed = o.seed;
  c.train = o.pretrain;
  c.steps = steps;
  c.threads = o.threads;
  c.eval_every = std::max<int64_t>(1, steps / 5);
  c.eval_batches = 4;
  c.checkpoint_every = 0;
  c.keep_checkpoints = 1;
  c.log_every = 100;
  RunFlags flags;
  flags.log = log;
  SEEK_ASSIGN_OR_RETURN(RunSummary s, run_training(c, flags));
  return s.checkpoint;
}

Result<EvalResult> evaluate_model_dir(const std::string& dir, const Task& task, const EvalOptions& e, int threads) {
  SEEK_ASSIGN_OR_RETURN(Model m, Model::load(dir));
  SEEK_ASSIGN_OR_RETURN(Tokenizer tok, Tokenizer::load(dir));
  ThreadPool pool(threads);
  SEEK_ASSIGN_OR_RETURN(Engines engines, make_engines(std::make_shared<const Model>(std::move(m)), pool.num_threads()));
  return evaluate(engines.list, &pool, tok, task, Split::kHeldOut, e);
}

EvalOptions sampled_eval(const R1ZeroOptions& o) {
  EvalOptions e = o.grpo.eval;
  e.problems = o.eval_problems;
  return e;
}

EvalOptions greedy_eval(const R1ZeroOptions& o) {
  EvalOptions e = sampled_eval(o);
  e.samples = 1;
  e.rollout.sampling.temperature = 0;
  return e;
}

namespace {

std::string eval_row(const char* name, const EvalResult& r) {
  return fmt::format("| {} | {:.1f}% | {:.1f}% | {:.1f} |\n", name, 100 * r.pass1, 100 * r.format_rate, r.mean_length);
}

Status write_report(const R1ZeroOptions& o, const R1ZeroSummary& s) {
  std::string md = "# R1-Zero run\n\n";
  md += fmt::format("Task: {}..{}-digit addition, held-out split {:.0f}% of problems (seed {}). Evaluation: {} held-out "
                    "problems, pass@1 sampled at temperature {} / top-p {} ({} sample{} each) and greedy.\n\n",
                    o.task.min_digits, o.task.max_digits, 100 * o.task.heldout_fraction, o.seed, s.base_sampled.problems,
                    o.grpo.eval.rollout.sampling.temperature, o.grpo.eval.rollout.sampling.top_p, o.grpo.eval.samples,
                    o.grpo.eval.samples == 1 ? "" : "s");
  md += "| model | held-out pass@1 | format | response tokens |\n| --- | --- | --- | --- |\n";
  md += eval_row("base, sampled", s.base_sampled) + eval_row("after GRPO, sampled", s.final_sampled);
  md += eval_row("base, greedy", s.base_greedy) + eval_row("after GRPO, greedy", s.final_greedy);
  md += fmt::format("\nRL gain (sampled): **{:+.1f} points**; greedy: {:+.1f} points.\n\n",
                    100 * (s.final_sampled.pass1 - s.base_sampled.pass1), 100 * (s.final_greedy.pass1 - s.base_greedy.pass1));
  md += fmt::format("| stage | seconds |\n| --- | --- |\n| corpus ({} documents) | {:.0f} |\n| tokenizer ({} ids) | {:.0f} |\n"
                    "| pretraining ({} steps) | {:.0f} |\n| evaluations | {:.0f} |\n| GRPO ({} steps) | {:.0f} |\n| **total** | **{:.0f}** |\n\n",
                    o.documents, s.corpus_s, o.vocab_size, s.tokenizer_s, o.pretrain_steps, s.pretrain_s, s.eval_s,
                    o.grpo.steps, s.rl_s, s.total_s);
  md += "Pretraining curves: `pretrain/loss.svg`; RL curves and report: `rl/curves.svg`, `rl/report.md`.\n"
        "Base model: `" + s.base_dir + "`; final model: `" + s.final_dir + "`.\n";
  return write_file_atomic(o.out_dir + "/report.md", md);
}

}  // namespace

Result<R1ZeroOptions> r1zero_options(const Json& overrides) {
  R1ZeroOptions o;
  o.model = default_model();
  o.task.min_digits = 2, o.task.max_digits = 2, o.task.ops = "+";
  // 2,000 steps of 8 x 256 tokens (4.1M tokens, a third of the corpus) with a cosine from
  // 4e-3 to 2e-4: on 2 cores about 10 minutes, after which the worked solutions are mostly
  // right (docs/benchmarks.md has the numbers).
  o.pretrain.batch_size = 8;
  o.pretrain.seq_len = 256;
  o.pretrain.schedule.lr = 4e-3;
  o.pretrain.schedule.min_lr = 2e-4;
  o.pretrain.schedule.warmup_steps = 50;
  o.pretrain.init_std = 0.02;
  o.grpo.steps = 40;
  o.grpo.prompts_per_step = 16;
  o.grpo.group_size = 8;
  o.grpo.rollout.max_new_tokens = 96;
  o.grpo.eval_every = 10;
  o.grpo.eval.problems = 100;
  o.grpo.eval.rollout.max_new_tokens = 96;
  o.rl_train = finetune_train_defaults(o.grpo.steps);
  o.rl_train.schedule.lr = 2e-4;
  o.rl_train.batch_size = 16;
  o.student_model = Json::parse(R"({"hidden_size": 64, "intermediate_size": 192, "moe_intermediate_size": 64,
    "num_hidden_layers": 3, "kv_lora_rank": 16})");
  o.sft = finetune_train_defaults(100);
  o.sft.schedule.lr = 1e-3;
  o.sft.batch_size = 16;
  int64_t seed = 1, threads = 0;
  Json task = Json::object(), corpus = Json::object(), model = Json::object(), pre = Json::object(), grpo = Json::object(),
       eval = Json::object(), rl_train = Json::object(), student = Json::object(), sft = Json::object();
  Fields f("[r1zero]");
  f.integer("seed", &seed, 0, INT64_MAX);
  f.integer("threads", &threads, 0, 4096);
  f.json("task", &task);
  f.json("corpus", &corpus);
  f.integer("documents", &o.documents, 1, int64_t{1} << 32);
  f.integer("vocab_size", &o.vocab_size, 260, 1 << 20);
  f.json("model", &model);
  f.integer("pretrain_steps", &o.pretrain_steps, 1, int64_t{1} << 40);
  f.json("pretrain", &pre);
  f.json("grpo", &grpo);
  f.json("eval", &eval);
  f.json("rl_train", &rl_train);
  f.integer("eval_problems", &o.eval_problems, 1, 1 << 24);
  f.json("student_model", &student);
  f.integer("student_pretrain_steps", &o.student_pretrain_steps, 0, int64_t{1} << 40);
  f.integer("distill_problems", &o.distill_problems, 1, 1 << 24);
  f.json("sft", &sft);
  f.integer("sft_epochs", &o.sft_epochs, 1, 1000);
  SEEK_RETURN_IF_ERROR(f.read(overrides));
  o.seed = static_cast<uint64_t>(seed);
  o.threads = static_cast<int>(threads);
  // One seed for everything, unless a part says otherwise.
  o.task.seed = o.corpus.seed = o.pretrain.seed = o.grpo.seed = o.grpo.eval.seed = o.seed;
  task["type"] = "arithmetic";
  if (!task.contains("min_digits")) task["min_digits"] = o.task.min_digits;
  if (!task.contains("max_digits")) task["max_digits"] = o.task.max_digits;
  if (!task.contains("ops")) task["ops"] = o.task.ops;
  if (!task.contains("seed")) task["seed"] = seed;
  SEEK_ASSIGN_OR_RETURN(o.task, parse_arithmetic_options(task));
  Fields cf("[r1zero] corpus");
  cf.real("worked", &o.corpus.worked, 0, 1);
  cf.real("slip", &o.corpus.slip, 0, 1);
  cf.real("guess_right", &o.corpus.guess_right, 0, 1);
  cf.real("untagged", &o.corpus.untagged, 0, 1);
  cf.real("practice", &o.corpus.practice, 0, 1);
  cf.real("facts", &o.corpus.facts, 0, 1);
  SEEK_RETURN_IF_ERROR(cf.read(corpus));
  o.model.update(model);
  SEEK_ASSIGN_OR_RETURN(o.pretrain, parse_train_options(pre, o.pretrain));
  if (!pre.contains("decay_steps")) {  // the cosine ends with pretraining, as in `seek train`
    const LrSchedule& sc = o.pretrain.schedule;
    o.pretrain.schedule.decay_steps = std::max<int64_t>(1, o.pretrain_steps - sc.warmup_steps - sc.hold_steps);
  }
  SEEK_RETURN_IF_ERROR(parse_grpo_options(grpo, &o.grpo));
  SEEK_ASSIGN_OR_RETURN(o.rl_train, parse_train_options(rl_train, o.rl_train));
  SEEK_RETURN_IF_ERROR(parse_eval_options(eval, &o.grpo.eval, &o.grpo.eval_every));
  o.student_model.update(student);
  SEEK_ASSIGN_OR_RETURN(o.sft, parse_train_options(sft, o.sft));
  return o;
}

Result<R1ZeroSummary> run_r1zero(const R1ZeroOptions& o, std::FILE* log) {
  const Clock::time_point t0 = Clock::now();
  R1ZeroSummary s;
  std::error_code ec;
  if (std::filesystem::exists(o.out_dir + "/pretrain", ec)) {
    return Status::invalid_argument(fmt::format("[r1zero] '{}' already holds a run; pick an empty folder", o.out_dir));
  }
  std::filesystem::create_directories(o.out_dir + "/data", ec);
  if (ec) return Status::io_error(fmt::format("[r1zero] cannot create '{}': {}", o.out_dir, ec.message()));
  const std::unique_ptr<Task> task = make_arithmetic_task(o.task);

  Clock::time_point t = Clock::now();
  const std::string corpus = o.out_dir + "/data/corpus.jsonl";
  SEEK_RETURN_IF_ERROR(write_corpus(corpus, o.task, o.corpus, o.documents));
  s.corpus_s = since(t);
  std::fprintf(log, "r1zero: corpus of %lld documents in %.1f s\n", static_cast<long long>(o.documents), s.corpus_s);

  t = Clock::now();
  SEEK_RETURN_IF_ERROR(train_tokenizer(o, corpus, o.out_dir + "/tokenizer"));
  s.tokenizer_s = since(t);
  std::fprintf(log, "r1zero: tokenizer in %.1f s\n", s.tokenizer_s);

  t = Clock::now();
  SEEK_ASSIGN_OR_RETURN(s.base_dir, pretrain_base(o, o.model, o.pretrain_steps, "pretrain", log));
  s.pretrain_s = since(t);

  t = Clock::now();
  const EvalOptions sampled = sampled_eval(o), greedy = greedy_eval(o);
  SEEK_ASSIGN_OR_RETURN(s.base_sampled, evaluate_model_dir(s.base_dir, *task, sampled, o.threads));
  SEEK_ASSIGN_OR_RETURN(s.base_greedy, evaluate_model_dir(s.base_dir, *task, greedy, o.threads));
  s.eval_s = since(t);
  std::fprintf(log, "r1zero: base model held-out pass@1 %.3f sampled, %.3f greedy\n", s.base_sampled.pass1, s.base_greedy.pass1);

  t = Clock::now();
  GrpoSetup g;
  g.model_dir = s.base_dir;
  g.out_dir = o.out_dir + "/rl";
  g.task = task.get();
  g.grpo = o.grpo;
  g.train = o.rl_train;
  g.threads = o.threads;
  g.log = log;
  SEEK_ASSIGN_OR_RETURN(GrpoSummary rl, run_grpo(g));
  s.final_dir = rl.model_dir;
  s.rl_s = since(t);

  t = Clock::now();
  SEEK_ASSIGN_OR_RETURN(s.final_sampled, evaluate_model_dir(s.final_dir, *task, sampled, o.threads));
  SEEK_ASSIGN_OR_RETURN(s.final_greedy, evaluate_model_dir(s.final_dir, *task, greedy, o.threads));
  s.eval_s += since(t);
  s.total_s = since(t0);
  std::fprintf(log, "r1zero: final model held-out pass@1 %.3f sampled, %.3f greedy; total %.0f s\n", s.final_sampled.pass1,
               s.final_greedy.pass1, s.total_s);
  SEEK_RETURN_IF_ERROR(write_report(o, s));
  return s;
}

}  // namespace seek::rl
