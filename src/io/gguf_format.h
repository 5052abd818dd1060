// GGUF on-disk constants (ggml docs/gguf.md), shared by the reader (gguf.h) and the writer
// (gguf_writer.h). DO NOT CHANGE the numbers: they are stored in files.
//
//   u32 magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count x { string key | u32 value_type | value }
//   tensor_count x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   padding to `general.alignment` (32 when absent) | tensor data
// Strings are { u64 length | bytes } (not NUL-terminated); arrays { u32 type | u64 n | values }.
// ne[] lists dimensions innermost first: ne = {cols, rows, experts} is seek's (experts, rows, cols).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tensor/dtype.h"

namespace seek {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
inline constexpr uint32_t kGgufVersion = 3;         // written; 2 is also read (same layout)
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufMaxDims = 4;
inline constexpr uint32_t kGgmlQuantVersion = 2;  // general.quantization_version

enum class GgufType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
inline constexpr uint32_t kGgufTypeCount = 13;

// "u32", "string", "array", ... ; "type 77" for an unknown id.
std::string_view gguf_type_name(GgufType t);
// Bytes of one scalar value (0 for string and array, whose size is variable).
uint64_t gguf_type_size(GgufType t);

// ggml_type ids seek reads and writes: F32=0 F16=1 Q4_0=2 Q8_0=8 Q4_K=12 Q6_K=14 BF16=30.
std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type);
// The ggml_type id of a dtype seek can store in GGUF; nullopt for others (F8, integers).
std::optional<uint32_t> ggml_type_from_dtype(DType t);
// ggml's name for any ggml_type id ("Q5_K", "IQ2_XXS", ...), for error messages.
std::string ggml_type_name(uint32_t ggml_type);

}  // namespace seek
