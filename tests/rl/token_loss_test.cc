// The per-token loss seam RL and SFT train through (train/token_loss.h): the softmax/entropy
// kernel and its weighted backward by finite differences, the whole network's weighted loss by
// finite differences, and the trainer's weighted step against its ordinary step.
#include <cmath>

#include <gtest/gtest.h>

#include "model/config.h"
#include "train/grad_check.h"
#include "train/network.h"
#include "train/token_loss.h"
#include "train/trainer.h"

namespace seek {
namespace {

using testing::check_gradient;
using testing::GradCheck;
using testing::random_floats;

const char* kTiny = R"({"model_type":"deepseek_v3","vocab_size":40,"hidden_size":16,"intermediate_size":24,
  "moe_intermediate_size":8,"num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":8,"kv_lora_rank":6,
  "qk_nope_head_dim":4,"qk_rope_head_dim":4,"v_head_dim":4,"n_routed_experts":4,"n_shared_experts":1,
  "num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":1,"topk_group":1,"topk_method":"noaux_tc","scoring_func":"sigmoid",
  "norm_topk_prob":true,"routed_scaling_factor":2.5,"rms_norm_eps":1e-6,"num_nextn_predict_layers":NEXTN})";

ModelConfig tiny(int mtp) {
  std::string j = kTiny;
  j.replace(j.find("NEXTN"), 5, std::to_string(mtp));
  return parse_model_config(j, "tiny").value();
}

TEST(TokenLoss, SoftmaxEntropyAndWeightedBackward) {
  const int64_t N = 5, V = 13;
  std::vector<float> z = random_floats(N * V, 1, 2.0f), w = random_floats(N, 2);
  const std::vector<int32_t> targets = {0, 12, 3, 3, 7};
  std::vector<float> probs = z, logp(N), ent(N);
  train::token_softmax(probs.data(), logp.data(), ent.data(), targets.data(), N, V, nullptr);
  for (int64_t n = 0; n < N; ++n) {
    double max = -INFINITY, sum = 0, h = 0;
    for (int64_t v = 0; v < V; ++v) max = std::max<double>(max, z[n * V + v]);
    for (int64_t v = 0; v < V; ++v) sum += std::exp(z[n * V + v] - max);
    for (int64_t v = 0; v < V; ++v) {
      const double p = std::exp(z[n * V + v] - max) / sum;
      h -= p * std::log(p);
      EXPECT_NEAR(probs[n * V + v], p, 1e-6);
    }
    EXPECT_NEAR(logp[n], z[n * V + targets[n]] - max - std::log(sum), 1e-5);
    EXPECT_NEAR(ent[n], h, 1e-5);
  }
  auto loss = [&] {
    std::vector<float> p = z, lp(N), e(N);
    train::token_softmax(p.data(), lp.data(), e.data(), targets.data(), N, V, nullptr);
    double l = 0;
    for (int64_t n = 0; n < N; ++n) l -= static_cast<double>(w[n]) * lp[n];
    return l;
  };
  train::weighted_nll_backward(probs.data(), w.data(), targets.data(), N, V, nullptr);
  check_gradient("weighted nll dlogits", z.data(), probs.data(), N * V, loss);
}

TEST(TokenLoss, WholeNetworkWeightedLossGradient) {
  const ModelConfig c = tiny(1);
  ParamStore p = ParamStore::create(c).value();
  p.init_random(3, 0.3);
  const int64_t B = 2, T = 6;
  ThreadPool pool(1);
  train::Network net(c, B, T, &pool);
  std::vector<int32_t> tokens(B * (T + 1));
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 11 + 5) % c.vocab_size);
  // Fixed weights, some zero (a prompt), some negative (a negative advantage).
  const std::vector<float> weights = random_floats(B * T, 4);
  std::vector<int64_t> rows_seen;
  const TokenWeigher weigh = [&](const TokenView& v) {
    rows_seen.push_back(v.row);
    for (int64_t n = 0; n < v.rows * v.T; ++n) v.weight[n] = n % 5 == 0 ? 0.0f : weights[n];
  };
  train::LossOptions lo{0.3, 0.0};
  lo.weigh = &weigh;
  lo.first_row = 7;
  std::vector<int64_t> load(2 * c.n_routed_experts);
  Result<train::LossStats> base = net.run(tokens, &p, lo, 1.0, load.data());
  ASSERT_TRUE(base.is_ok()) << base.status().to_string();
  EXPECT_EQ(rows_seen, std::vector<int64_t>{7});
  EXPECT_TRUE(base->mtp_loss.empty());  // MTP modules do not run under a weighted loss
  auto loss = [&] { return net.run(tokens, &p, lo, 0.0, load.data())->loss; };
  GradCheck opt;
  opt.h = 3e-3;
  opt.max_checks = 3;
  opt.tol = 1e-2;
  for (const ParamTensor& t : p.tensors()) {
    if (!t.trainable) continue;
    check_gradient("weighted " + t.name, p.values() + t.offset, p.grads() + t.offset, t.numel, loss, opt);
  }
}

