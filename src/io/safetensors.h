// Reader for the safetensors format (huggingface/safetensors):
//   u64 little-endian N | N bytes of JSON header | data buffer
// The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end)}, offsets
// relative to the data buffer, plus an optional "__metadata__" string map. The reader checks
// every size and offset against the file before trusting it, and follows the reference
// implementation's rules: tensors tile the buffer exactly (no overlap, no gap, no slack).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/mmap_file.h"
#include "base/status.h"
#include "tensor/tensor.h"

namespace seek {

// Headers larger than this are refused before any allocation (the reference's limit).
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100u << 20;

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  uint64_t begin = 0;  // byte offsets into the data buffer, [begin, end)
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // in data-offset order
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // file offset of the data buffer: 8 + N
};

// Parses and validates the header of a whole safetensors file held in `file`.
// `source` names the file in error messages.
Result<SafetensorsHeader> parse_safetensors_header(std::span<const uint8_t> file, std::string_view source);

// A memory-mapped safetensors file with a validated header.
class SafetensorsFile {
 public:
  static Result<SafetensorsFile> open(const std::string& path);

  const SafetensorsHeader& header() const { return header_; }
  const std::string& path() const { return map_.path(); }
  size_t file_size() const { return map_.size(); }
  // A view of one entry's bytes inside the map (valid while this object lives).
  Tensor view(const SafetensorsEntry& entry) const;

 private:
  MappedFile map_;
  SafetensorsHeader header_;
};

}  // namespace seek
