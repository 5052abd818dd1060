// The DeepSeekMoE gate for training, and the sequence-wise balance loss.
//
// Forward (N = B*T tokens, E experts, K per token):
//   z = x W_g^T (N, E);  s = sigmoid(z) or softmax(z)
//   selection and weights g (N, K): exactly model/moe.h moe_route_logits (bias only for
//   selection, group limits, top-k normalisation, routed scaling with its V2/V3 quirk)
//   balance loss (DeepSeek-V3 eqs 17-20, per sequence b of T tokens, averaged over sequences):
//     L = alpha * mean_b sum_i f_bi P_bi,  P_bi = (1/T) sum_t s'_ti,  s'_t = s_t / sum_j s_tj
//     f_bi = E / (K T) * #{t : i selected for t}, a constant. "Selected" is eq 18's
//     TopK of the unbiased s for sigmoid gates, and the routed choice for softmax gates
//     (DeepSeek-V2's seq_aux code); for softmax s' = s, which is V2's form.
// Backward: the gradient reaches z through the chosen experts' unbiased scores (normalisation
// and scaling included) and through every s_ti of the balance loss; the correction bias gets
// none.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/config.h"

namespace seek::train {

struct RouterActs {
  float* scores = nullptr;    // (N, E) s
  int32_t* experts = nullptr; // (N, K) chosen experts, best first
  float* weights = nullptr;   // (N, K) g
  float* seq_f = nullptr;     // (B, E) f_bi of the balance loss
};

// Fills `acts` and returns the balance loss (0 when alpha == 0). `bias` is the
// e_score_correction_bias (E) for noaux_tc, else null. load (E) += how many tokens chose each
// expert (for the bias update). x (N, D), wg (E, D).
double router_forward(RouterActs* acts, int64_t* load, const float* x, const float* wg, const float* bias,
                      const ModelConfig& c, int64_t B, int64_t T, double alpha, ThreadPool* pool);

// dx (N, D) += and dwg (E, D) += the gradients, given dweights (N, K) = dL/dg and the balance
// loss's weight `dbalance` in the total loss (alpha is applied inside: pass e.g. 1/micro-batches).
// dz is scratch (N, E).
void router_backward(float* dx, float* dwg, float* dz, const float* dweights, const RouterActs& acts, const float* x,
                     const float* wg, const ModelConfig& c, int64_t B, int64_t T, double alpha, double dbalance,
                     ThreadPool* pool);

}  // namespace seek::train
