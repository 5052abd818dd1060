#include "train/mla.h"

#include <cstring>

#include "model/rope.h"
#include "train/attention.h"
#include "train/linear.h"
#include "train/parallel.h"
#include "train/params.h"

namespace seek::train {

void mla_forward(float* out, MlaActs* a, const MlaScratch& s, const float* x, const AttentionWeights& w,
                 const ModelConfig& c, const RopeCache& rope, MlaShape shape, ThreadPool* pool) {
  const int64_t N = shape.B * shape.T, T = shape.T, D = c.hidden_size, H = c.num_attention_heads;
  const int64_t Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim, Dq = Dn + Dr;
  const int64_t Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;
  const float eps = static_cast<float>(c.rms_norm_eps);

  if (Rq == 0) {
    linear_forward(a->q, x, f32(w.q_proj), N, D, H * Dq, pool);
  } else {
    linear_forward(a->qa, x, f32(w.q_a_proj), N, D, Rq, pool);
    rmsnorm_forward(a->qn, a->qa_rstd, a->qa, f32(w.q_a_layernorm), N, Rq, eps, pool);
    linear_forward(a->q, a->qn, f32(w.q_b_proj), N, Rq, H * Dq, pool);
  }
  rope_forward(a->q + Dn, N, T, H, H * Dq, Dq, rope);

  linear_forward(s.kva, x, f32(w.kv_a_proj_with_mqa), N, D, Rkv + Dr, pool);
  rope_forward(s.kva + Rkv, N, T, 1, Rkv + Dr, 0, rope);
  for (int64_t n = 0; n < N; ++n) std::memcpy(a->c + n * Rkv, s.kva + n * (Rkv + Dr), Rkv * sizeof(float));
  rmsnorm_forward(a->cn, a->c_rstd, a->c, f32(w.kv_a_layernorm), N, Rkv, eps, pool);
  linear_forward(s.kvb, a->cn, f32(w.kv_b_proj), N, Rkv, H * (Dn + Dv), pool);
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      for (int64_t h = 0; h < H; ++h) {
        const float* src = s.kvb + (n * H + h) * (Dn + Dv);
        std::memcpy(a->k + (n * H + h) * Dq, src, Dn * sizeof(float));
        std::memcpy(a->k + (n * H + h) * Dq + Dn, s.kva + n * (Rkv + Dr) + Rkv, Dr * sizeof(float));
        std::memcpy(a->v + (n * H + h) * Dv, src + Dn, Dv * sizeof(float));
      }
    }
  }, H * (Dq + Dv));

  const float scale = static_cast<float>(mla_softmax_scale(c));
  attention_forward(a->o, a->probs, a->q, a->k, a->v, shape.B, T, H, Dq, Dv, scale, pool);
  linear_forward(out, a->o, f32(w.o_proj), N, H * Dv, D, pool);
}

void mla_backward(float* dx, const AttentionWeights& dw, const MlaScratch& s, const float* dout, const MlaActs& a,
                  const float* x, const AttentionWeights& w, const ModelConfig& c, const RopeCache& rope,
                  MlaShape shape, ThreadPool* pool) {
  const int64_t N = shape.B * shape.T, T = shape.T, D = c.hidden_size, H = c.num_attention_heads;
  const int64_t Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim, Dv = c.v_head_dim, Dq = Dn + Dr;
  const int64_t Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;

  linear_backward(s.dattn, f32_mut(dw.o_proj), dout, a.o, f32(w.o_proj), N, H * Dv, D, false, pool);
  const float scale = static_cast<float>(mla_softmax_scale(c));
  attention_backward(s.dq, s.dk, s.dv, s.attn, s.dattn, a.probs, a.q, a.k, a.v, shape.B, T, H, Dq, Dv, scale, pool);

  // Split dk back into kv_b's per-head [k_nope | v] rows and the shared rope key (summed over heads).
  float* dkvb = s.kvb;
  float* dkva = s.kva;
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      float* dkr = dkva + n * (Rkv + Dr) + Rkv;
      std::memset(dkr, 0, Dr * sizeof(float));
      for (int64_t h = 0; h < H; ++h) {
        const float* dkh = s.dk + (n * H + h) * Dq;
        std::memcpy(dkvb + (n * H + h) * (Dn + Dv), dkh, Dn * sizeof(float));
        std::memcpy(dkvb + (n * H + h) * (Dn + Dv) + Dn, s.dv + (n * H + h) * Dv, Dv * sizeof(float));
        for (int64_t d = 0; d < Dr; ++d) dkr[d] += dkh[Dn + d];
      }
    }
  }, H * (Dq + Dv));
  rope_backward(dkva + Rkv, N, T, 1, Rkv + Dr, 0, rope);

  // Latent path: kv_b_proj, then kv_a_layernorm, into the first Rkv columns of dkva.
  linear_backward(s.dc, f32_mut(dw.kv_b_proj), dkvb, a.cn, f32(w.kv_b_proj), N, Rkv, H * (Dn + Dv), false, pool);
  std::memset(s.dc2, 0, N * Rkv * sizeof(float));
  rmsnorm_backward(s.dc2, f32_mut(dw.kv_a_layernorm), s.norm, s.dc, a.c, a.c_rstd, f32(w.kv_a_layernorm), N, Rkv, pool);
  for (int64_t n = 0; n < N; ++n) std::memcpy(dkva + n * (Rkv + Dr), s.dc2 + n * Rkv, Rkv * sizeof(float));
  linear_backward(dx, f32_mut(dw.kv_a_proj_with_mqa), dkva, x, f32(w.kv_a_proj_with_mqa), N, D, Rkv + Dr, false, pool);

  // Query path.
  rope_backward(s.dq + Dn, N, T, H, H * Dq, Dq, rope);
  if (Rq == 0) {
    linear_backward(dx, f32_mut(dw.q_proj), s.dq, x, f32(w.q_proj), N, D, H * Dq, true, pool);
    return;
  }
  linear_backward(s.dqa, f32_mut(dw.q_b_proj), s.dq, a.qn, f32(w.q_b_proj), N, Rq, H * Dq, false, pool);
  std::memset(s.dqa2, 0, N * Rq * sizeof(float));
  rmsnorm_backward(s.dqa2, f32_mut(dw.q_a_layernorm), s.norm, s.dqa, a.qa, a.qa_rstd, f32(w.q_a_layernorm), N, Rq, pool);
  linear_backward(dx, f32_mut(dw.q_a_proj), s.dqa2, x, f32(w.q_a_proj), N, D, Rq, true, pool);
}

}  // namespace seek::train
