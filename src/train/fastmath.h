// Inline fp32 exp and sigmoid for the training loops (softmax, SwiGLU, gates). They are
// inline so that GCC vectorises the loops calling them; kernels/vec.h has exp only as an
// out-of-line scalar call. TODO(kernels): move into kernels/vec.h and share with inference.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

// Clones of a loop-heavy function for AVX-512, AVX2 and the baseline, picked at load time (as
// kernels/vec.cc does), so the binary runs on any x86-64.
#if defined(__x86_64__) && !defined(__clang__)
#define SEEK_TRAIN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEEK_TRAIN_CLONES
#endif

namespace seek::train {

// e^x, relative error below 3e-7 for x in [-87, 88]; clamped outside (never inf or NaN for
// finite x), so e^-inf-like inputs give ~1e-38, not 0. Callers mask exact zeros themselves.
inline float exp_fast(float x) {
  // Comparisons, not std::fmin/fmax: those are library calls (NaN rules) and stop vectorisation.
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // x = n ln2 + r with |r| <= ln2/2; ln2 split in two (Cody-Waite) so r is exact.
  const float n = std::nearbyint(x * 1.44269504088896341f);
  float r = std::fma(n, -0.693145751953125f, x);
  r = std::fma(n, -1.428606765330187e-06f, r);
  const float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f + r * (8.3333338e-3f + r * 1.3888889e-3f)))));
  return p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

inline float sigmoid_fast(float x) { return 1.0f / (1.0f + exp_fast(-x)); }

// max(x[0..n)), -inf for n == 0; float lanes so the loop vectorises.
inline float max_fast(const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float lane[kLanes];
  for (int l = 0; l < kLanes; ++l) lane[l] = -INFINITY;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
  }
  float m = -INFINITY;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int l = 0; l < kLanes; ++l) m = lane[l] > m ? lane[l] : m;
  return m;
}

}  // namespace seek::train
