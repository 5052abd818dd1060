// Feed-forward blocks: the dense SwiGLU MLP and DeepSeekMoE (shared + routed experts).
//   MoE(x) = sum_k g_k * expert_{i_k}(x) + shared_experts(x)
// The gate (V2/V3 reference semantics):
//   s     = softmax(x·W_g^T) or sigmoid(x·W_g^T)                         (E)
//   pick  = s + e_score_correction_bias       (noaux_tc only: the bias steers selection)
//   groups: group_limited_greedy keeps the topk_group groups with the largest max(s);
//           noaux_tc keeps those with the largest sum of their top-2 `pick`; others drop out
//   i_1..i_K = top-K of pick;  g_k = s[i_k]   (weights from the unbiased scores)
//   normalise g over the K when norm_topk_prob (K > 1); scale by routed_scaling_factor
//   (V3 always; V2 only when not normalised).
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/weights.h"

namespace seek {

// out (T, D) = down(silu(gate x) * up x) for x (T, D).
void mlp_forward(float* out, const float* x, int64_t T, const MlpWeights& w);

// Routes T tokens: experts (T, K) and their weights (T, K), best first.
void moe_route(int32_t* experts, float* weights, const float* x, int64_t T, const MoeWeights& w, const ModelConfig& c);

// The gate after its matrix product: routes T tokens from their gate logits (T, E).
// `bias` is e_score_correction_bias (E) for noaux_tc, else null. Shared with the fast engine.
void moe_route_logits(int32_t* experts, float* weights, const float* logits, int64_t T, const float* bias,
                      const ModelConfig& c);

// out (T, D) = MoE(x). Tokens are grouped by expert so each expert runs once per call.
void moe_forward(float* out, const float* x, int64_t T, const MoeWeights& w, const ModelConfig& c);

}  // namespace seek
