// Finite-difference gradient checking for the training kernels (ggml test-backend-ops style):
// a scalar loss L = sum(out * R) with a fixed random R, the analytic gradient from the
// kernel's backward pass, and a 4-point central difference
//   dL/dx ~ (8 (L(x+h) - L(x-h)) - (L(x+2h) - L(x-2h))) / 12h
// (truncation O(h^4)) with L summed in double. Points where the loss is not smooth (an expert
// choice that flips within +-2h) are skipped through `smooth`.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace seek::testing {

inline std::vector<float> random_floats(int64_t n, uint64_t seed, float scale = 1.0f, float offset = 0.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = offset + scale * d(rng);
  return v;
}

inline double weighted_sum(const float* out, const std::vector<float>& r) {
  double s = 0;
  for (size_t i = 0; i < r.size(); ++i) s += static_cast<double>(out[i]) * r[i];
  return s;
}

struct GradCheck {
  double h = 1e-2;        // step
  double tol = 2e-3;      // max |fd - analytic| relative to max |analytic| of the tensor
  int64_t max_checks = 64;  // elements checked, spread evenly over the tensor
};

// Perturbs x[i] in place (restoring it) and compares with grad[i]. `loss` recomputes L;
// `smooth` (optional) says whether the last loss() call kept every discrete choice.
inline void check_gradient(const std::string& what, float* x, const float* grad, int64_t n,
                           const std::function<double()>& loss, const GradCheck& opt = {},
                           const std::function<bool()>& smooth = {}) {
  double scale = 1e-8;
  for (int64_t i = 0; i < n; ++i) scale = std::max(scale, std::fabs(static_cast<double>(grad[i])));
  const int64_t stride = std::max<int64_t>(1, n / opt.max_checks);
  double worst = 0;
  int64_t worst_i = -1, checked = 0;
  double worst_fd = 0;
  for (int64_t i = 0; i < n; i += stride) {
    const float x0 = x[i];
    double f[4];
    const double steps[4] = {opt.h, -opt.h, 2 * opt.h, -2 * opt.h};
    bool ok = true;
    for (int s = 0; s < 4; ++s) {
      x[i] = static_cast<float>(x0 + steps[s]);
      f[s] = loss();
      if (smooth && !smooth()) ok = false;
    }
    x[i] = x0;
    loss();  // leave the state as it was
    if (!ok) continue;
    const double fd = (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * opt.h);
    const double err = std::fabs(fd - grad[i]);
    ++checked;
    if (err > worst) worst = err, worst_i = i, worst_fd = fd;
  }
  EXPECT_GT(checked, 0) << what << ": every checked point was non-smooth";
  EXPECT_LE(worst, opt.tol * scale) << what << ": element " << worst_i << " finite difference " << worst_fd
                                    << " vs backward " << (worst_i >= 0 ? grad[worst_i] : 0.0f) << " (max |grad| "
                                    << scale << ", " << checked << " points)";
}

}  // namespace seek::testing
