// What one token costs the engine: bytes of weights read to decode it (the memory-bandwidth
// limit's denominator) and multiply-accumulates to process it (the compute limit's).
// Counted from the prepared weights, so they follow the quantization actually in use.
#pragma once

#include <cstdint>

#include "infer/prepare.h"
#include "model/config.h"

namespace seek {

struct TokenCost {
  int64_t weight_bytes = 0;     // matrices read per decoded token (K of E experts per MoE layer)
  int64_t macs = 0;             // matrix multiply-accumulates per token, attention excluded
};
// (The latent cache read per cached position is Sequence::bytes_per_position.)

TokenCost token_cost(const PreparedWeights& w, const ModelConfig& c);

// Attention multiply-accumulates for one token attending to `context` positions
// (absorbed form: scores and the weighted sum over Rkv + Dr values per head).
int64_t attention_macs(const ModelConfig& c, int64_t context);

}  // namespace seek
