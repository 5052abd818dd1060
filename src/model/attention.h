// Multi-head latent attention (DeepSeek-V2 §2.1, V3 §2.1.1), reference implementation.
//   q      = q_proj(x), or q_b_proj(q_a_layernorm(q_a_proj(x)))       (T, H, Dn+Dr)
//   c, k_r = split(kv_a_proj_with_mqa(x), [Rkv, Dr]); c = kv_a_layernorm(c); k_r = RoPE(k_r)
//   naive:    [k_nope, v] = kv_b_proj(c) per head; k = [k_nope, k_r]; attend over (k, v)
//   absorbed: q_nope is pulled into latent space through W_UK (rows of kv_b_proj), scores are
//             q_lat·c + q_r·k_r, the attended latent is pushed out through W_UV. Same math,
//             but the cache holds only (c, k_r).
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rope.h"
#include "model/weights.h"

namespace seek {

// x (T, D) holds the normalised inputs at positions [cache->num_tokens(), +T). Writes
// out (T, D) and this step's entries for `layer` into the cache (the caller advances it).
void mla_forward(float* out, const float* x, int64_t T, const AttentionWeights& w, const ModelConfig& c,
                 const RopeTable& rope, KvCache* cache, int64_t layer);

}  // namespace seek
