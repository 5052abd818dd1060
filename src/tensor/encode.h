// The inverse of dequantize_row: floats stored as a weight dtype. F32 is copied, F16 and BF16
// round to nearest even, block-quantized types use the reference codecs of tensor/quant.h.
// Used where seek writes weights (GGUF export) or re-lays out loaded ones.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace seek {

// Whether encode_values can produce `t`.
bool can_encode(DType t);
// Writes n values (a multiple of dtype_block_elems(t)) as dtype_bytes(t, n) bytes at `out`.
void encode_values(DType t, const float* x, int64_t n, uint8_t* out);

}  // namespace seek
