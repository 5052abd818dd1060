// The R1-Zero run, end to end from nothing, on a laptop-sized budget:
//
//   1. corpus     synthetic conversations about 2-digit addition with imperfect answers
//                 (rl/corpus.h), from the task's train split      -> OUT/data/corpus.jsonl
//   2. tokenizer  byte-level BPE trained on it (digits kept as single characters, since
//                 arithmetic needs them), with the R1-Zero chat template -> OUT/tokenizer/
//   3. base model a small DeepSeek-V3 (MLA, DeepSeekMoE with shared and routed experts,
//                 aux-loss-free balancing, MTP) pretrained on the corpus (seek train's loop,
//                 train/run.h)                                     -> OUT/pretrain/latest
//   4. held-out pass@1 of the base model (sampled and greedy)
//   5. GRPO with the rule-based accuracy + format reward (rl/grpo.h) -> OUT/rl/model
//   6. held-out pass@1 again, and OUT/report.md with every number and timing
//
// Everything derives from one seed; the same seed and thread count give the same corpus,
// tokenizer, weights, curves and numbers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "base/status.h"
#include "io/json.h"
#include "rl/corpus.h"
#include "rl/grpo.h"

namespace seek::rl {

struct R1ZeroOptions {
  std::string out_dir;
  uint64_t seed = 1;
  int threads = 0;
  ArithmeticOptions task;
  CorpusOptions corpus;
  int64_t documents = 100000;  // corpus size
  int64_t vocab_size = 512;    // tokenizer
  Json model;                  // config.json of the base model (vocab and special ids filled in)
  int64_t pretrain_steps = 2000;
  TrainOptions pretrain;       // batch_size, seq_len, lr, ...
  GrpoOptions grpo;            // including grpo.eval: the sampled held-out evaluation
  TrainOptions rl_train;
  int64_t eval_problems = 200; // before/after evaluations (sampled and greedy)

  // The distillation comparison (seek r1zero --distill, rl/distill_study.h).
  Json student_model;                  // config.json keys that differ from `model`
  int64_t student_pretrain_steps = 0;  // 0: pretrain_steps
  int64_t distill_problems = 2000;     // train problems the teacher answers (4 samples each)
  TrainOptions sft;                    // fine-tuning of the student
  int64_t sft_epochs = 2;
};

// The defaults of `seek r1zero` (documented in docs/rl.md), then `overrides` (a JSON object
// with keys seed, threads, task, corpus, documents, vocab_size, model, pretrain_steps,
// pretrain, grpo, eval, rl_train) applied on top.
Result<R1ZeroOptions> r1zero_options(const Json& overrides);

struct R1ZeroSummary {
  EvalResult base_sampled, base_greedy, final_sampled, final_greedy;
  double corpus_s = 0, tokenizer_s = 0, pretrain_s = 0, eval_s = 0, rl_s = 0, total_s = 0;
  std::string base_dir, final_dir;
};

Result<R1ZeroSummary> run_r1zero(const R1ZeroOptions& o, std::FILE* log);

// Pieces the distillation comparison reuses: pretraining `model` for `steps` steps on the
// run's corpus and tokenizer into OUT/<name> (returns the checkpoint folder), and held-out
// pass@1 of a model folder.
Result<std::string> pretrain_base(const R1ZeroOptions& o, const Json& model, int64_t steps, const std::string& name,
                                  std::FILE* log);
Result<EvalResult> evaluate_model_dir(const std::string& dir, const Task& task, const EvalOptions& e, int threads);
// The sampled and greedy evaluation options of the run.
EvalOptions sampled_eval(const R1ZeroOptions& o);
EvalOptions greedy_eval(const R1ZeroOptions& o);

}  // namespace seek::rl
