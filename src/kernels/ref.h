// Reference kernels: plain, obviously-correct loops in fp32 with fp64 accumulation. They are
// the yardstick every fast kernel (a later kernels/cpu/) is tested against, and they stay.
// Weights arrive as Tensor views in any float-weight dtype and are converted row by row.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace seek::ref {

// y (T, N) = x (T, K) · w^T for w (N, K).
void linear(float* y, const float* x, const Tensor& w, int64_t T);

// y (T, D) = x / sqrt(mean(x^2) + eps) * w, w (D). y may alias x.
void rmsnorm(float* y, const float* x, const Tensor& w, int64_t T, int64_t D, float eps);

// In place: x (n) = softmax(x), computed with the max subtracted.
void softmax(float* x, int64_t n);

// out (n) = silu(gate) * up, silu(g) = g / (1 + e^-g).
void swiglu(float* out, const float* gate, const float* up, int64_t n);

// Rotary embedding on interleaved pairs: (x[2i], x[2i+1]) rotated by the angle whose cos/sin
// are cos[i], sin[i], i < dim/2. The pairing is DeepSeek's (complex view), not LLaMA's halves.
void rope_interleaved(float* x, int64_t dim, const float* cos, const float* sin);

}  // namespace seek::ref
