#include "infer/cost.h"

#include <gtest/gtest.h>

#include "infer/engine.h"
#include "model/synthetic.h"

namespace seek {
namespace {

struct Counted {
  std::unique_ptr<Engine> engine;
  TokenCost cost;
};

Counted count(std::string_view shape) {
  Result<Model> m = make_synthetic_model(shape, DType::kF32);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  Result<std::unique_ptr<Engine>> e =
      Engine::create(std::make_shared<const Model>(std::move(m).value()), EngineOptions{QuantScheme::kAsStored, 1});
  EXPECT_TRUE(e.is_ok()) << e.status().to_string();
  Counted out{std::move(e).value(), {}};
  out.cost = token_cost(out.engine->weights(), out.engine->config());
  return out;
}

// The count from the prepared weights equals the one written out from the config's shapes.
TEST(Cost, CountsEveryActiveMatrixOfAToken) {
  const Counted t = count("tiny");
  const ModelConfig& c = t.engine->config();
  const int64_t D = c.hidden_size, H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim;
  const int64_t Dv = c.v_head_dim, Rq = c.q_lora_rank, Rkv = c.kv_lora_rank, F = c.moe_intermediate_size;
  const int64_t attention = Rq * D + H * (Dn + Dr) * Rq + (Rkv + Dr) * D + H * (Dn + Dv) * Rkv + D * H * Dv;
  const int64_t dense = 3 * c.intermediate_size * D;
  const int64_t moe = c.n_routed_experts * D + (c.num_experts_per_tok + c.n_shared_experts) * 3 * F * D;
  const int64_t dense_layers = c.first_k_dense_replace, moe_layers = c.num_hidden_layers - dense_layers;
  EXPECT_EQ(t.cost.head_macs, c.vocab_size * D);
  EXPECT_EQ(t.cost.macs, c.vocab_size * D + c.num_hidden_layers * attention + dense_layers * dense + moe_layers * moe);
}

TEST(Cost, AttentionCountsTheFormTheEngineRuns) {
  const Counted t = count("tiny");
  const ModelConfig& c = t.engine->config();
  const int64_t L = c.num_hidden_layers, H = c.num_attention_heads;
  EXPECT_EQ(attention_macs(c, 10, true), L * H * 10 * (2 * c.kv_lora_rank + c.qk_rope_head_dim));
  EXPECT_EQ(attention_macs(c, 10, false), L * H * 10 * (c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim));
}

// A one-token prompt costs what decoding a token does; a longer one pays the head once per
// step and each position's causal attention.
TEST(Cost, PrefillPaysTheHeadOncePerStep) {
  const Counted t = count("tiny");
  const ModelConfig& c = t.engine->config();
  const TokenCost& k = t.cost;
  EXPECT_DOUBLE_EQ(prefill_macs(k, c, 1, 512, 8), static_cast<double>(k.macs + attention_macs(c, 1, true)));
  double attention = 0;
  for (int64_t p = 1; p <= 20; ++p) attention += static_cast<double>(attention_macs(c, p, false));
  EXPECT_DOUBLE_EQ(prefill_macs(k, c, 20, 10, 8), 20.0 * (k.macs - k.head_macs) + 2.0 * k.head_macs + attention);
  // Steps of at most absorb_max_tokens run absorbed attention.
  attention = 0;
  for (int64_t p = 1; p <= 6; ++p) attention += static_cast<double>(attention_macs(c, p, true));
  EXPECT_DOUBLE_EQ(prefill_macs(k, c, 6, 4, 8), 6.0 * (k.macs - k.head_macs) + 2.0 * k.head_macs + attention);
}

}  // namespace
}  // namespace seek
