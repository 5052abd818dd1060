#include "model/rope.h"

#include <cmath>

#include <gtest/gtest.h>

namespace seek {
namespace {

ModelConfig yarn_config(double mscale, double mscale_all_dim) {
  ModelConfig c;
  c.qk_nope_head_dim = 128;
  c.qk_rope_head_dim = 64;
  c.rope_theta = 10000;
  c.rope_scaling = YarnConfig{true, 40.0, 4096, 32.0, 1.0, mscale, mscale_all_dim};
  return c;
}

// Numbers from the reference notes (deepseek-architecture-training-rl.md §1.3).
TEST(Rope, SoftmaxScaleMatchesPublishedValues) {
  EXPECT_NEAR(mla_softmax_scale(yarn_config(1.0, 1.0)), 0.135234, 1e-6);  // V3: 0.072169 * 1.873854
  const double v2_lite = mla_softmax_scale(yarn_config(0.707, 0.707)) * std::sqrt(192.0);
  EXPECT_NEAR(v2_lite, 1.589626, 1e-6);
  ModelConfig plain = yarn_config(1.0, 1.0);
  plain.rope_scaling.enabled = false;
  EXPECT_DOUBLE_EQ(mla_softmax_scale(plain), 1.0 / std::sqrt(192.0));
}

// For Dr = 64, base 1e4, original context 4096, the YaRN ramp spans pair indices 10..23:
// below 10 frequencies are kept, above 23 they are divided by the factor.
TEST(Rope, YarnRampSpansPublishedIndices) {
  const ModelConfig c = yarn_config(1.0, 1.0);
  const RopeTable rope(c);
  for (int i = 0; i < 32; ++i) {
    const double original = 1.0 / std::pow(10000.0, 2.0 * i / 64);
    const double f = rope.inv_freq()[i];
    if (i <= 10) {
      EXPECT_DOUBLE_EQ(f, original) << i;
    } else if (i >= 23) {
      EXPECT_NEAR(f, original / 40, 1e-18) << i;
    } else {
      EXPECT_LT(f, original) << i;
      EXPECT_GT(f, original / 40) << i;
    }
  }
}

TEST(Rope, AnglesCarryTheMscaleRatio) {
  const RopeTable rope(yarn_config(0.9, 0.8));
  float cos[32], sin[32];
  rope.angles(0, cos, sin);
  const double factor = yarn_get_mscale(40, 0.9) / yarn_get_mscale(40, 0.8);
  EXPECT_NEAR(cos[0], factor, 1e-6);
  EXPECT_EQ(sin[0], 0.0f);
  rope.angles(7, cos, sin);
  EXPECT_NEAR(cos[0] * cos[0] + sin[0] * sin[0], factor * factor, 1e-5);
  EXPECT_NEAR(cos[0], std::cos(7.0) * factor, 1e-6);  // pair 0 keeps frequency 1
  EXPECT_NEAR(sin[0], std::sin(7.0) * factor, 1e-6);
}

TEST(Rope, MscaleIsOneWithoutScaling) {
  EXPECT_EQ(yarn_get_mscale(1.0, 5.0), 1.0);
  EXPECT_NEAR(yarn_get_mscale(40.0, 1.0), 1.368888, 1e-6);
}

}  // namespace
}  // namespace seek
