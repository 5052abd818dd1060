// Linear layers y = x · W^T (no bias, as in every DeepSeek projection) for training, on
// OpenBLAS products split over the pool (train/blas.h).
// Shapes: x (N, in), W (out, in) row-major as Hugging Face stores it, y (N, out).
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace seek::train {

// y (N, out) = x · W^T.
void linear_forward(float* y, const float* x, const float* w, int64_t N, int64_t in, int64_t out, ThreadPool* pool);

// dw (out, in) += dy^T · x; dx (N, in) = dy · W, or += when `accumulate_dx` (residual sums).
// dx may be null (no input gradient needed).
void linear_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, int64_t N, int64_t in,
                     int64_t out, bool accumulate_dx, ThreadPool* pool);

}  // namespace seek::train
