// The SwiGLU MLP for training: dense FFN layers, shared experts and each routed expert.
//   g = x W_gate^T,  u = x W_up^T  (N, W);  a = silu(g) * u;  y = a W_down^T  (N, D)
// Weights and gradients are F32 views of a ParamStore (model/weights.h MlpWeights).
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/weights.h"

namespace seek::train {

// Saved for the backward pass: g, u, a, each (N, W).
struct MlpActs {
  float* g = nullptr;
  float* u = nullptr;
  float* a = nullptr;
};

// Backward scratch: da, dg, du, each (N, W).
struct MlpScratch {
  float* da = nullptr;
  float* dg = nullptr;
  float* du = nullptr;
};

// y (N, D) = MLP(x (N, D)). A null pool runs on the calling thread (inside parallel regions).
void mlp_forward(float* y, MlpActs* acts, const float* x, const MlpWeights& w, int64_t N, ThreadPool* pool);

// dx (N, D) = (or += when accumulate_dx) the input gradient; dw (views of the gradient
// arrays) += the weight gradients.
void mlp_backward(float* dx, const MlpWeights& dw, const MlpScratch& s, const float* dy, const MlpActs& acts,
                  const float* x, const MlpWeights& w, int64_t N, bool accumulate_dx, ThreadPool* pool);

}  // namespace seek::train
