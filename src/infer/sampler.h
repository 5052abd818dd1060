// Sampler: turns a logits row into the next token. The order follows llama.cpp's default
// chain, which users' settings are tuned against: penalties (repetition, presence,
// frequency) over the history, then temperature 0 -> greedy argmax; otherwise top-k,
// temperature, softmax, top-p, min-p, and a draw from a seeded generator.
// Deterministic: the same seed and inputs give the same tokens on every platform (the
// generator and its conversion to [0, 1) are spelled out, not left to std::distributions).
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "base/status.h"

namespace seek {

struct SamplingOptions {
  float temperature = 0.6f;  // DeepSeek-R1's recommendation; 0 = greedy
  int top_k = 0;             // 0: off
  float top_p = 0.95f;       // 1: off
  float min_p = 0.0f;        // 0: off; keeps tokens with p >= min_p * p_max
  float repetition_penalty = 1.0f;  // 1: off; divides positive logits of seen tokens (CTRL paper)
  float presence_penalty = 0.0f;    // subtracted once from every seen token (OpenAI semantics)
  float frequency_penalty = 0.0f;   // subtracted per occurrence
  uint64_t seed = 0;
};

// Checks ranges; errors name the option, the value and what is allowed.
Status validate(const SamplingOptions& o);

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& options);

  // Picks a token from `logits` (V, modified in place) given the tokens generated so far.
  int32_t sample(std::span<float> logits, std::span<const int32_t> history);

 private:
  double uniform();  // [0, 1) with 53 random bits

  SamplingOptions o_;
  std::mt19937_64 rng_;
  std::vector<int32_t> order_;
  std::vector<float> probs_;  // (V): softmax weights by token id (normalised over V without top-k)
  std::vector<int32_t> counts_;
};

}  // namespace seek
