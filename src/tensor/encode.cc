#include "tensor/encode.h"

#include <cstring>

#include "base/check.h"
#include "tensor/quant.h"

namespace seek {

bool can_encode(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || is_quantized(t); }

void encode_values(DType t, const float* x, int64_t n, uint8_t* out) {
  SEEK_CHECK(can_encode(t), "cannot encode {}", dtype_name(t));
  if (is_quantized(t)) return quantize_blocks(t, x, out, n);
  if (t == DType::kF32) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = t == DType::kF16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
    std::memcpy(out + 2 * i, &h, 2);  // `out` may be unaligned inside a file buffer
  }
}

}  // namespace seek
