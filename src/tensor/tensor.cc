#include "tensor/tensor.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/check.h"
#include "tensor/quant.h"

namespace seek {

std::string shape_string(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool is_float_weight_dtype(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kF8E4M3 || is_quantized(t);
}

void dequantize_row(const Tensor& t, int64_t row, float* out) {
  SEEK_CHECK(t.ndim() == 1 || t.ndim() == 2, "rank {}", t.ndim());
  SEEK_CHECK(row >= 0 && row < t.rows(), "row {} of {}", row, t.rows());
  const int64_t cols = t.cols();
  const uint8_t* p = t.data + static_cast<size_t>(row * dtype_bytes(t.dtype, cols));
  if (is_quantized(t.dtype)) return dequantize_blocks(t.dtype, p, out, cols);
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(out, p, cols * sizeof(float));
      return;
    case DType::kBF16:
      for (int64_t c = 0; c < cols; ++c) {
        uint16_t h;
        std::memcpy(&h, p + 2 * c, 2);
        out[c] = bf16_to_f32(h);
      }
      return;
    case DType::kF16:
      for (int64_t c = 0; c < cols; ++c) {
        uint16_t h;
        std::memcpy(&h, p + 2 * c, 2);
        out[c] = f16_to_f32(h);
      }
      return;
    case DType::kF8E4M3: {
      SEEK_CHECK(t.scale.data != nullptr, "F8 tensor without block scale");
      const int64_t scale_cols = (cols + t.scale.block_cols - 1) / t.scale.block_cols;
      const uint8_t* srow = t.scale.data + (row / t.scale.block_rows) * scale_cols * sizeof(float);
      for (int64_t c0 = 0; c0 < cols; c0 += t.scale.block_cols) {
        float scale;
        std::memcpy(&scale, srow + (c0 / t.scale.block_cols) * sizeof(float), sizeof(float));
        const int64_t c1 = std::min(cols, c0 + t.scale.block_cols);
        for (int64_t c = c0; c < c1; ++c) out[c] = f8e4m3_to_f32(p[c]) * scale;
      }
      return;
    }
    default:
      SEEK_CHECK(false, "dtype {} is not a float weight dtype", dtype_name(t.dtype));
  }
}

void dequantize_rows(const Tensor& t, int64_t row0, int64_t n, float* out) {
  const int64_t cols = t.cols();
  for (int64_t r = 0; r < n; ++r) dequantize_row(t, row0 + r, out + r * cols);
}

std::vector<float> dequantize(const Tensor& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  dequantize_rows(t, 0, t.rows(), out.data());
  return out;
}

}  // namespace seek
