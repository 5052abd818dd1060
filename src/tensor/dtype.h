// Element types of stored tensors and their conversion to float.
// The numeric formats follow their standards: IEEE binary16 (F16), bfloat16 (BF16, the top
// half of an IEEE binary32), and OCP FP8 E4M3 "fn" (no infinities, one NaN code per sign,
// max 448), the format DeepSeek-V3/R1 weights are published in.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace seek {

// DO NOT REORDER: the names below are the safetensors dtype strings.
enum class DType : uint8_t {
  kBool, kU8, kI8, kF8E5M2, kF8E4M3, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64,
};

// The safetensors spelling ("BF16", "F8_E4M3", ...).
std::string_view dtype_name(DType t);
// Parses a safetensors dtype string; nullopt when unknown.
std::optional<DType> parse_dtype(std::string_view name);
// Bytes per element.
int dtype_size(DType t);

inline float bf16_to_f32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round-to-nearest-even, NaN stays NaN (quieted).
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float f16_to_f32(uint16_t h);

// E4M3fn: sign, 4 exponent bits (bias 7), 3 mantissa bits; 0x7f/0xff are NaN.
float f8e4m3_to_f32(uint8_t v);

}  // namespace seek
