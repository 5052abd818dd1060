// The distillation comparison of the R1-Zero run (DeepSeek-R1 §4.1 at toy scale): does a
// smaller student learn more from the RL model's verified reasoning traces than from the same
// amount of the data it was pretrained on?
//
//   1. student   a smaller DeepSeek-V3 pretrained on the run's corpus with the run's tokenizer
//   2. traces    `seek distill` from the RL model on train problems: verified traces only
//   3. with      the student fine-tuned on the traces                     (rl/sft.h)
//   4. without   the student fine-tuned for the same steps on transcripts of the same
//                problems answered the way the corpus answers them (imperfect)
//   5. held-out pass@1 of all three, sampled and greedy             -> OUT/distill/report.md
//
// Needs a finished `seek r1zero` run in OUT (its corpus, tokenizer and rl/model).
#pragma once

#include <cstdio>

#include "base/status.h"
#include "rl/evaluate.h"
#include "rl/r1zero.h"

namespace seek::rl {

struct DistillStudy {
  EvalResult student_sampled, student_greedy;
  EvalResult with_sampled, with_greedy;        // fine-tuned on verified traces
  EvalResult without_sampled, without_greedy;  // fine-tuned on corpus-style transcripts
  int64_t traces = 0;
  double seconds = 0;
};

Result<DistillStudy> run_distill_study(const R1ZeroOptions& o, std::FILE* log);

}  // namespace seek::rl
