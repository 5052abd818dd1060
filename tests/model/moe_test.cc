// The MoE gate in each of its variants, on hand-made inputs whose routing is worked out by
// hand. The gate weight is the identity, so the gate logits are the input itself.
#include "model/moe.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace seek {
namespace {

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

struct Gate {
  std::vector<float> eye, bias;
  MoeWeights w;
  ModelConfig c;

  Gate(int64_t E, TopkMethod method, ScoringFunc scoring, int64_t groups, int64_t keep, int64_t k) : eye(E * E, 0.0f), bias(E, 0.0f) {
    for (int64_t e = 0; e < E; ++e) eye[e * E + e] = 1.0f;
    c.hidden_size = E;
    c.n_routed_experts = E;
    c.num_experts_per_tok = k;
    c.topk_method = method;
    c.scoring_func = scoring;
    c.n_group = groups;
    c.topk_group = keep;
    w.gate = Tensor{DType::kF32, {E, E}, reinterpret_cast<const uint8_t*>(eye.data()), {}};
    w.e_score_correction_bias = Tensor{DType::kF32, {E}, reinterpret_cast<const uint8_t*>(bias.data()), {}};
  }
  void route(const std::vector<float>& x, std::vector<int32_t>* experts, std::vector<float>* weights) const {
    const int64_t K = c.num_experts_per_tok;
    experts->resize(K);
    weights->resize(K);
    moe_route(experts->data(), weights->data(), x.data(), 1, w, c);
  }
};

TEST(MoeGate, NoauxTcBiasSteersSelectionButNotWeights) {
  Gate g(4, TopkMethod::kNoauxTc, ScoringFunc::kSigmoid, /*groups=*/2, /*keep=*/1, /*k=*/2);
  g.c.model_type = ModelType::kDeepseekV3;
  g.c.norm_topk_prob = true;
  g.c.routed_scaling_factor = 2.5;
  const std::vector<float> x = {2.0f, 1.9f, 0.0f, 3.0f};
  std::vector<int32_t> experts;
  std::vector<float> weights;

  // Unbiased: group {0,1} scores s0+s1 = 1.751 > s2+s3 = 1.453, so experts 0 and 1.
  g.route(x, &experts, &weights);
  EXPECT_EQ(experts, (std::vector<int32_t>{0, 1}));
  const double s0 = sigmoid(2.0), s1 = sigmoid(1.9), s2 = sigmoid(0.0), s3 = sigmoid(3.0);
  EXPECT_NEAR(weights[0], s0 / (s0 + s1) * 2.5, 1e-6);

  // A bias of +0.5 on group {2,3} makes it win (2.453); weights still come from s.
  g.bias = {0, 0, 0.5f, 0.5f};
  g.route(x, &experts, &weights);
  EXPECT_EQ(experts, (std::vector<int32_t>{3, 2}));
  EXPECT_NEAR(weights[0], s3 / (s2 + s3) * 2.5, 1e-6);
  EXPECT_NEAR(weights[1], s2 / (s2 + s3) * 2.5, 1e-6);
}

TEST(MoeGate, SoftmaxGreedyUsesRawProbabilities) {
  Gate g(4, TopkMethod::kGreedy, ScoringFunc::kSoftmax, 1, 1, 2);
  g.c.model_type = ModelType::kDeepseekV2;
  g.c.routed_scaling_factor = 1.0;
  const std::vector<float> x = {0.0f, 1.0f, 3.0f, 2.0f};
  std::vector<int32_t> experts;
  std::vector<float> weights;
  g.route(x, &experts, &weights);
  EXPECT_EQ(experts, (std::vector<int32_t>{2, 3}));
  const double z = 1 + std::exp(1.0) + std::exp(3.0) + std::exp(2.0);
  EXPECT_NEAR(weights[0], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(weights[1], std::exp(2.0) / z, 1e-6);
}

TEST(MoeGate, GroupLimitedGreedyRanksGroupsByMax) {
  // Groups {0,1}, {2,3}, {4,5}; keep 1. Group maxima 0.9, 0.8, 2.0 -> only experts 4, 5.
  Gate g(6, TopkMethod::kGroupLimitedGreedy, ScoringFunc::kSoftmax, 3, 1, 2);
  g.c.model_type = ModelType::kDeepseekV2;
  const std::vector<float> x = {0.9f, 0.85f, 0.8f, 0.79f, 2.0f, -5.0f};
  std::vector<int32_t> experts;
  std::vector<float> weights;
  g.route(x, &experts, &weights);
  EXPECT_EQ(experts, (std::vector<int32_t>{4, 5}));
}

// DeepSeek-V2's reference gate skips routed_scaling_factor when it normalises; V3's does not.
TEST(MoeGate, ScalingAfterNormalisationDependsOnModelType) {
  for (ModelType type : {ModelType::kDeepseekV2, ModelType::kDeepseekV3}) {
    Gate g(4, TopkMethod::kGreedy, ScoringFunc::kSoftmax, 1, 1, 2);
    g.c.model_type = type;
    g.c.norm_topk_prob = true;
    g.c.routed_scaling_factor = 2.0;
    std::vector<int32_t> experts;
    std::vector<float> weights;
    g.route({1.0f, 0.0f, 0.5f, 0.2f}, &experts, &weights);
    EXPECT_NEAR(weights[0] + weights[1], type == ModelType::kDeepseekV3 ? 2.0 : 1.0, 1e-6);
  }
}

TEST(MoeGate, TiesGoToTheLowerExpert) {
  Gate g(4, TopkMethod::kGreedy, ScoringFunc::kSigmoid, 1, 1, 1);
  std::vector<int32_t> experts;
  std::vector<float> weights;
  g.route({0.5f, 1.0f, 1.0f, 0.0f}, &experts, &weights);
  EXPECT_EQ(experts, (std::vector<int32_t>{1}));
}

}  // namespace
}  // namespace seek
