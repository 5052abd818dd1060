// Fast multi-head latent attention for one layer over a batch of steps (see engine.h for
// the choice between the absorbed and the naive form). Internal to infer/.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "infer/engine.h"

namespace seek {

struct MlaContext {
  const ModelConfig& config;
  const RopeTable& rope;
  ThreadPool& pool;
  int64_t layer;
  int64_t absorb_max_tokens;
};

// x (Ttot, D): normalised inputs of every step's tokens, step i at rows [row0[i], +T_i).
// Writes each step's cache rows for this layer and out (Ttot, D).
void mla_forward_fast(float* out, const float* x, std::span<const Step> steps, std::span<const int64_t> row0,
                      const PreparedLayer& w, const MlaContext& ctx);

}  // namespace seek
