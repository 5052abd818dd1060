// Internal interface between the matmul dispatcher and the per-instruction-set kernels.
// Activations arrive prepared once per call (cpu/activations.h); a kernel computes y[m][n]
// for all M tokens and the weight rows [n0, n1) it is given.
//
// Two kernel shapes per instruction set:
//  - gemv (decode, M below kGemmMinTokens in kernels/matmul.h): each weight row is streamed from memory once and
//    dotted with every token; SIMD lanes run along K.
//  - gemm (prefill): a panel of 16-row groups of weights is decoded once into a packed copy
//    (cpu/pack.h) that stays in cache while every token tile is multiplied by it; SIMD lanes run
//    along N, so each instruction updates 16 outputs and no horizontal sums are needed.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace seek::cpu {

// Values per integer step: one 512-bit vector of int8 = two 32-value blocks.
inline constexpr int64_t kStep = 64;

struct GemmArgs {
  DType wtype;
  const uint8_t* w;      // row n starts at w + n * w_row_bytes
  int64_t w_row_bytes;
  int64_t K;
  int64_t M;
  // Integer path (quantized weights), per token m, with Kp = K rounded up to 256 (zero padded):
  const int8_t* xq;      // (M, Kp) int8 values (for gemv perhaps in split order, activations.h)
  const float* xd;       // (M, Kp/32) scale of each 32-value block
  const int32_t* xc;     // (M, Kp/4) minus the format's zero point times each 4-value sum (gemv)
  const int32_t* xg;     // (M, Kp/G) the same per weight group of G values (gemm)
  const float* xsum;     // (M, Kp/32) scale * sum of each 32-value block (Q4_K min terms)
  int64_t kp;            // Kp
  // Float paths:
  const float* xf;       // (M, K) F32/F16 weights
  const uint16_t* xb;    // (M, Kb) bf16 activations, Kb = K rounded up to 32, zero padded;
                         // for AMX in B-tile order (activations.h prepare_bf16_pairs)
  int64_t xb_stride;
  float* y;              // y[m * ldy + n]
  int64_t ldy;
};

// Zero point subtracted by each format's integer dot product (0: none).
int32_t zero_point(DType t);

void gemv_rows_avx512(const GemmArgs& a, int64_t n0, int64_t n1);
// How the AVX-512 kernels (gemm: prefill, else gemv) want int8 activations for weights of type t.
struct Int8Layout;
Int8Layout int8_layout_avx512(DType t, bool gemm);
void gemm_rows_avx512(const GemmArgs& a, int64_t n0, int64_t n1);
void gemm_rows_amx(const GemmArgs& a, int64_t n0, int64_t n1);
// Rows gemm_rows_amx decodes at a time; give it ranges of this many.
int64_t amx_chunk_rows(int64_t K);
void gemm_rows_avx2(const GemmArgs& a, int64_t n0, int64_t n1);

}  // namespace seek::cpu
