// A DeepSeekMoE layer for training: the gate (router.h), K routed experts per token run as
// one batched SwiGLU per expert over the tokens that chose it, and the shared experts.
//   y_n = shared(x_n) + sum_k g_nk * expert_{e_nk}(x_n)
// Tokens are grouped by expert with a counting sort (expert-major, token order inside an
// expert: deterministic), gathered into one (N*K, D) array whose expert blocks are
// contiguous, and each expert's three products run as whole GEMMs, one expert per task.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/mlp.h"
#include "train/router.h"

namespace seek::train {

struct MoeActs {
  RouterActs router;
  int32_t* offsets = nullptr;     // (E+1) first slot of each expert
  int32_t* slot_token = nullptr;  // (N*K) token of each slot
  int32_t* token_slot = nullptr;  // (N*K) slot of (token n, choice k), at n*K + k
  float* xe = nullptr;            // (N*K, D) gathered inputs
  MlpActs experts;                // (N*K, F) each
  float* ye = nullptr;            // (N*K, D) expert outputs, before the gate weight
  MlpActs shared;                 // (N, S*F) each; unused when S == 0
};

struct MoeScratch {
  float* dweights = nullptr;  // (N, K)
  float* dz = nullptr;        // (N, E)
  float* dye = nullptr;       // (N*K, D)
  float* dxe = nullptr;       // (N*K, D)
  MlpScratch experts;         // (N*K, F) each
  MlpScratch shared;          // (N, S*F) each
};

// y (N, D) = MoE(x (N, D)); returns the balance loss; load (E) += expert choices.
double moe_forward(float* y, MoeActs* acts, int64_t* load, const float* x, const MoeWeights& w, const ModelConfig& c,
                   int64_t B, int64_t T, double alpha, ThreadPool* pool);

// dx (N, D) = the input gradient (written); dw += the weight gradients. `dbalance` is the
// balance loss's weight in the total loss (router_backward).
void moe_backward(float* dx, const MoeWeights& dw, const MoeScratch& s, const float* dy, const MoeActs& acts,
                  const float* x, const MoeWeights& w, const ModelConfig& c, int64_t B, int64_t T, double alpha,
                  double dbalance, ThreadPool* pool);

}  // namespace seek::train
