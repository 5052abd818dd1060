// Tensor: a non-owning, row-major view of stored weights (usually inside a memory-mapped
// checkpoint). Activations are plain float buffers; this type describes what the weights are.
//
// FP8 weights carry a block scale: value[r][c] = fp8[r][c] * scale[r / block_rows][c / block_cols]
// (DeepSeek's `weight_scale_inv`, 128x128 blocks, partial blocks at the edges).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace seek {

using Shape = std::vector<int64_t>;

// "(4, 64)" for error messages and summaries.
std::string shape_string(const Shape& shape);
// Product of dims; 1 for a scalar. Callers validate dims before calling (no overflow check here).
int64_t shape_numel(const Shape& shape);

struct BlockScale {
  // float32 (ceil(rows/block_rows), ceil(cols/block_cols)), row-major; may be unaligned
  // inside a mapped file, so it is read with memcpy.
  const uint8_t* data = nullptr;
  int64_t block_rows = 0;
  int64_t block_cols = 0;
};

struct Tensor {
  DType dtype = DType::kF32;
  Shape shape;
  const uint8_t* data = nullptr;
  BlockScale scale;  // set only for F8 weights

  int ndim() const { return static_cast<int>(shape.size()); }
  int64_t numel() const { return shape_numel(shape); }
  size_t nbytes() const { return static_cast<size_t>(dtype_bytes(dtype, numel())); }
  // Matrix view: a 2-D tensor is (rows, cols); a 1-D tensor is one row.
  int64_t rows() const { return ndim() >= 2 ? shape[0] : 1; }
  int64_t cols() const { return ndim() >= 1 ? shape.back() : 1; }
};

// Dtypes a weight may be stored in and still be read as float by dequantize_row
// (plain floats, FP8 with block scales, and the GGML block-quantized types).
bool is_float_weight_dtype(DType t);

// Writes row `row` of a 1-D or 2-D float-weight tensor, converted to float, into out[0, cols).
void dequantize_row(const Tensor& t, int64_t row, float* out);
// Rows [row0, row0 + n) into out, (n, cols) row-major.
void dequantize_rows(const Tensor& t, int64_t row0, int64_t n, float* out);
// The whole tensor as floats.
std::vector<float> dequantize(const Tensor& t);

}  // namespace seek
