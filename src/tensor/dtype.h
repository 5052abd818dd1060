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

enum class DType : uint8_t {
  // Element types of safetensors files.
  kBool, kU8, kI8, kF8E5M2, kF8E4M3, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64,
  // Block-quantized types in GGML's layouts (tensor/quant.h), as GGUF files store them.
  kQ8_0, kQ4_0, kQ4_K, kQ6_K,
  // Q4_0 regrouped for the AVX-512 kernels (tensor/quant.h); never stored in a file.
  kQ4_0R,
};

// "BF16", "F8_E4M3", "Q4_K", ...: the safetensors spelling, and GGML's for quantized types.
std::string_view dtype_name(DType t);
// Parses a safetensors dtype string (quantized names are not safetensors dtypes); nullopt when unknown.
std::optional<DType> parse_safetensors_dtype(std::string_view name);
// Elements per block: 1 for plain types, 32 for Q8_0/Q4_0, 256 for the K-quants.
int64_t dtype_block_elems(DType t);
// Bytes per block (bytes per element for plain types).
int64_t dtype_block_bytes(DType t);
inline bool is_quantized(DType t) { return dtype_block_elems(t) > 1; }
// Bytes of `n` elements; n must be a multiple of dtype_block_elems(t).
inline int64_t dtype_bytes(DType t, int64_t n) { return n / dtype_block_elems(t) * dtype_block_bytes(t); }

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
// Round-to-nearest-even; overflow saturates to infinity, NaN stays NaN.
uint16_t f32_to_f16(float f);

// E4M3fn: sign, 4 exponent bits (bias 7), 3 mantissa bits; 0x7f/0xff are NaN.
float f8e4m3_to_f32(uint8_t v);

}  // namespace seek
