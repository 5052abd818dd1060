#include "train/flops.h"

namespace seek {
namespace {

// One decoder layer over T tokens (decoder index `layer` decides dense or MoE).
double layer_macs(const ModelConfig& c, int64_t layer, int64_t T) {
  const double D = c.hidden_size, H = c.num_attention_heads, Dq = c.q_head_dim(), Dv = c.v_head_dim;
  const double Rq = c.q_lora_rank, Rkv = c.kv_lora_rank, Dr = c.qk_rope_head_dim, Dn = c.qk_nope_head_dim;
  double per_token = Rq > 0 ? D * Rq + Rq * H * Dq : D * H * Dq;
  per_token += D * (Rkv + Dr) + Rkv * H * (Dn + Dv) + H * Dv * D;
  if (c.is_moe_layer(layer)) {
    const double F = c.moe_intermediate_size;
    per_token += D * c.n_routed_experts + 3 * D * F * (c.num_experts_per_tok + c.n_shared_experts);
  } else {
    per_token += 3 * D * c.intermediate_size;
  }
  // Causal attention: query t sees t + 1 keys, for scores (Dq) and the weighted values (Dv).
  const double pairs = static_cast<double>(T) * (T + 1) / 2;
  return T * per_token + pairs * H * (Dq + Dv);
}

}  // namespace

double forward_macs_per_sequence(const ModelConfig& c, int64_t T) {
  const double D = c.hidden_size, V = c.vocab_size;
  double macs = 0;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) macs += layer_macs(c, l, T);
  macs += T * D * V;  // lm_head
  for (int64_t k = 1; k <= c.num_nextn_predict_layers; ++k) {
    const int64_t Tk = T - k;
    macs += Tk * 2 * D * D + layer_macs(c, c.num_hidden_layers + k - 1, Tk) + Tk * D * V;
  }
  return macs;
}

double train_flops_per_step(const ModelConfig& c, int64_t B, int64_t T) {
  return 3.0 * 2.0 * B * forward_macs_per_sequence(c, T);
}

}  // namespace seek
