#include "infer/cost.h"

#include <algorithm>

namespace seek {
namespace {

int64_t bytes(const Tensor& t) { return t.data ? static_cast<int64_t>(t.nbytes()) : 0; }
int64_t macs(const Tensor& t) { return t.data ? t.numel() : 0; }
int64_t bytes(const PreparedMlp& m) { return bytes(m.gate) + bytes(m.up) + bytes(m.down); }
int64_t macs(const PreparedMlp& m) { return macs(m.gate) + macs(m.up) + macs(m.down); }

}  // namespace

TokenCost token_cost(const PreparedWeights& w, const ModelConfig& c) {
  TokenCost cost;
  const int64_t D = c.hidden_size, K = c.num_experts_per_tok;
  cost.weight_bytes = dtype_bytes(w.embed.dtype, D) + bytes(w.lm_head);  // one embedding row
  cost.macs = cost.head_macs = macs(w.lm_head);
  for (const PreparedLayer& l : w.layers) {
    // Decode reads the per-head splits of kv_b_proj, not kv_b_proj itself.
    for (const Tensor* t : {&l.q_proj, &l.q_a_proj, &l.q_b_proj, &l.kv_a_proj, &l.wk_b_t, &l.wv_b, &l.o_proj}) {
      cost.weight_bytes += bytes(*t);
      cost.macs += macs(*t);
    }
    if (!l.is_moe) {
      cost.weight_bytes += bytes(l.mlp);
      cost.macs += macs(l.mlp);
      continue;
    }
    cost.weight_bytes += static_cast<int64_t>(l.router.size() * sizeof(float)) + K * bytes(l.experts[0]);
    cost.macs += static_cast<int64_t>(l.router.size()) + K * macs(l.experts[0]);
    if (l.has_shared) {
      cost.weight_bytes += bytes(l.shared);
      cost.macs += macs(l.shared);
    }
  }
  return cost;
}

int64_t attention_macs(const ModelConfig& c, int64_t context, bool absorbed) {
  const int64_t per_position = absorbed ? 2 * c.kv_lora_rank + c.qk_rope_head_dim
                                        : c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim;
  return c.num_hidden_layers * c.num_attention_heads * context * per_position;
}

double prefill_macs(const TokenCost& cost, const ModelConfig& c, int64_t prompt, int64_t step, int64_t absorb_max_tokens) {
  double total = 0;
  for (int64_t i = 0; i < prompt; i += step) {
    const int64_t T = std::min(step, prompt - i);
    total += static_cast<double>(cost.macs - cost.head_macs) * T + static_cast<double>(cost.head_macs);
    for (int64_t p = i; p < i + T; ++p) total += static_cast<double>(attention_macs(c, p + 1, T <= absorb_max_tokens));
  }
  return total;
}

}  // namespace seek
