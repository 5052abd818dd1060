#include "infer/prepare.h"

#include <cstring>

#include "base/mmap_file.h"
#include "kernels/matmul.h"
#include "tensor/quant.h"

namespace seek {
namespace {

class Converter {
 public:
  Converter(PreparedWeights* out, ThreadPool* pool) : out_(out), pool_(pool) {}

  // `src` (rows, cols) stored as `target`, in the layout the matmul kernels read (Q4_0 as
  // Q4_0R on AVX-512): in place when already so, else converted.
  Tensor convert(const Tensor& src, DType target) {
    target = matmul_dtype(target);
    const int64_t rows = src.rows(), cols = src.cols(), row_bytes = dtype_bytes(target, cols);
    Tensor t{target, {rows, cols}, nullptr, {}};
    out_->bytes += dtype_bytes(target, rows * cols);
    if (src.dtype == target && src.ndim() == 2) {
      t.data = src.data;
      return t;
    }
    uint8_t* dst = allocate(dtype_bytes(target, rows * cols));
    t.data = dst;
    const bool repack = src.dtype == DType::kQ4_0 && target == DType::kQ4_0R;  // exact, no float round trip
    pool_->parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      std::vector<float> row(cols);
      for (int64_t r = r0; r < r1; ++r) {
        if (repack) {
          repack_q4_0r(src.data + r * row_bytes, dst + r * row_bytes, cols);
          continue;
        }
        dequantize_row(src, r, row.data());
        store_row(row.data(), target, cols, dst + r * row_bytes);
      }
    });
    // A GGUF file's blocks now live in `dst`: their mapped pages need not stay resident.
    MappedFile::release({src.data, src.nbytes()});
    return t;
  }
  // A float matrix (rows, cols) built on the host, stored as `target`.
  Tensor from_floats(const std::vector<float>& v, int64_t rows, int64_t cols, DType target) {
    const Tensor f32{DType::kF32, {rows, cols}, reinterpret_cast<const uint8_t*>(v.data()), {}};
    if (target == DType::kF32) {  // the host vector is temporary: copy
      uint8_t* dst = allocate(v.size() * sizeof(float));
      std::memcpy(dst, v.data(), v.size() * sizeof(float));
      out_->bytes += static_cast<int64_t>(v.size() * sizeof(float));
      return Tensor{DType::kF32, {rows, cols}, dst, {}};
    }
    return convert(f32, target);
  }

 private:
  uint8_t* allocate(int64_t bytes) {
    out_->owned.push_back(std::make_unique<uint8_t[]>(static_cast<size_t>(bytes)));
    return out_->owned.back().get();
  }
  static void store_row(const float* x, DType t, int64_t n, uint8_t* dst) {
    if (is_quantized(t)) return quantize_blocks(t, x, dst, n);
    for (int64_t i = 0; i < n; ++i) {
      if (t == DType::kF32) std::memcpy(dst + 4 * i, &x[i], 4);
      const uint16_t h = t == DType::kBF16 ? f32_to_bf16(x[i]) : f32_to_f16(x[i]);
      if (t != DType::kF32) std::memcpy(dst + 2 * i, &h, 2);
    }
  }

  PreparedWeights* out_;
  ThreadPool* pool_;
};

std::vector<float> to_floats(const Tensor& t) { return t.data ? dequantize(t) : std::vector<float>{}; }

}  // namespace

Result<PreparedWeights> prepare_weights(const Model& m, QuantScheme scheme, ThreadPool* pool) {
  const ModelConfig& c = m.config;
  const ModelWeights& w = m.weights;
  const int64_t L = c.num_hidden_layers, H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dv = c.v_head_dim;
  const int64_t Rkv = c.kv_lora_rank;
  PreparedWeights p;
  Converter conv(&p, pool);
  auto matrix = [&](const Tensor& t, MatrixRole role, int64_t layer) {
    return conv.convert(t, scheme_dtype(scheme, role, layer, L, t.cols(), t.dtype));
  };
  auto mlp = [&](const MlpWeights& src, int64_t layer) {
    return PreparedMlp{matrix(src.gate_proj, MatrixRole::kFfnUpGate, layer), matrix(src.up_proj, MatrixRole::kFfnUpGate, layer),
                       matrix(src.down_proj, MatrixRole::kFfnDown, layer)};
  };

  p.embed = w.embed_tokens;
  p.final_norm = to_floats(w.norm);
  p.lm_head = matrix(w.lm_head, MatrixRole::kOutput, L - 1);
  p.layers.resize(static_cast<size_t>(L));
  for (int64_t l = 0; l < L; ++l) {
    const LayerWeights& src = w.layers[l];
    const AttentionWeights& a = src.self_attn;
    PreparedLayer& dst = p.layers[l];
    dst.attn_norm = to_floats(src.input_layernorm);
    dst.ffn_norm = to_floats(src.post_attention_layernorm);
    if (c.q_lora_rank == 0) {
      dst.q_proj = matrix(a.q_proj, MatrixRole::kAttention, l);
    } else {
      dst.q_a_proj = matrix(a.q_a_proj, MatrixRole::kAttention, l);
      dst.q_b_proj = matrix(a.q_b_proj, MatrixRole::kAttention, l);
      dst.q_a_norm = to_floats(a.q_a_layernorm);
    }
    dst.kv_a_proj = matrix(a.kv_a_proj_with_mqa, MatrixRole::kAttention, l);
    dst.kv_a_norm = to_floats(a.kv_a_layernorm);
    // Per-head splits of kv_b_proj for absorbed decoding (read before matrix() converts it and
    // releases a mapped source's pages).
    const std::vector<float> kvb = dequantize(a.kv_b_proj);  // (H*(Dn+Dv), Rkv)
    dst.kv_b_proj = matrix(a.kv_b_proj, MatrixRole::kAttention, l);
    dst.o_proj = matrix(a.o_proj, MatrixRole::kAttention, l);

    std::vector<float> wk(H * Rkv * Dn), wv(H * Dv * Rkv);
    for (int64_t h = 0; h < H; ++h) {
      const float* head = &kvb[h * (Dn + Dv) * Rkv];
      for (int64_t d = 0; d < Dn; ++d) {
        for (int64_t r = 0; r < Rkv; ++r) wk[(h * Rkv + r) * Dn + d] = head[d * Rkv + r];
      }
      std::memcpy(&wv[h * Dv * Rkv], head + Dn * Rkv, Dv * Rkv * sizeof(float));
    }
    dst.wk_b_t = conv.from_floats(wk, H * Rkv, Dn, scheme_dtype(scheme, MatrixRole::kAbsorbedHead, l, L, Dn, a.kv_b_proj.dtype));
    dst.wv_b = conv.from_floats(wv, H * Dv, Rkv, scheme_dtype(scheme, MatrixRole::kAbsorbedHead, l, L, Rkv, a.kv_b_proj.dtype));

    dst.is_moe = src.is_moe;
    if (!src.is_moe) {
      dst.mlp = mlp(src.mlp, l);
      continue;
    }
    dst.router = dequantize(src.moe.gate);
    dst.router_bias = to_floats(src.moe.e_score_correction_bias);
    for (const MlpWeights& e : src.moe.experts) dst.experts.push_back(mlp(e, l));
    dst.has_shared = c.n_shared_experts > 0;
    if (dst.has_shared) dst.shared = mlp(src.moe.shared_experts, l);
  }
  return p;
}

}  // namespace seek
