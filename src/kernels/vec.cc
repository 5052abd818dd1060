#include "kernels/vec.h"

#include <algorithm>
#include <bit>
#include <cmath>

// Clones for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the baseline, dispatched by ifunc.
#if defined(__x86_64__) && !defined(__clang__)
#define SEEK_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEEK_VECTOR_CLONES
#endif

namespace seek::vec {
namespace {

// Lanes of independent partial sums: lets the compiler vectorise a reduction without
// reassociating a single accumulator (which it may not do without -ffast-math).
constexpr int kLanes = 16;

// 2^t for t in [-0.5, 0.5] by its Taylor series to degree 6 (error below 1.2e-7), times 2^n.
inline float exp_inline(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float t = x * 1.44269504088896341f;
  const float n = std::nearbyint(t);
  const float f = (t - n) * 0.693147180559945309f;  // e^f = 2^(t-n)
  const float p = 1.0f + f * (1.0f + f * (0.5f + f * (1.0f / 6 + f * (1.0f / 24 + f * (1.0f / 120 + f * (1.0f / 720))))));
  return p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

}  // namespace

float exp(float x) { return x < -87.0f ? 0.0f : exp_inline(x); }

SEEK_VECTOR_CLONES float dot(const float* a, const float* b, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

SEEK_VECTOR_CLONES void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

SEEK_VECTOR_CLONES void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

SEEK_VECTOR_CLONES void rmsnorm(float* y, const float* x, const float* w, int64_t n, float eps) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l] * x[i + l];
  }
  float ss = 0;
  for (; i < n; ++i) ss += x[i] * x[i];
  for (int l = 0; l < kLanes; ++l) ss += acc[l];
  const float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (int64_t j = 0; j < n; ++j) y[j] = x[j] * inv * w[j];
}

SEEK_VECTOR_CLONES void softmax(float* x, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      x[i + l] = exp_inline(x[i + l] - max);
      acc[l] += x[i + l];
    }
  }
  float sum = 0;
  for (; i < n; ++i) {
    x[i] = exp_inline(x[i] - max);
    sum += x[i];
  }
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

SEEK_VECTOR_CLONES void swiglu(float* out, const float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + exp_inline(-gate[i])) * up[i];
}

}  // namespace seek::vec
