// Writer for the safetensors format (the reader and the layout are in io/safetensors.h).
// Files are written atomically (base/atomic_file.h): bytes go to a temporary file beside the
// target, which is fsynced and renamed over it only when complete, so a crash, a full disk or
// a kill at any moment leaves the previous file intact.
#pragma once

#include <map>
#include <span>
#include <string>

#include "base/status.h"
#include "tensor/tensor.h"

namespace seek {

// One tensor to write: `data` holds dtype_bytes(dtype, numel(shape)) bytes, row-major.
struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  const void* data = nullptr;
};

// Writes `tensors` and the optional "__metadata__" string map to `path`. Tensors are laid out
// by descending element size (then in the given order) so each starts aligned to its element
// size, as the reference library does; the JSON header is space-padded to a multiple of 8.
// Errors: an empty or duplicate name, "__metadata__" as a tensor name, a dtype safetensors
// cannot store (the GGML block types), a negative dimension, or any I/O failure.
Status write_safetensors(const std::string& path, std::span<const SafetensorsTensor> tensors,
                         const std::map<std::string, std::string>& metadata = {});

}  // namespace seek
