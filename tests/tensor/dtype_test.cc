#include "tensor/dtype.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "tensor/tensor.h"

namespace seek {
namespace {

TEST(DType, NamesRoundTrip) {
  for (std::string_view name : {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32",
                                "F32", "F64", "I64", "U64"}) {
    std::optional<DType> t = parse_safetensors_dtype(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(dtype_name(*t), name);
  }
  EXPECT_FALSE(parse_safetensors_dtype("F4").has_value());
  EXPECT_FALSE(parse_safetensors_dtype("bf16").has_value());  // case matters in safetensors
  EXPECT_FALSE(parse_safetensors_dtype("Q8_0").has_value());  // GGUF-only
  EXPECT_EQ(dtype_bytes(DType::kBF16, 3), 6);
  EXPECT_EQ(dtype_bytes(DType::kF8E4M3, 3), 3);
  EXPECT_EQ(dtype_bytes(DType::kI64, 2), 16);
  EXPECT_EQ(dtype_bytes(DType::kQ8_0, 64), 68);
  EXPECT_EQ(dtype_bytes(DType::kQ4_K, 512), 288);
  EXPECT_EQ(dtype_bytes(DType::kQ6_K, 256), 210);
}

// Values of the OCP FP8 E4M3 ("fn") format, worked out by hand from its definition.
TEST(DType, Fp8E4M3Decodes) {
  EXPECT_EQ(f8e4m3_to_f32(0x00), 0.0f);
  EXPECT_TRUE(std::signbit(f8e4m3_to_f32(0x80)));
  EXPECT_EQ(f8e4m3_to_f32(0x01), 0.001953125f);  // smallest subnormal 2^-9
  EXPECT_EQ(f8e4m3_to_f32(0x07), 0.013671875f);  // largest subnormal 7 * 2^-9
  EXPECT_EQ(f8e4m3_to_f32(0x08), 0.015625f);     // smallest normal 2^-6
  EXPECT_EQ(f8e4m3_to_f32(0x38), 1.0f);
  EXPECT_EQ(f8e4m3_to_f32(0x3c), 1.5f);
  EXPECT_EQ(f8e4m3_to_f32(0x40), 2.0f);
  EXPECT_EQ(f8e4m3_to_f32(0x7e), 448.0f);        // max finite
  EXPECT_EQ(f8e4m3_to_f32(0xfe), -448.0f);
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0x7f)));  // the only NaN codes; no infinities
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0xff)));
  EXPECT_EQ(f8e4m3_to_f32(0x78), 256.0f);        // exponent 15 is a normal exponent in E4M3fn
}

TEST(DType, F16Decodes) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7c00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
}

TEST(DType, Bf16RoundsToNearestEven) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);      // tie -> even (down)
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);  // tie -> even (up)
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -7)), 0x3f81);      // exact
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

TEST(Tensor, Fp8RowsApplyPartialBlockScales) {
  // (3, 5) of 1.0 in FP8 with 2x2 blocks: scales are (2, 3), edge blocks partial.
  std::vector<uint8_t> codes(15, 0x38);
  std::vector<float> scales = {1, 2, 3, 11, 12, 13};
  Tensor t;
  t.dtype = DType::kF8E4M3;
  t.shape = {3, 5};
  t.data = codes.data();
  t.scale = BlockScale{reinterpret_cast<const uint8_t*>(scales.data()), 2, 2};
  std::vector<float> out = dequantize(t);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 5; ++c) EXPECT_EQ(out[r * 5 + c], scales[(r / 2) * 3 + c / 2]) << r << "," << c;
  }
}

TEST(Tensor, ConvertsEveryFloatDtype) {
  const uint16_t bf[2] = {0x3f80, 0xc000};
  const uint16_t hf[2] = {0x3c00, 0xc000};
  const float f[2] = {1.0f, -2.0f};
  for (auto [dtype, ptr] : {std::pair{DType::kBF16, static_cast<const void*>(bf)},
                           std::pair{DType::kF16, static_cast<const void*>(hf)},
                           std::pair{DType::kF32, static_cast<const void*>(f)}}) {
    Tensor t{dtype, {2}, static_cast<const uint8_t*>(ptr), {}};
    EXPECT_EQ(dequantize(t), (std::vector<float>{1.0f, -2.0f})) << dtype_name(dtype);
  }
  EXPECT_EQ(shape_string({3}), "(3,)");
  EXPECT_EQ(shape_string({2, 7}), "(2, 7)");
}

}  // namespace
}  // namespace seek
