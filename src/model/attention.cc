#include "model/attention.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ref.h"

namespace seek {
namespace {

using Buf = std::vector<float>;

// Computes the roped queries (T, H, Dn+Dr) and this step's latents c (T, Rkv) and rope keys
// k_r (T, Dr), shared by both formulations.
void project_qkv(Buf& q, Buf& latent, Buf& k_rope, const float* x, int64_t T, const AttentionWeights& w,
                 const ModelConfig& c, const RopeTable& rope, int64_t pos0) {
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim;
  const int64_t Rkv = c.kv_lora_rank, Dq = c.q_head_dim();
  const float eps = static_cast<float>(c.rms_norm_eps);
  q.resize(T * H * Dq);
  if (c.q_lora_rank == 0) {
    ref::linear(q.data(), x, w.q_proj, T);
  } else {
    Buf qa(T * c.q_lora_rank);
    ref::linear(qa.data(), x, w.q_a_proj, T);
    ref::rmsnorm(qa.data(), qa.data(), w.q_a_layernorm, T, c.q_lora_rank, eps);
    ref::linear(q.data(), qa.data(), w.q_b_proj, T);
  }
  Buf kv(T * (Rkv + Dr));
  ref::linear(kv.data(), x, w.kv_a_proj_with_mqa, T);
  latent.resize(T * Rkv);
  k_rope.resize(T * Dr);
  for (int64_t t = 0; t < T; ++t) {
    std::memcpy(&latent[t * Rkv], &kv[t * (Rkv + Dr)], Rkv * sizeof(float));
    std::memcpy(&k_rope[t * Dr], &kv[t * (Rkv + Dr) + Rkv], Dr * sizeof(float));
  }
  ref::rmsnorm(latent.data(), latent.data(), w.kv_a_layernorm, T, Rkv, eps);

  Buf cos(Dr / 2), sin(Dr / 2);
  for (int64_t t = 0; t < T; ++t) {
    rope.angles(pos0 + t, cos.data(), sin.data());
    ref::rope_interleaved(&k_rope[t * Dr], Dr, cos.data(), sin.data());
    for (int64_t h = 0; h < H; ++h) ref::rope_interleaved(&q[(t * H + h) * Dq + Dn], Dr, cos.data(), sin.data());
  }
}

// Naive: materialise per-head keys and values for this step into the cache, then attend.
void attend_naive(float* o, const Buf& q, const Buf& latent, const Buf& k_rope, int64_t T, const AttentionWeights& w,
                  const ModelConfig& c, KvCache* cache, int64_t layer, float scale) {
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim;
  const int64_t Dq = Dn + Dr, pos0 = cache->num_tokens();
  Buf kvb(T * H * (Dn + Dv));
  ref::linear(kvb.data(), latent.data(), w.kv_b_proj, T);
  float* K = cache->keys(layer);    // (P, H, Dq)
  float* V = cache->values(layer);  // (P, H, Dv)
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t h = 0; h < H; ++h) {
      const float* src = &kvb[(t * H + h) * (Dn + Dv)];
      float* k = K + ((pos0 + t) * H + h) * Dq;
      std::memcpy(k, src, Dn * sizeof(float));
      std::memcpy(k + Dn, &k_rope[t * Dr], Dr * sizeof(float));  // one rope key shared by all heads
      std::memcpy(V + ((pos0 + t) * H + h) * Dv, src + Dn, Dv * sizeof(float));
    }
  }
  Buf p(pos0 + T);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t n = pos0 + t + 1;  // causal: positions [0, pos0 + t]
    for (int64_t h = 0; h < H; ++h) {
      const float* qh = &q[(t * H + h) * Dq];
      for (int64_t j = 0; j < n; ++j) {
        const float* k = K + (j * H + h) * Dq;
        double s = 0.0;
        for (int64_t d = 0; d < Dq; ++d) s += static_cast<double>(qh[d]) * k[d];
        p[j] = static_cast<float>(s * scale);
      }
      ref::softmax(p.data(), n);
      float* oh = o + (t * H + h) * Dv;
      for (int64_t d = 0; d < Dv; ++d) {
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j) acc += static_cast<double>(p[j]) * V[(j * H + h) * Dv + d];
        oh[d] = static_cast<float>(acc);
      }
    }
  }
}

