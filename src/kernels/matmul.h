// Fast matrix multiplication against stored weights: y (M, N) = x (M, K) · W^T, W (N, K) in
// any weight dtype (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K). M = 1 is the decode matrix-vector
// product; larger M is prefill. Rows of W are split across the thread pool.
//
// Quantized weights multiply int8-quantized activations (one scale per 32 values, like the
// weights' own blocks) with integer dot products (AVX-512 VNNI, AMX, or AVX2 maddubs); BF16
// weights use AVX512-BF16 dot products (decode) or AMX tiles on bf16-rounded activations, or
// FMA on weights converted to f32 (prefill without AMX); F32/F16 use FMA.
// Decode (M < 4) streams each weight row once; prefill decodes panels of weight rows once per
// call and multiplies every token tile by them (kernels/cpu/gemm.h).
// Each instruction set is one kernel table; ref::linear is the plain twin they are tested
// against.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "tensor/tensor.h"

namespace seek {

// kAvx512 needs F/BW/VL/DQ with VNNI, BF16 and VBMI (Sapphire Rapids and later, Zen 4 and
// later); kAmx is AVX-512 plus AMX tiles for prefill, offered only when Linux grants the tile
// state.
enum class Isa { kScalar, kAvx2, kAvx512, kAmx };

std::string_view isa_name(Isa isa);
// The best instruction set this CPU and OS support (checked once, at first use).
Isa best_isa();
bool isa_supported(Isa isa);

// From this many tokens on, matmul() runs the prefill (gemm) kernels, below it the decode
// (gemv) ones; on AMX, prefill rounds activations and quantized weights to bf16.
inline constexpr int64_t kGemmMinTokens = 4;

// Weight dtypes matmul() accepts directly (FP8 is converted at load, see infer/).
bool matmul_supports(DType t);
// The dtype `isa`'s kernels read fastest for weights of type t: Q4_0R for Q4_0 on AVX-512
// (repack_q4_0r at load), else t. The AVX2 kernels do not take Q4_0R.
DType matmul_dtype(DType t, Isa isa = best_isa());

// y (M, N) = x (M, K) · w^T, w (N, K). `isa` must be supported; kScalar runs ref::linear.
// Quantized w needs K to be a multiple of its block size (32 or 256).
void matmul(float* y, const float* x, int64_t M, const Tensor& w, ThreadPool* pool, Isa isa = best_isa());

// One product of a group: y (M, N) = x (M, K) · w^T, w (N, K).
struct MatmulTask {
  float* y;
  const float* x;
  int64_t M;
  const Tensor* w;
};

// Runs independent products as one parallel region: their weight rows are cut into chunks
// that the pool's threads take from one queue, so no thread waits at the end of each product.
// A decoded token's MoE layer multiplies ~20 expert matrices of ~3 MB; as separate regions,
// their dispatch and end-of-region waits cost a large share of the time the memory reads take.
// Products on the same x (same M, weight type and K) share its prepared activations.
void matmul_group(std::span<const MatmulTask> tasks, ThreadPool* pool, Isa isa = best_isa());

}  // namespace seek
