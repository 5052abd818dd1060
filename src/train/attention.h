// Causal softmax attention for training: the naive (materialised K and V) MLA form, one task
// per (sequence, head). For sequence b and head h, with Q (T, Dqk), K (T, Dqk), V (T, Dv) that
// sequence's rows of the head's slice of q (N, H, Dqk), k (N, H, Dqk), v (N, H, Dv), N = B*T:
//   P = softmax_rows(scale * Q K^T, causal)   (T, T)   saved in probs (B, H, T, T)
//   O = P V                                    (T, Dv)  into o (N, H, Dv)
// Queries go in blocks of kAttentionRowBlock rows, each against the keys up to the block's
// end only, so the masked upper triangle costs about 1/(2 * blocks) extra instead of a half.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace seek::train {

inline constexpr int64_t kAttentionRowBlock = 64;

void attention_forward(float* o, float* probs, const float* q, const float* k, const float* v, int64_t B, int64_t T,
                       int64_t H, int64_t Dqk, int64_t Dv, float scale, ThreadPool* pool);

// Writes dq, dk, dv (layouts of q, k, v) from dout (layout of o):
//   dP = dO V^T;  dS = P * (dP - rowsum(dP * P));  dQ = scale dS K;  dK = scale dS^T Q;  dV = P^T dO.
// `scratch` holds attention_scratch_floats(T, pool threads) floats.
void attention_backward(float* dq, float* dk, float* dv, float* scratch, const float* dout, const float* probs,
                        const float* q, const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t Dqk,
                        int64_t Dv, float scale, ThreadPool* pool);
int64_t attention_scratch_floats(int64_t T, int threads);

}  // namespace seek::train