// Absorbed: cache only (latent, k_rope); fold W_UK into the query and W_UV into the output.
void attend_absorbed(float* o, const Buf& q, const Buf& latent, const Buf& k_rope, int64_t T,
                     const AttentionWeights& w, const ModelConfig& c, KvCache* cache, int64_t layer, float scale) {
  const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim;
  const int64_t Dq = Dn + Dr, Rkv = c.kv_lora_rank, pos0 = cache->num_tokens();
  float* C = cache->latents(layer);     // (P, Rkv)
  float* KR = cache->rope_keys(layer);  // (P, Dr)
  std::memcpy(C + pos0 * Rkv, latent.data(), T * Rkv * sizeof(float));
  std::memcpy(KR + pos0 * Dr, k_rope.data(), T * Dr * sizeof(float));

  const Buf wkv_b = dequantize(w.kv_b_proj);  // (H*(Dn+Dv), Rkv): head h has W_UK_h (Dn rows), W_UV_h (Dv rows)
  Buf q_lat(Rkv), o_lat(Rkv), p(pos0 + T);
  for (int64_t t = 0; t < T; ++t) {
    const int64_t n = pos0 + t + 1;
    for (int64_t h = 0; h < H; ++h) {
      const float* qh = &q[(t * H + h) * Dq];
      const float* w_uk = &wkv_b[h * (Dn + Dv) * Rkv];  // (Dn, Rkv)
      const float* w_uv = w_uk + Dn * Rkv;               // (Dv, Rkv)
      for (int64_t r = 0; r < Rkv; ++r) {  // q_lat = q_nope · W_UK_h
        double acc = 0.0;
        for (int64_t d = 0; d < Dn; ++d) acc += static_cast<double>(qh[d]) * w_uk[d * Rkv + r];
        q_lat[r] = static_cast<float>(acc);
      }
      for (int64_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (int64_t r = 0; r < Rkv; ++r) s += static_cast<double>(q_lat[r]) * C[j * Rkv + r];
        for (int64_t d = 0; d < Dr; ++d) s += static_cast<double>(qh[Dn + d]) * KR[j * Dr + d];
        p[j] = static_cast<float>(s * scale);
      }
      ref::softmax(p.data(), n);
      for (int64_t r = 0; r < Rkv; ++r) {  // attend in latent space
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j) acc += static_cast<double>(p[j]) * C[j * Rkv + r];
        o_lat[r] = static_cast<float>(acc);
      }
      float* oh = o + (t * H + h) * Dv;
      for (int64_t d = 0; d < Dv; ++d) {  // v = W_UV_h · o_lat
        double acc = 0.0;
        for (int64_t r = 0; r < Rkv; ++r) acc += static_cast<double>(w_uv[d * Rkv + r]) * o_lat[r];
        oh[d] = static_cast<float>(acc);
      }
    }
  }
}

}  // namespace

void mla_forward(float* out, const float* x, int64_t T, const AttentionWeights& w, const ModelConfig& c,
                 const RopeTable& rope, KvCache* cache, int64_t layer) {
  Buf q, latent, k_rope;
  project_qkv(q, latent, k_rope, x, T, w, c, rope, cache->num_tokens());
  const float scale = static_cast<float>(mla_softmax_scale(c));
  Buf o(T * c.num_attention_heads * c.v_head_dim);  // (T, H*Dv)
  if (cache->mode() == AttentionMode::kNaive) {
    attend_naive(o.data(), q, latent, k_rope, T, w, c, cache, layer, scale);
  } else {
    attend_absorbed(o.data(), q, latent, k_rope, T, w, c, cache, layer, scale);
  }
  ref::linear(out, o.data(), w.o_proj, T);
}

}  // namespace seek
