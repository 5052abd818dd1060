#include "train/linear.h"

#include "train/blas.h"

namespace seek::train {

void linear_forward(float* y, const float* x, const float* w, int64_t N, int64_t in, int64_t out, ThreadPool* pool) {
  gemm_parallel(pool, false, true, N, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
}

void linear_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, int64_t N, int64_t in,
                     int64_t out, bool accumulate_dx, ThreadPool* pool) {
  if (dx != nullptr) gemm_parallel(pool, false, false, N, in, out, 1.0f, dy, out, w, in, accumulate_dx ? 1.0f : 0.0f, dx, in);
  // The token sum stays inside one product per block of dW rows, so no cross-thread reduction.
  gemm_parallel(pool, true, false, out, in, N, 1.0f, dy, out, x, in, 1.0f, dw, in);
}

}  // namespace seek::train
