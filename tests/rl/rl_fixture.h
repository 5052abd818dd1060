// Tiny models on disk for the RL tests: a DeepSeek-V3-shaped config (MLA, a dense layer then
// MoE with a shared expert, one MTP module) with random weights and the synthetic byte-level
// tokenizer of tests/model/tiny_tokenizer.h, whose chat template is replaced by R1-Zero's and
// which spells the R1-Zero preamble as a single token (short prompts, fast tests).
#pragma once

#include <cstdint>
#include <string>

namespace seek::testing {

inline constexpr int64_t kTinyPolicyVocab = 300;

// Writes DIR/config.json, DIR/model.safetensors (seeded random weights, init std `std`) and
// the tokenizer files; returns DIR.
std::string make_tiny_policy(const std::string& dir, uint64_t seed, double std = 0.3);

}  // namespace seek::testing
