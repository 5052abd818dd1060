// Distillation data, as DeepSeek-R1 made its 800k SFT samples: sample reasoning traces from a
// teacher on the task's train problems, keep only the verified ones (the answer is right and
// the response follows the format: rejection sampling), and write them as chat transcripts
// for `seek sft` (rl/sft.h) to fine-tune a student on.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "base/status.h"
#include "rl/rollout.h"
#include "rl/task.h"

namespace seek::rl {

struct DistillOptions {
  int64_t problems = 2000;        // distinct train problems to try
  int64_t samples = 4;            // teacher samples per problem
  int64_t keep_per_problem = 1;   // verified traces kept per problem (the first ones)
  RolloutOptions rollout{.max_new_tokens = 256, .sampling = {.temperature = 1.0f, .top_p = 1.0f}};
  uint64_t seed = 1;
  int threads = 0;
};

struct DistillSummary {
  int64_t problems = 0, samples = 0, verified = 0, kept = 0;
  double seconds = 0;
};

// Writes JSONL transcripts {"messages": [{"role": "user", ...}, {"role": "assistant", ...}]} to
// `out_path` (atomically); the user message is the problem's question, so the student's chat
// template (the R1-Zero one for R1-Zero models) decides the prompt.
Result<DistillSummary> distill_traces(const std::string& teacher_dir, const Task& task, const DistillOptions& o,
                                      const std::string& out_path, std::FILE* log);

}  // namespace seek::rl
