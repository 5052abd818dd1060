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
  int64_t head_macs = 0;        // of which the output head's: a prompt computes it for its last
                                // token only
};
// (The latent cache read per cached position is Sequence::bytes_per_position.)

TokenCost token_cost(const PreparedWeights& w, const ModelConfig& c);

// Attention multiply-accumulates for one token attending to `context` positions, in the form
// the engine runs: absorbed (decode and short steps: scores over Rkv + Dr latent values and a
// weighted sum over Rkv per head) or naive (longer prompts: keys of Dn + Dr and values of Dv
// per head, rebuilt from the latents by kv_b_proj, whose products count with the matrices).
int64_t attention_macs(const ModelConfig& c, int64_t context, bool absorbed);

// Multiply-accumulates of a prompt of `prompt` tokens run as forward steps of `step` tokens:
// every matrix but the head for each token, the head once per step (its last token's logits),
// and causal attention (the token at position p over positions 0..p) in the form the engine
// picks for the step's length (absorbed up to absorb_max_tokens). Not counted: a naive step
// after the first also rebuilds the keys and values of the positions cached before it.
double prefill_macs(const TokenCost& cost, const ModelConfig& c, int64_t prompt, int64_t step, int64_t absorb_max_tokens);

}  // namespace seek
