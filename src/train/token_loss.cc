#include "train/token_loss.h"

#include <cmath>

#include "train/fastmath.h"
#include "train/ops.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

SEEK_TRAIN_CLONES void softmax_row(float* z, float* logp, float* entropy, int32_t target, int64_t V) {
  const float max = max_fast(z, V);
  const float zt = z[target] - max;
  const float sum = exp_sum_inplace(z, V, max);
  const float log_sum = std::log(sum), inv = 1.0f / sum;
  // H = -sum p log p with log p = (z - max) - log_sum, computed from p itself since z is gone.
  double h = 0;
  for (int64_t v = 0; v < V; ++v) {
    z[v] *= inv;
    if (z[v] > 0) h -= static_cast<double>(z[v]) * std::log(z[v]);
  }
  *logp = zt - log_sum;
  *entropy = static_cast<float>(h);
}

}  // namespace

void token_softmax(float* logits, float* logp, float* entropy, const int32_t* targets, int64_t N, int64_t V,
                   ThreadPool* pool) {
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) softmax_row(logits + n * V, logp + n, entropy + n, targets[n], V);
  }, V);
}

void weighted_nll_backward(float* probs, const float* weight, const int32_t* targets, int64_t N, int64_t V,
                           ThreadPool* pool) {
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      float* p = probs + n * V;
      const float w = weight[n];
      for (int64_t v = 0; v < V; ++v) p[v] *= w;
      p[targets[n]] -= w;
    }
  }, V);
}

}  // namespace seek::train
