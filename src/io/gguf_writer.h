// GgufWriter: builds a GGUF v3 file (layout in io/gguf_format.h) with alignment 32, the
// layout llama.cpp's own writer produces: metadata in insertion order, tensor infos, then each
// tensor's bytes at the next multiple of 32, in the order the tensors were added.
//
// Tensor bytes are produced on demand while writing, one tensor at a time, so exporting a
// model needs memory for its largest tensor, not for the file. The file appears atomically
// (temporary + fsync + rename): a failure leaves no partial file behind.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/gguf.h"

namespace seek {

// Metadata value builders.
GgufValue gguf_u16(uint16_t v);
GgufValue gguf_u32(uint32_t v);
GgufValue gguf_i32(int32_t v);
GgufValue gguf_u64(uint64_t v);
GgufValue gguf_f32(float v);
GgufValue gguf_bool(bool v);
GgufValue gguf_string(std::string v);
GgufValue gguf_string_array(std::vector<std::string> v);
GgufValue gguf_i32_array(std::vector<int64_t> v);
GgufValue gguf_f32_array(std::vector<double> v);

class GgufWriter {
 public:
  // Writes exactly the tensor's byte size into `out`.
  using FillFn = std::function<Status(uint8_t* out)>;

  // Adds or replaces a key (a replaced key keeps its first position).
  void set(const std::string& key, GgufValue value);
  // Registers a tensor: `shape` row-major (outermost first) in a dtype GGUF stores; rows must
  // be whole blocks. Fails on a duplicate or over-long name (ggml allows 63 bytes).
  Status add_tensor(const std::string& name, DType dtype, const Shape& shape, FillFn fill);

  size_t num_tensors() const { return tensors_.size(); }
  // Bytes the file will have.
  uint64_t file_size() const;
  Status write(const std::string& path) const;
  // Writes the model as llama.cpp's gguf-split does (io/gguf_parts.h): parts named
  // PREFIX-0000K-of-0000N.gguf, each holding whole tensors, in order, of at most
  // `max_part_bytes` of tensor data (a larger tensor gets a part of its own); the first part
  // carries the metadata. Every part gets split.no/split.count/split.tensors.count. Returns the
  // paths; on failure no part is left behind.
  Result<std::vector<std::string>> write_split(const std::string& prefix, uint64_t max_part_bytes) const;
  // How many parts write_split would write.
  size_t num_parts(uint64_t max_part_bytes) const { return split_points(max_part_bytes).size(); }

 private:
  struct PendingTensor {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t nbytes;
    uint64_t offset;  // in the data section
    FillFn fill;
  };
  using KeyValues = std::vector<std::pair<std::string, GgufValue>>;
  // The header of a file holding tensors [first, last) after `kv`.
  std::string encode_header(const KeyValues& kv, size_t first, size_t last) const;
  Status write_part(const std::string& path, const KeyValues& kv, size_t first, size_t last) const;
  // Index of the first tensor of each part.
  std::vector<size_t> split_points(uint64_t max_part_bytes) const;

  KeyValues kv_;
  std::vector<PendingTensor> tensors_;
  uint64_t data_size_ = 0;
};

}  // namespace seek
