// PreparedWeights: a Model's weights in the form the fast engine runs. Every matrix is in a
// dtype the SIMD matmul takes (quantized at load when asked: --quant), norm weights are
// floats, the MoE router stays fp32 (routing is a discrete choice; it must not flip on
// rounding), and kv_b_proj is also split per head for absorbed-MLA decoding:
//   wk_b_t (H*Rkv, Dn)  rows h*Rkv + r: W_UK_h transposed, so q_lat_h = q_nope_h · W_UK_h
//   wv_b   (H*Dv, Rkv)  rows h*Dv + d: W_UV_h, so o_h = W_UV_h · o_lat_h
// Weights already in the kernels' dtype are used in place (a GGUF file's Q8_0 blocks, say);
// Q4_0 is regrouped as Q4_0R on AVX-512 (matmul_dtype), a copy, after which the file's pages
// are released from the resident set (MappedFile::release), as for any converted matrix.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/model.h"
#include "model/quant_policy.h"

namespace seek {

struct PreparedMlp {
  Tensor gate;  // (W, D)
  Tensor up;    // (W, D)
  Tensor down;  // (D, W)
};

struct PreparedLayer {
  std::vector<float> attn_norm, ffn_norm;  // (D)
  // MLA
  Tensor q_proj, q_a_proj, q_b_proj;   // q_proj when Rq == 0, else q_a_proj + q_b_proj
  std::vector<float> q_a_norm;         // (Rq)
  Tensor kv_a_proj;                    // (Rkv+Dr, D)
  std::vector<float> kv_a_norm;        // (Rkv)
  Tensor kv_b_proj;                    // (H*(Dn+Dv), Rkv) for prefill
  Tensor wk_b_t, wv_b;                 // per-head splits for decode (see above)
  Tensor o_proj;                       // (D, H*Dv)
  // FFN
  bool is_moe = false;
  PreparedMlp mlp;
  std::vector<float> router;           // (E, D) fp32
  std::vector<float> router_bias;      // (E) noaux_tc only
  std::vector<PreparedMlp> experts;
  bool has_shared = false;
  PreparedMlp shared;
};

struct PreparedWeights {
  Tensor embed;  // (V, D) as stored: rows are dequantized one token at a time
  std::vector<PreparedLayer> layers;
  std::vector<float> final_norm;  // (D)
  Tensor lm_head;                 // (V, D)
  std::vector<std::unique_ptr<uint8_t[]>> owned;  // buffers behind converted tensors
  int64_t bytes = 0;  // of all matrices as prepared
};

// Converts `m`'s weights under `scheme`, using `pool` for the conversion. `m` must outlive the
// result (views may point into it).
Result<PreparedWeights> prepare_weights(const Model& m, QuantScheme scheme, ThreadPool* pool);

}  // namespace seek
