// Block-quantized weight formats, bit for bit as GGML/GGUF store them, so one set of kernels
// serves both GGUF files users already have and Hugging Face checkpoints quantized at load.
// Each block holds a fixed run of consecutive values of one row:
//   Q8_0  32 values: f16 scale d, 32 int8 q;                x = d * q
//   Q4_0  32 values: f16 d, 16 bytes of nibbles;            x = d * (q - 8); byte j holds
//         values j (low nibble) and j + 16 (high nibble)
//   Q4_K  256 values in 8 sub-blocks of 32: f16 d, f16 dmin, 12 bytes of 6-bit sub-block
//         scales and mins, 128 bytes of nibbles;            x = d*sc_j * q - dmin*m_j
//   Q6_K  256 values in 16 sub-blocks of 16: 128 bytes low nibbles, 64 bytes of 2-bit highs,
//         16 int8 sub-block scales, f16 d;                  x = d * sc_j * (q - 32)
// and one layout of our own, never written to a file:
//   Q4_0R a row's Q4_0 blocks regrouped by 8 (a row's last group may hold fewer, nb): the
//         group's nb f16 scales, then its blocks' 16 nibble bytes in block order. Same size
//         and values as Q4_0; the AVX-512 kernels read a group's scales with one load and four
//         blocks' nibbles with another, instead of picking them out of 18-byte blocks (about
//         twice the decode speed in cache). Functions on Q4_0R take whole rows.
// The functions here are the scalar reference codecs; fast dot products live in kernels/.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace seek {

inline constexpr int kQ8Block = 32;
inline constexpr int kQKBlock = 256;

struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ6_K) == 210);

// Q4_K's packed 6-bit scale and min of sub-block j (0..7).
void q4_k_scale_min(const uint8_t* scales, int j, uint8_t* scale, uint8_t* min);

// Converts n values (a multiple of the block size) of a quantized row to float, and back.
// `blocks` may be unaligned (inside a mapped file).
void dequantize_blocks(DType t, const void* blocks, float* y, int64_t n);
void quantize_blocks(DType t, const float* x, void* blocks, int64_t n);

// One row of n values, Q4_0 to Q4_0R (src and dst must not overlap); exact.
void repack_q4_0r(const void* src, void* dst, int64_t n);

}  // namespace seek
