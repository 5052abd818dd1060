#include <vector>

#include "kernels/ref.h"

namespace seek::ref {

void linear(float* y, const float* x, const Tensor& w, int64_t T) {
  const int64_t N = w.rows(), K = w.cols();
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    dequantize_row(w, n, row.data());  // once per weight row, shared by all T tokens
    for (int64_t t = 0; t < T; ++t) {
      const float* xt = x + t * K;
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(xt[k]) * row[k];
      y[t * N + n] = static_cast<float>(acc);
    }
  }
}

}  // namespace seek::ref
