// Forward/backward pairs of the model's row-wise operations, fp32, for training. The matrix
// products are in linear.h, attention in attention.h, the MoE gate in router.h.
//
// Conventions (llm.c): arguments are outputs, saved-for-backward, inputs, weights, sizes;
// gradients take a d prefix. Weight gradients always ACCUMULATE (+=: micro-batches and shared
// weights add up); each function says whether an input gradient is written or accumulated.
// Shapes: N rows (tokens), D columns; T tokens per sequence, Dr RoPE dims, V vocabulary.
// A null pool runs on the calling thread.
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"
#include "model/rope.h"

namespace seek::train {

// ---- embedding ----
// out (N, D) = table (V, D) rows tokens[n].
void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t N, int64_t D);
// dtable[tokens[n]] += dout[n], in token order (repeated tokens sum in a fixed order).
void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t N, int64_t D);

// ---- RMSNorm ----
// out (N, D) = x * rstd * w;  rstd (N) = 1 / sqrt(mean(x^2) + eps).
void rmsnorm_forward(float* out, float* rstd, const float* x, const float* w, int64_t N, int64_t D, float eps,
                     ThreadPool* pool);
// dx (N, D) += rstd * (g - x * rstd^2 * mean(g * x)) with g = dout * w;  dw (D) += sum_n dout * x * rstd.
// `partial` is scratch of rmsnorm_scratch_floats() floats (per-thread dw sums, added in thread order).
void rmsnorm_backward(float* dx, float* dw, float* partial, const float* dout, const float* x, const float* rstd,
                      const float* w, int64_t N, int64_t D, ThreadPool* pool);
int64_t rmsnorm_scratch_floats(int64_t D, int threads);

// ---- SwiGLU ----
// out (n) = silu(g) * u, silu(g) = g * sigmoid(g).
void swiglu_forward(float* out, const float* g, const float* u, int64_t n);
// Writes dg (n) = dout * u * s * (1 + g * (1 - s)) with s = sigmoid(g), and du (n) = dout * silu(g).
void swiglu_backward(float* dg, float* du, const float* dout, const float* g, const float* u, int64_t n);

// ---- RoPE (interleaved pairs, DeepSeek's layout) ----
// cos/sin (T, Dr/2) of positions 0..T-1, YaRN factors included (model/rope.h).
struct RopeCache {
  int64_t max_tokens = 0;
  int64_t half = 0;  // Dr / 2
  std::vector<float> cos, sin;
  RopeCache(const RopeTable& table, int64_t max_tokens);
};
// In place on x: row n (token at position n % T) holds `heads` slices of Dr floats, slice h at
// x + n * ld + h * head_stride; pair i of each is rotated by position * inv_freq[i].
void rope_forward(float* x, int64_t N, int64_t T, int64_t heads, int64_t ld, int64_t head_stride, const RopeCache& rc);
// In place on the gradient: applies the transposed rotation.
void rope_backward(float* dx, int64_t N, int64_t T, int64_t heads, int64_t ld, int64_t head_stride, const RopeCache& rc);

// ---- cross-entropy ----
// Fused softmax cross-entropy over logits (N, V) and targets (N): returns sum_n
// (logsumexp(z_n) - z_n[target_n]) in double, and overwrites the logits with their gradient
// dscale * (softmax(z_n) - onehot(target_n)) (dscale 0: evaluation, the logits are clobbered).
// Targets must be in [0, V) (callers validate).
double cross_entropy_forward_backward(float* logits, const int32_t* targets, int64_t N, int64_t V, float dscale,
                                      ThreadPool* pool);

// x[i] = e^(x[i] - shift) in place for i < n; returns their sum (float lanes, fixed order).
float exp_sum_inplace(float* x, int64_t n, float shift);

// y (n) += x, split over the pool.
void add_inplace(float* y, const float* x, int64_t n, ThreadPool* pool);

}  // namespace seek::train
