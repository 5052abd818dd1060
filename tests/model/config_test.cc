#include "model/config.h"

#include <gtest/gtest.h>

#include "model/summary.h"
#include "test_util.h"

namespace seek {
namespace {

std::string testdata(const std::string& name) {
  return testing::read_file(testing::source_dir() + "/tests/model/testdata/" + name);
}

Json v3_json() { return Json::parse(testdata("deepseek_v3_config.json")); }

Status parse_status(const Json& j) { return parse_model_config(j.dump(), "config.json").status(); }

void expect_error(const Json& j, std::initializer_list<std::string_view> fragments) {
  Status s = parse_status(j);
  ASSERT_FALSE(s.is_ok()) << "accepted a bad config";
  EXPECT_NE(s.message().find("config.json"), std::string::npos) << s.message();
  for (std::string_view f : fragments) EXPECT_NE(s.message().find(f), std::string::npos) << "missing '" << f << "' in: " << s.message();
}

// The published DeepSeek-V3 config: 671B total, 37B active (V3 report), MTP 11.6B.
TEST(ModelConfig, ParsesDeepSeekV3) {
  Result<ModelConfig> c = parse_model_config(testdata("deepseek_v3_config.json"), "v3");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->model_type, ModelType::kDeepseekV3);
  EXPECT_EQ(c->topk_method, TopkMethod::kNoauxTc);
  EXPECT_EQ(c->scoring_func, ScoringFunc::kSigmoid);
  EXPECT_EQ(c->n_group, 8);
  EXPECT_EQ(c->topk_group, 4);
  EXPECT_EQ(c->q_lora_rank, 1536);
  EXPECT_TRUE(c->rope_scaling.enabled);
  EXPECT_EQ(c->rope_scaling.factor, 40.0);
  EXPECT_TRUE(c->fp8);
  EXPECT_EQ(c->fp8_block_rows, 128);
  EXPECT_EQ(c->num_nextn_predict_layers, 1);
  EXPECT_FALSE(c->is_moe_layer(2));
  EXPECT_TRUE(c->is_moe_layer(3));
  const ParamCounts p = count_params(*c);
  EXPECT_NEAR(p.total / 1e9, 671.03, 0.01);
  EXPECT_NEAR(p.active / 1e9, 37.55, 0.01);
  EXPECT_NEAR(p.mtp / 1e9, 11.61, 0.01);
}

// The published DeepSeek-V2-Lite config: 15.7B total, no q compression, softmax greedy gate.
TEST(ModelConfig, ParsesDeepSeekV2Lite) {
  Result<ModelConfig> c = parse_model_config(testdata("deepseek_v2_lite_config.json"), "v2-lite");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->model_type, ModelType::kDeepseekV2);
  EXPECT_EQ(c->q_lora_rank, 0);  // null
  EXPECT_EQ(c->topk_method, TopkMethod::kGreedy);
  EXPECT_EQ(c->scoring_func, ScoringFunc::kSoftmax);
  EXPECT_FALSE(c->fp8);
  EXPECT_EQ(c->num_nextn_predict_layers, 0);
  EXPECT_DOUBLE_EQ(c->rope_scaling.mscale_all_dim, 0.707);
  const ParamCounts p = count_params(*c);
  EXPECT_NEAR(p.total / 1e9, 15.71, 0.01);
  EXPECT_NEAR(p.active / 1e9, 2.66, 0.01);
}

TEST(ModelConfig, UnknownModelType) {
  Json j = v3_json();
  j["model_type"] = "llama";
  expect_error(j, {"model_type \"llama\" is not supported"});
}

TEST(ModelConfig, MissingRequiredField) {
  Json j = v3_json();
  j.erase("kv_lora_rank");
  expect_error(j, {"required field \"kv_lora_rank\" is missing"});
}

TEST(ModelConfig, WrongFieldType) {
  Json j = v3_json();
  j["hidden_size"] = "7168";
  expect_error(j, {"\"hidden_size\" is \"7168\" (string), expected an integer"});
}

TEST(ModelConfig, OutOfRangeValue) {
  Json j = v3_json();
  j["num_experts_per_tok"] = 300;
  expect_error(j, {"\"num_experts_per_tok\" is 300", "[1, 256]"});
}

// Non-negative JSON integers arrive as unsigned: the lower bound must still apply (a zero
// moe_layer_freq once passed and divided by zero later).
TEST(ModelConfig, ZeroBelowLowerBound) {
  Json j = v3_json();
  j["moe_layer_freq"] = 0;
  expect_error(j, {"\"moe_layer_freq\" is 0", "[1, 1024]"});
}

TEST(ModelConfig, UnsupportedTopkMethod) {
  Json j = v3_json();
  j["topk_method"] = "gready";  // the typo in the V2 config class default; must not be guessed
  expect_error(j, {"topk_method", "\"gready\""});
}

TEST(ModelConfig, UnsupportedScoringFunc) {
  Json j = v3_json();
  j["scoring_func"] = "sparsemax";
  expect_error(j, {"scoring_func", "sparsemax"});
}

TEST(ModelConfig, UnsupportedRopeScaling) {
  Json j = v3_json();
  j["rope_scaling"]["type"] = "dynamic";
  expect_error(j, {"rope scaling \"dynamic\" is not supported"});
}

TEST(ModelConfig, ExpertsNotDivisibleByGroups) {
  Json j = v3_json();
  j["n_group"] = 7;
  expect_error(j, {"n_routed_experts 256 is not divisible by n_group 7"});
}

TEST(ModelConfig, TooManyExpertsForKeptGroups) {
  Json j = v3_json();
  j["n_group"] = 64;
  j["topk_group"] = 1;  // 4 experts survive, 8 are needed
  expect_error(j, {"num_experts_per_tok 8 exceeds"});
}

TEST(ModelConfig, UnsupportedQuantization) {
  Json j = v3_json();
  j["quantization_config"]["quant_method"] = "gptq";
  expect_error(j, {"quant_method", "gptq"});
  j = v3_json();
  j["quantization_config"]["weight_block_size"] = {128};
  expect_error(j, {"weight_block_size"});
}

TEST(ModelConfig, OddRopeDim) {
  Json j = v3_json();
  j["qk_rope_head_dim"] = 63;
  expect_error(j, {"qk_rope_head_dim 63 must be even"});
}

TEST(ModelConfig, UnsupportedActivation) {
  Json j = v3_json();
  j["hidden_act"] = "gelu";
  expect_error(j, {"hidden_act", "gelu"});
}

TEST(ModelConfig, BrokenJson) {
  Result<ModelConfig> c = parse_model_config("{\"model_type\": \"deepseek_v3\",", "config.json");
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("[json] 'config.json'"), std::string::npos) << c.status().message();
}

TEST(ModelConfig, IncompleteConfig) {
  expect_error(Json{{"model_type", "deepseek_v2"}, {"vocab_size", 100}}, {"required field \"hidden_size\""});
}

TEST(ModelConfig, DenseModelNeedsNoMoeFields) {
  Json j = v3_json();
  for (const char* k : {"n_routed_experts", "moe_intermediate_size", "num_experts_per_tok", "topk_method", "n_group",
                        "topk_group", "scoring_func"}) {
    j.erase(k);
  }
  Result<ModelConfig> c = parse_model_config(j.dump(), "config.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_FALSE(c->is_moe_layer(10));
}

}  // namespace
}  // namespace seek
