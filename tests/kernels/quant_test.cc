// The GGML block formats: hand-built blocks decode to the values the layout defines, and
// quantize -> dequantize stays within each format's resolution.
#include "tensor/quant.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace seek {
namespace {

TEST(Quant, F16ConversionRoundsToNearestEven) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);                       // rounds up to infinity
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);          // smallest subnormal
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);   // tie -> even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h);
}

TEST(Quant, Q4_0NibbleOrder) {
  BlockQ4_0 b{};
  b.d = f32_to_f16(0.5f);
  b.qs[0] = 0x9f;  // value 0 = 15 - 8 = 7, value 16 = 9 - 8 = 1
  b.qs[15] = 0x08;  // value 15 = 0, value 31 = -8
  std::vector<float> y(32);
  dequantize_blocks(DType::kQ4_0, &b, y.data(), 32);
  EXPECT_EQ(y[0], 3.5f);
  EXPECT_EQ(y[16], 0.5f);
  EXPECT_EQ(y[15], 0.0f);
  EXPECT_EQ(y[31], -4.0f);
  EXPECT_EQ(y[1], -4.0f);  // qs[1] = 0: both nibbles are -8
}

// A row of 11 blocks is one group of 8 (scales at 0..15, nibbles from 16) and one of 3
// (scales at 144..149, nibbles from 150).
TEST(Quant, Q4_0RGroupsBlocksByEight) {
  std::vector<BlockQ4_0> blocks(11);
  for (int i = 0; i < 11; ++i) {
    blocks[i].d = f32_to_f16(static_cast<float>(i + 1));
    for (int j = 0; j < 16; ++j) blocks[i].qs[j] = static_cast<uint8_t>(16 * i + j);
  }
  std::vector<uint8_t> r(11 * sizeof(BlockQ4_0));
  repack_q4_0r(blocks.data(), r.data(), 11 * 32);
  const auto scale = [&](int64_t at) {
    uint16_t d;
    std::memcpy(&d, &r[at], 2);
    return f16_to_f32(d);
  };
  EXPECT_EQ(scale(0), 1.0f);
  EXPECT_EQ(scale(14), 8.0f);
  EXPECT_EQ(r[16], 0);                  // block 0, byte 0
  EXPECT_EQ(r[16 + 7 * 16 + 15], 127);  // block 7, byte 15
  EXPECT_EQ(scale(144), 9.0f);
  EXPECT_EQ(scale(148), 11.0f);
  EXPECT_EQ(r[150], 128);               // block 8, byte 0
  EXPECT_EQ(r[150 + 2 * 16 + 3], 163);  // block 10, byte 3

  std::vector<float> want(11 * 32), got(11 * 32);
  dequantize_blocks(DType::kQ4_0, blocks.data(), want.data(), 11 * 32);
  dequantize_blocks(DType::kQ4_0R, r.data(), got.data(), 11 * 32);
  EXPECT_EQ(got, want);
  std::vector<uint8_t> requantized(r.size());
  quantize_blocks(DType::kQ4_0R, want.data(), requantized.data(), 11 * 32);
  EXPECT_EQ(requantized, r);
}

TEST(Quant, Q4_KScalesAndMins) {
  BlockQ4_K b{};
  b.d = f32_to_f16(1.0f);
  b.dmin = f32_to_f16(0.25f);
  b.scales[0] = 2;           // sub-block 0: scale 2, min 4 (scales[4])
  b.scales[4] = 4;
  b.scales[8 + 1] = 0x31;    // sub-block 5: scale low bits 1, min low bits 3 ...
  b.scales[1] |= 1 << 6;     // ... scale high bits 1 -> 17
  b.scales[5] |= 2 << 6;     // ... min high bits 2 -> 35
  b.qs[0] = 0x53;            // value 0 (sub-block 0) = 3, value 32 (sub-block 1) = 5
  b.qs[64 + 1] = 0xa0;       // sub-block 5 lives in the high nibbles of qs[64..96): value 161 = 10
  std::vector<float> y(256);
  dequantize_blocks(DType::kQ4_K, &b, y.data(), 256);
  EXPECT_EQ(y[0], 2 * 3 - 0.25f * 4);
  EXPECT_EQ(y[160 + 1], 17 * 10 - 0.25f * 35);
  uint8_t sc, mn;
  q4_k_scale_min(b.scales, 5, &sc, &mn);
  EXPECT_EQ(sc, 17);
  EXPECT_EQ(mn, 35);
}

TEST(Quant, Q6_KBitPlanes) {
  BlockQ6_K b{};
  b.d = f32_to_f16(2.0f);
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(j - 8);
  b.ql[0] = 0x21;        // value 0 low nibble 1, value 64 low nibble 2
  b.qh[0] = 0b11100100;  // value 0 high bits 0, value 32: 1, value 64: 2, value 96: 3
  std::vector<float> y(256);
  dequantize_blocks(DType::kQ6_K, &b, y.data(), 256);
  EXPECT_EQ(y[0], 2.0f * -8 * (1 - 32));                // sub-block 0, scale -8
  EXPECT_EQ(y[32], 2.0f * -6 * ((1 << 4) - 32));        // sub-block 2, scale -6, q = 16
  EXPECT_EQ(y[64], 2.0f * -4 * ((2 | (2 << 4)) - 32));  // sub-block 4
  EXPECT_EQ(y[96], 2.0f * -2 * ((3 << 4) - 32));        // sub-block 6
}

// Round trip error relative to each block's largest value, per format.
TEST(Quant, RoundTripWithinResolution) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(4096);
  for (float& v : x) v = dist(rng);
  x[5] = 9.0f;  // an outlier
  // Q8_0: half a step of amax/127. Q4_0: the side opposite the largest value reaches only
  // 7/8 of it, so up to amax/8. Q4_K / Q6_K: 4 / 6 bits plus sub-block scales rounded to
  // 6 / 8 bits of the super-block's largest scale.
  for (auto [t, bound] : {std::pair{DType::kQ8_0, 0.0045}, std::pair{DType::kQ4_0, 0.13},
                          std::pair{DType::kQ4_K, 0.10}, std::pair{DType::kQ6_K, 0.04}}) {
    std::vector<uint8_t> q(dtype_bytes(t, 4096));
    std::vector<float> y(4096);
    quantize_blocks(t, x.data(), q.data(), 4096);
    dequantize_blocks(t, q.data(), y.data(), 4096);
    double worst = 0, sq = 0;
    for (int64_t b = 0; b < 4096; b += 32) {
      float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
      for (int j = 0; j < 32; ++j) {
        worst = std::max(worst, static_cast<double>(std::fabs(y[b + j] - x[b + j]) / amax));
        sq += (y[b + j] - x[b + j]) * (y[b + j] - x[b + j]);
      }
    }
    EXPECT_LE(worst, bound) << dtype_name(t);
    EXPECT_GT(worst, 0.0) << dtype_name(t) << " lost nothing: the test data is too easy";
  }
}

}  // namespace
}  // namespace seek
