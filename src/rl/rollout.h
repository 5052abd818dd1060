// Rollouts: G sampled responses to each of many prompts, decoded together through the batched
// inference engine. Each prompt is prefilled once; its latent cache is then copied into the G
// sequences of its group (they share the prompt), and every decode step runs all unfinished
// sequences of all groups as one batch, so the weights stream from memory once per token
// position, not once per sequence.
//
// With several engines (one per pool thread, each single-threaded, all on the same weights),
// thread t decodes its own contiguous share of the prompts: the threads meet once per rollout
// instead of at every kernel of every token, which matters for small models and on a busy
// machine, where a parallel region can wait milliseconds for a descheduled thread.
//
// Sampling is reproducible: sample j of prompt i draws from its own generator seeded by
// (key, i, j), so the texts do not depend on batch composition or thread count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "infer/engine.h"
#include "infer/sampler.h"
#include "tokenizer/tokenizer.h"

namespace seek::rl {

struct RolloutOptions {
  int64_t max_new_tokens = 128;
  SamplingOptions sampling;   // its seed is ignored: rollout() keys every sample
  int64_t max_batch = 256;    // sequences decoded at once (bounds memory)
};

struct Sample {
  int64_t prompt = 0;           // index into the prompts
  std::vector<int32_t> tokens;  // the response ids, ending with EOS when it finished
  std::string text;             // their text, EOS excluded
  bool finished = false;        // ended with EOS (false: cut at max_new_tokens)
};

// `group` samples of each prompt (token ids, BOS included), prompt-major: sample j of prompt i
// is at i * group + j. With several engines, `pool` must have at least as many threads.
Result<std::vector<Sample>> rollout(std::span<Engine* const> engines, ThreadPool* pool, const Tokenizer& tokenizer,
                                    std::span<const std::vector<int32_t>> prompts, int64_t group,
                                    const RolloutOptions& o, uint64_t key);

}  // namespace seek::rl
