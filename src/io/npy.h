// NumPy .npy files (format version 1.0 written; 1.0-3.0 read), float32 C-order only: the
// exchange format between seek and the PyTorch reference in tools/ref/.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "tensor/tensor.h"

namespace seek {

struct NpyArray {
  Shape shape;
  std::vector<float> data;  // row-major
};

// Serialises a float32 array; the caller writes the bytes (see write_file_atomic).
std::string encode_npy(const Shape& shape, const float* data);
// Parses a little-endian float32 ('<f4') C-order array; `source` names it in errors.
Result<NpyArray> decode_npy(std::string_view bytes, std::string_view source);

Status write_npy(const std::string& path, const Shape& shape, const float* data);
Result<NpyArray> read_npy(const std::string& path);

}  // namespace seek
