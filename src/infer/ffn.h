// Fast feed-forward blocks: dense SwiGLU and DeepSeekMoE. Internal to infer/.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "infer/prepare.h"
#include "model/config.h"

namespace seek {

// out (T, D) = down(silu(gate x) * up x).
void mlp_forward_fast(float* out, const float* x, int64_t T, const PreparedMlp& w, ThreadPool& pool);

// out (T, D) = routed experts + shared experts. Tokens are grouped by expert, so each
// expert's weights are read once per call however many tokens chose it (MoE prefill).
void moe_forward_fast(float* out, const float* x, int64_t T, const PreparedLayer& w, const ModelConfig& c,
                      ThreadPool& pool);

}  // namespace seek
