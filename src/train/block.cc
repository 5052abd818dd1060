#include "train/block.h"

#include "train/ops.h"
#include "train/params.h"

namespace seek::train {

double layer_forward(float* out, LayerActs* a, int64_t* load, const LayerScratch& s, const float* x,
                     const LayerWeights& w,
                     const ModelConfig& c, const RopeCache& rope, LayerShape shape, ThreadPool* pool) {
  const int64_t N = shape.B * shape.T, D = c.hidden_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  rmsnorm_forward(a->xn1, a->rstd1, x, f32(w.input_layernorm), N, D, eps, pool);
  mla_forward(a->h, &a->attn, s.mla, a->xn1, w.self_attn, c, rope, {shape.B, shape.T}, pool);
  add_inplace(a->h, x, N * D, pool);
  rmsnorm_forward(a->xn2, a->rstd2, a->h, f32(w.post_attention_layernorm), N, D, eps, pool);
  double balance = 0;
  if (w.is_moe) {
    balance = moe_forward(out, &a->moe, load, a->xn2, w.moe, c, shape.B, shape.T, shape.alpha, pool);
  } else {
    mlp_forward(out, &a->mlp, a->xn2, w.mlp, N, pool);
  }
  add_inplace(out, a->h, N * D, pool);
  return balance;
}

void layer_backward(float* dres, const LayerWeights& dw, const LayerScratch& s, const LayerActs& a, const float* x,
                    const LayerWeights& w, const ModelConfig& c, const RopeCache& rope, LayerShape shape,
                    ThreadPool* pool) {
  const int64_t N = shape.B * shape.T;
  if (w.is_moe) {
    moe_backward(s.dxn, dw.moe, s.moe, dres, a.moe, a.xn2, w.moe, c, shape.B, shape.T, shape.alpha, shape.dbalance, pool);
  } else {
    mlp_backward(s.dxn, dw.mlp, s.mlp, dres, a.mlp, a.xn2, w.mlp, N, false, pool);
  }
  rmsnorm_backward(dres, f32_mut(dw.post_attention_layernorm), s.norm, s.dxn, a.h, a.rstd2,
                   f32(w.post_attention_layernorm), N, c.hidden_size, pool);
  mla_backward(s.dxn, dw.self_attn, s.mla, dres, a.attn, a.xn1, w.self_attn, c, rope, {shape.B, shape.T}, pool);
  rmsnorm_backward(dres, f32_mut(dw.input_layernorm), s.norm, s.dxn, x, a.rstd1, f32(w.input_layernorm), N,
                   c.hidden_size, pool);
}

}  // namespace seek::train
