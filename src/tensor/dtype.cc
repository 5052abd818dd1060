#include "tensor/dtype.h"

#include <array>
#include <cmath>
#include <limits>

namespace seek {
namespace {

struct DTypeInfo {
  DType type;
  std::string_view name;
  int64_t block_elems;
  int64_t block_bytes;
  bool safetensors;
};

// In enum order.
constexpr std::array<DTypeInfo, 20> kDTypes = {{
    {DType::kBool, "BOOL", 1, 1, true},       {DType::kU8, "U8", 1, 1, true},
    {DType::kI8, "I8", 1, 1, true},           {DType::kF8E5M2, "F8_E5M2", 1, 1, true},
    {DType::kF8E4M3, "F8_E4M3", 1, 1, true},  {DType::kI16, "I16", 1, 2, true},
    {DType::kU16, "U16", 1, 2, true},         {DType::kF16, "F16", 1, 2, true},
    {DType::kBF16, "BF16", 1, 2, true},       {DType::kI32, "I32", 1, 4, true},
    {DType::kU32, "U32", 1, 4, true},         {DType::kF32, "F32", 1, 4, true},
    {DType::kF64, "F64", 1, 8, true},         {DType::kI64, "I64", 1, 8, true},
    {DType::kU64, "U64", 1, 8, true},         {DType::kQ8_0, "Q8_0", 32, 34, false},
    {DType::kQ4_0, "Q4_0", 32, 18, false},    {DType::kQ4_K, "Q4_K", 256, 144, false},
    {DType::kQ6_K, "Q6_K", 256, 210, false},   {DType::kQ4_0R, "Q4_0R", 32, 18, false},
}};

const DTypeInfo& info(DType t) { return kDTypes[static_cast<size_t>(t)]; }

}  // namespace

std::string_view dtype_name(DType t) { return info(t).name; }
int64_t dtype_block_elems(DType t) { return info(t).block_elems; }
int64_t dtype_block_bytes(DType t) { return info(t).block_bytes; }

std::optional<DType> parse_safetensors_dtype(std::string_view name) {
  for (const DTypeInfo& i : kDTypes) {
    if (i.safetensors && i.name == name) return i.type;
  }
  return std::nullopt;
}

float f16_to_f32(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // subnormal: mant * 2^-14 / 2^10
  } else if (exp == 31) {
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);  // 1.mant * 2^(exp-15)
  }
  return sign ? -v : v;
}

uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00;                    // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00;                   // rounds past 65504: infinity
  if (abs < 0x38800000u) {                                         // below 2^-14: subnormal or zero
    const float scaled = std::fabs(f) * 16777216.0f;               // in units of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));   // ties to even (default mode)
  }
  // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even.
  uint32_t h = ((abs >> 13) - ((127 - 15) << 10));
  const uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return sign | static_cast<uint16_t>(h);
}

float f8e4m3_to_f32(uint8_t v) {
  const int sign = v >> 7;
  const int exp = (v >> 3) & 0xf;
  const int mant = v & 0x7;
  float r;
  if (exp == 0xf && mant == 0x7) {
    r = std::numeric_limits<float>::quiet_NaN();
  } else if (exp == 0) {
    r = std::ldexp(static_cast<float>(mant), -9);  // subnormal: mant/8 * 2^-6
  } else {
    r = std::ldexp(static_cast<float>(mant | 0x8), exp - 10);  // 1.mant * 2^(exp-7)
  }
  return sign ? -r : r;
}

}  // namespace seek
