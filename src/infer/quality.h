// How good a weight scheme is: perplexity of a token stream, and how far the engine's
// next-token distributions drift from a reference engine's (llama.cpp's llama-perplexity
// --kl-divergence reports the same quantities, so numbers compare).
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "infer/engine.h"

namespace seek {

struct QualityReport {
  int64_t scored = 0;          // predictions scored
  double perplexity = 0;       // exp(mean negative log-likelihood), the engine under test
  double ref_perplexity = 0;   // the same for the reference (0 without one)
  double mean_kl = 0;          // mean KL(reference || test) over scored positions, nats
  double p99_kl = 0;           // 99th percentile of the per-position KL
  double top1_agreement = 0;   // fraction of positions whose argmax both engines share
};

// Scores `ids` in consecutive windows of `ctx` tokens, each a fresh sequence (as
// llama-perplexity does): every position but a window's first predicts the next token.
// `reference` may be null (perplexity only); it keeps an f32 cache, the engine under test
// uses `cache`. Fails on bad ids or fewer than 2 tokens.
Result<QualityReport> measure_quality(Engine& test, Engine* reference, std::span<const int32_t> ids, int64_t ctx,
                                      CacheType cache = CacheType::kF32);

}  // namespace seek
