// Activation preparation for the fast matmul kernels, done once per matmul call and shared
// by all weight rows: int8 quantization with one scale per 32 values (symmetric, round to
// nearest, like the weights' own blocks), and bf16 rounding.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/gemm.h"

namespace seek::cpu {

struct ActivationBuffer {
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<int32_t> c, g;
  std::vector<float> sum;
  std::vector<uint16_t> bf16;
};

// How a kernel wants one token's int8 activations laid out.
struct Int8Layout {
  int32_t zero = 0;  // the weight format's zero point: c = -zero * (sum of each 4 values)
  int split = 0;     // permute each 128 values into the "split" order of formats_avx512.h
  int group = 0;     // also write g = -zero * (sum of each `group` values), for gemm (0: no)
};

// One token's int8 quantization (see GemmArgs for the outputs): K values of x into q[0, kp),
// kp a multiple of 256, with q, d, c, g, sum zero past K; sum is written when non-null. The
// scalar version neither splits nor writes g.
using QuantizeRowFn = void (*)(const float* x, int64_t K, int64_t kp, Int8Layout layout, int8_t* q, float* d,
                               int32_t* c, int32_t* g, float* sum);
void quantize_row_scalar(const float* x, int64_t K, int64_t kp, Int8Layout layout, int8_t* q, float* d, int32_t* c,
                         int32_t* g, float* sum);
void quantize_row_avx512(const float* x, int64_t K, int64_t kp, Int8Layout layout, int8_t* q, float* d, int32_t* c,
                         int32_t* g, float* sum);

// Fills the integer-path fields of `a` from x (M, K) for weights of type a->wtype.
void prepare_int8(const float* x, GemmArgs* a, ActivationBuffer* buf, Int8Layout layout, QuantizeRowFn quantize);
// Fills a->xb from x (M, K), rows of xb_stride values.
void prepare_bf16(const float* x, GemmArgs* a, ActivationBuffer* buf);
// Fills a->xb from x (M, K) as AMX B tiles (the AMX kernels take weights as A): per 16-token
// tile t and 32-value chunk c, 16 rows of (16 tokens x a pair of values), 1 KiB in a row; tokens
// rounded up to 32 and values to 32, zero padded.
void prepare_bf16_pairs(const float* x, GemmArgs* a, ActivationBuffer* buf);
void bf16_pair_tiles_avx512(const float* x, int64_t M, int64_t K, uint16_t* out);

}  // namespace seek::cpu
