// Held-out accuracy: pass@1 estimated as the mean accuracy over `samples` responses per
// problem (DeepSeek-R1's definition with k samples), on the first `problems` distinct
// held-out problems, with the R1-Zero prompt and the given sampling. Also the format rate
// and the mean response length, which R1-Zero's curves show next to accuracy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "infer/engine.h"
#include "rl/reward.h"
#include "rl/rollout.h"
#include "rl/task.h"
#include "tokenizer/tokenizer.h"

namespace seek::rl {

struct EvalOptions {
  int64_t problems = 200;
  int64_t samples = 1;       // responses per problem (k of pass@1)
  RolloutOptions rollout;    // sampling (temperature 0: greedy), max_new_tokens
  uint64_t seed = 1;
};

struct EvalResult {
  int64_t problems = 0;
  int64_t responses = 0;
  double pass1 = 0;          // mean accuracy
  double format_rate = 0;    // share of responses with the full format
  double mean_length = 0;    // tokens per response
  double truncated = 0;      // share cut at max_new_tokens
  std::vector<Problem> examples;        // the first few problems ...
  std::vector<std::string> responses_text;  // ... and their first response
};

// The R1-Zero prompt of a question as token ids, BOS first when the tokenizer has one.
Result<std::vector<int32_t>> prompt_ids(const Tokenizer& tokenizer, const std::string& question);

// Samples through `engines` as rollout() does.
Result<EvalResult> evaluate(std::span<Engine* const> engines, ThreadPool* pool, const Tokenizer& tokenizer, const Task& task,
                            Split split, const EvalOptions& o);

}  // namespace seek::rl
