// Which dtype each weight matrix gets under a quantization scheme: one recipe for the
// engine's load-time --quant and for `seek quantize` GGUF files, so a file and a model
// quantized at load hold the same weights. The recipe follows llama.cpp's llama-quantize
// (src/llama-quant.cpp, llama_tensor_get_type), which users' quality expectations rest on:
//   output head            Q6_K in every 4-bit scheme (Q8_0 stays Q8_0)
//   q4_k_m                 Q4_K, but Q6_K for ffn_down in the layers use_more_bits() picks
//   rows not whole blocks  K-quants fall back to Q8_0, then F16 (llama.cpp's Q5_0 step is
//                          not implemented)
//   attn_k_b / attn_v_b    BF16 in every quantized scheme. Absorbed decoding multiplies by
//                          these per-head splits of kv_b_proj, rounded a second time along
//                          short rows (Dn = 128); quantized, they cost more accuracy than their
//                          bytes save (in BF16 they are ~8-10% of a 4-bit token's active bytes
//                          on V2-Lite/V3 shapes), and llama.cpp's AMX path mis-computes them
//                          quantized, so GGUF files must carry them in BF16 anyway
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "tensor/dtype.h"

namespace seek {

enum class QuantScheme {
  kAsStored,  // keep each matrix's dtype where a fast kernel takes it, else BF16 (FP8)
  kF32, kBF16, kQ8_0, kQ4_0, kQ4_K, kQ6_K,
  kQ4_K_M,    // llama.cpp's Q4_K_M mix
};

// "none", "f32", "bf16", "q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"; an unknown name is an error
// that lists these.
Result<QuantScheme> parse_quant_scheme(std::string_view name);
std::string_view quant_scheme_name(QuantScheme s);

enum class MatrixRole {
  kAttention, kFfnUpGate, kFfnDown, kOutput,
  kAbsorbedHead,  // attn_k_b / attn_v_b: kv_b_proj split per head for absorbed MLA
};

// llama.cpp's layers that get more bits in *_K_M schemes: the first and last eighth, and
// every third layer between.
bool use_more_bits(int64_t layer, int64_t num_layers);

// The dtype of a matrix with rows of K values, in `layer` of `num_layers`, stored now as
// `stored`.
DType scheme_dtype(QuantScheme scheme, MatrixRole role, int64_t layer, int64_t num_layers, int64_t K, DType stored);

}  // namespace seek
