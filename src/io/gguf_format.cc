#include "io/gguf_format.h"

#include <array>
#include <string>

namespace seek {
namespace {

struct GgmlTypeInfo {
  uint32_t id;
  std::string_view name;
  std::optional<DType> dtype;  // set for the types seek supports
};

// Every ggml_type id in ggml.h (gaps are removed types), so errors can name what they found.
constexpr std::array<GgmlTypeInfo, 35> kGgmlTypes = {{
    {0, "F32", DType::kF32},   {1, "F16", DType::kF16},     {2, "Q4_0", DType::kQ4_0},
    {3, "Q4_1", {}},           {6, "Q5_0", {}},             {7, "Q5_1", {}},
    {8, "Q8_0", DType::kQ8_0}, {9, "Q8_1", {}},             {10, "Q2_K", {}},
    {11, "Q3_K", {}},          {12, "Q4_K", DType::kQ4_K},  {13, "Q5_K", {}},
    {14, "Q6_K", DType::kQ6_K}, {15, "Q8_K", {}},           {16, "IQ2_XXS", {}},
    {17, "IQ2_XS", {}},        {18, "IQ3_XXS", {}},         {19, "IQ1_S", {}},
    {20, "IQ4_NL", {}},        {21, "IQ3_S", {}},           {22, "IQ2_S", {}},
    {23, "IQ4_XS", {}},        {24, "I8", {}},              {25, "I16", {}},
    {26, "I32", {}},           {27, "I64", {}},             {28, "F64", {}},
    {29, "IQ1_M", {}},         {30, "BF16", DType::kBF16},  {34, "TQ1_0", {}},
    {35, "TQ2_0", {}},         {39, "MXFP4", {}},           {40, "NVFP4", {}},
    {41, "Q1_0", {}},          {42, "Q2_0", {}},
}};

constexpr std::array<std::string_view, kGgufTypeCount> kTypeNames = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
constexpr std::array<uint64_t, kGgufTypeCount> kTypeSizes = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

}  // namespace

std::string_view gguf_type_name(GgufType t) {
  const auto i = static_cast<uint32_t>(t);
  return i < kGgufTypeCount ? kTypeNames[i] : std::string_view("unknown");
}

uint64_t gguf_type_size(GgufType t) {
  const auto i = static_cast<uint32_t>(t);
  return i < kGgufTypeCount ? kTypeSizes[i] : 0;
}

std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type) {
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (t.id == ggml_type) return t.dtype;
  }
  return std::nullopt;
}

std::optional<uint32_t> ggml_type_from_dtype(DType d) {
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (t.dtype == d) return t.id;
  }
  return std::nullopt;
}

std::string ggml_type_name(uint32_t ggml_type) {
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (t.id == ggml_type) return std::string(t.name);
  }
  return "unknown ggml_type " + std::to_string(ggml_type);
}

}  // namespace seek
