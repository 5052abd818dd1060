#include "kernels/ref.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace seek {
namespace {

Tensor f32_tensor(const std::vector<float>& v, Shape shape) {
  return Tensor{DType::kF32, std::move(shape), reinterpret_cast<const uint8_t*>(v.data()), {}};
}

TEST(RefKernels, LinearIsXTimesWTransposed) {
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};  // (N=2, K=3)
  const std::vector<float> x = {1, 0, -1, 2, 1, 0};  // (T=2, K=3)
  std::vector<float> y(4);
  ref::linear(y.data(), x.data(), f32_tensor(w, {2, 3}), 2);
  EXPECT_EQ(y, (std::vector<float>{-2, -2, 4, 13}));
}

TEST(RefKernels, LinearReadsBf16Weights) {
  const std::vector<uint16_t> w = {0x3f80, 0x4000, 0xbf80};  // (1, 3) = [1, 2, -1]
  const std::vector<float> x = {3, 4, 5};
  float y;
  ref::linear(&y, x.data(), Tensor{DType::kBF16, {1, 3}, reinterpret_cast<const uint8_t*>(w.data()), {}}, 1);
  EXPECT_EQ(y, 6.0f);
}

TEST(RefKernels, RmsNormScalesToUnitRms) {
  const std::vector<float> x = {3, 4, 0, 0};  // mean square 6.25
  const std::vector<float> w = {1, 1, 2, 0.5};
  std::vector<float> y(4);
  ref::rmsnorm(y.data(), x.data(), f32_tensor(w, {4}), 1, 4, 0.0f);
  EXPECT_NEAR(y[0], 3 / 2.5, 1e-6);
  EXPECT_NEAR(y[1], 4 / 2.5, 1e-6);
  EXPECT_EQ(y[2], 0.0f);
}

TEST(RefKernels, SoftmaxIsStableForLargeInputs) {
  std::vector<float> x = {1000, 1001, 1002};
  ref::softmax(x.data(), 3);
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  EXPECT_NEAR(x[0], 1 / z, 1e-7);
  EXPECT_NEAR(x[2], std::exp(2.0) / z, 1e-7);
}

TEST(RefKernels, SwigluIsSiluTimesUp) {
  const std::vector<float> g = {0, 2, -3}, u = {5, 0.5, 2};
  std::vector<float> o(3);
  ref::swiglu(o.data(), g.data(), u.data(), 3);
  EXPECT_EQ(o[0], 0.0f);
  EXPECT_NEAR(o[1], 2 / (1 + std::exp(-2.0)) * 0.5, 1e-6);
  EXPECT_NEAR(o[2], -3 / (1 + std::exp(3.0)) * 2, 1e-6);
}

// Interleaved RoPE is complex multiplication of (x[2i] + i x[2i+1]) by e^{i theta}.
TEST(RefKernels, RopeRotatesInterleavedPairs) {
  std::vector<float> x = {1, 0, 0.5, -2};
  const float theta0 = 0.3f, theta1 = -1.2f;
  const float cos[2] = {std::cos(theta0), std::cos(theta1)}, sin[2] = {std::sin(theta0), std::sin(theta1)};
  ref::rope_interleaved(x.data(), 4, cos, sin);
  EXPECT_NEAR(x[0], std::cos(theta0), 1e-7);
  EXPECT_NEAR(x[1], std::sin(theta0), 1e-7);
  EXPECT_NEAR(x[2], 0.5 * std::cos(theta1) + 2 * std::sin(theta1), 1e-6);
  EXPECT_NEAR(x[3], 0.5 * std::sin(theta1) - 2 * std::cos(theta1), 1e-6);
}

}  // namespace
}  // namespace seek
