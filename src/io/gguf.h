// Reader for GGUF files (versions 2 and 3; layout in io/gguf_format.h), the format llama.cpp
// and its ecosystem publish quantized models in. The whole file is memory-mapped; tensors are
// views into the map, metadata is decoded into GgufValue.
//
// Every count, length, dimension, type id and offset is checked against the bytes that remain
// before anything is allocated, so a truncated or hostile file is a Status naming the file,
// the byte offset, the key or tensor, what was expected and what was found, never a crash.
// Accepted tensors are of a type seek computes with (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K),
// lie inside the file at aligned offsets and do not overlap.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/mmap_file.h"
#include "base/status.h"
#include "io/gguf_format.h"
#include "tensor/tensor.h"

namespace seek {

// One metadata value. Scalars are one-element arrays of their type, so every accessor works on
// the vectors; `type` says which (kArray for arrays, whose elements have `elem` type). Nested
// arrays are refused by the reader (no GGUF producer writes them).
struct GgufValue {
  GgufType type = GgufType::kU32;
  GgufType elem = GgufType::kU32;  // == type for scalars
  std::vector<uint64_t> uints;     // kU8, kU16, kU32, kU64, kBool (0 or 1)
  std::vector<int64_t> ints;       // kI8, kI16, kI32, kI64
  std::vector<double> floats;      // kF32, kF64
  std::vector<std::string> strings;

  bool is_array() const { return type == GgufType::kArray; }
  size_t size() const;  // number of elements (1 for a scalar)
  // "u32 7", "string \"gpt2\"", "array of 300 string": for error messages.
  std::string describe() const;
};

struct GgufTensorInfo {
  std::string name;
  uint32_t ggml_type = 0;
  DType dtype = DType::kF32;
  Shape shape;              // row-major, outermost first: GGUF ne[] reversed
  uint64_t offset = 0;      // from the start of the data section
  uint64_t nbytes = 0;
  uint64_t info_pos = 0;    // file offset of this tensor's info record, for errors
};

// True when `path` names a GGUF file: it ends in ".gguf", or it is a regular file that starts
// with the GGUF magic.
bool is_gguf_path(const std::string& path);

class GgufFile {
 public:
  // Maps and parses `path`.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes the caller keeps alive (tests, fuzzing); `source` names them in errors.
  static Result<GgufFile> parse(std::span<const uint8_t> bytes, std::string source);

  const std::string& source() const { return source_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // file offset of the data section
  uint64_t file_size() const { return bytes_.size(); }

  // Metadata in file order, and lookup by key.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed access. Each fails with the key, the value found and what was expected when the key
  // is missing or the value does not fit; the *_or forms return `absent` for a missing key.
  // Integers of any width and signedness convert when the value fits; floats accept f32/f64.
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<uint64_t> get_uint_or(std::string_view key, uint64_t absent) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<double> get_float_or(std::string_view key, double absent) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<bool> get_bool_or(std::string_view key, bool absent) const;
  Result<std::string> get_string(std::string_view key) const;
  Result<std::string> get_string_or(std::string_view key, const std::string& absent) const;
  Result<const GgufValue*> get_array(std::string_view key, GgufType elem) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  // A view of the tensor's bytes inside the file (valid while this object lives).
  Tensor view(const GgufTensorInfo& t) const;

 private:
  Status parse_all();
  Result<const GgufValue*> typed(std::string_view key, const char* expected) const;

  std::shared_ptr<MappedFile> map_;  // null for parse(); shared so moves keep views valid
  std::span<const uint8_t> bytes_;
  std::string source_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace seek