// A weighted step with w = 1 / (B*T) everywhere is the ordinary mean cross-entropy step (no
// MTP, no balance loss): same losses, same weights after AdamW, with two data-parallel
// replicas and two micro-batches.
TEST(TokenLoss, UniformWeightedStepEqualsOrdinaryStep) {
  const ModelConfig c = tiny(0);
  TrainOptions o;
  o.batch_size = 4, o.seq_len = 5, o.grad_accum_steps = 2, o.balance_alpha = 0.0, o.schedule.warmup_steps = 1;
  ThreadPool pool(2);
  std::unique_ptr<Trainer> a = Trainer::create(c, o, &pool).value(), b = Trainer::create(c, o, &pool).value();
  ASSERT_EQ(a->num_replicas(), 2);
  std::vector<int32_t> tokens(a->tokens_per_step());
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 7 + 3) % c.vocab_size);
  const float w = 1.0f / (o.grad_accum_steps * o.batch_size * o.seq_len);
  std::vector<int> rows_seen(o.grad_accum_steps * o.batch_size, 0);
  const TokenWeigher uniform = [&](const TokenView& v) {
    for (int64_t r = 0; r < v.rows; ++r) rows_seen[v.row + r]++;
    std::fill(v.weight.begin(), v.weight.end(), w);
  };
  const StepStats sa = a->step(tokens).value();
  const StepStats sb = b->step_weighted(tokens, uniform).value();
  for (int seen : rows_seen) EXPECT_EQ(seen, 1);  // every row exactly once, numbered across replicas
  EXPECT_NEAR(sa.loss.main_loss, sb.loss.main_loss, 1e-5);
  EXPECT_NEAR(sa.grad_norm, sb.grad_norm, 1e-5 * sa.grad_norm);
  for (int64_t i = 0; i < a->params().size(); ++i) ASSERT_NEAR(a->params().values()[i], b->params().values()[i], 1e-6) << i;

  // token_logprobs: the mean of -logp is the evaluated cross-entropy; another parameter array
  // (the pre-step weights of a fresh trainer) gives other values.
  std::vector<float> logp(tokens.size() / (o.seq_len + 1) * o.seq_len), ent(logp.size()), logp0(logp.size());
  ASSERT_TRUE(a->token_logprobs(tokens, logp, ent).is_ok());
  double nll = 0;
  for (float x : logp) nll -= x;
  EXPECT_NEAR(nll / logp.size(), a->evaluate(tokens)->main_loss, 1e-5);
  std::unique_ptr<Trainer> fresh = Trainer::create(c, o, &pool).value();
  ASSERT_TRUE(a->token_logprobs(tokens, logp0, ent, fresh->params().values()).is_ok());
  std::vector<float> direct(logp.size());
  ASSERT_TRUE(fresh->token_logprobs(tokens, direct, ent).is_ok());
  EXPECT_EQ(logp0, direct);
  EXPECT_NE(logp0, logp);
  // Bad shapes are errors, not crashes.
  EXPECT_FALSE(a->token_logprobs(std::span(tokens).first(7), logp, ent).is_ok());
  EXPECT_FALSE(a->token_logprobs(tokens, std::span(logp).first(3), ent).is_ok());
}

}  // namespace
}  // namespace seek
