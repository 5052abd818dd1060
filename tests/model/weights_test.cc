// Binding checkpoint tensors to the weights config.json implies. Each test damages a copy of
// a tiny generated model one way and expects Model::load to name file, tensor, expected and actual.
#include "model/weights.h"

#include <gtest/gtest.h>

#include "model/model.h"
#include "test_util.h"

namespace seek {
namespace {

class WeightsTest : public ::testing::Test {
 protected:
  std::string copy(const std::string& name) {
    dir_ = testing::make_temp_dir() + "/" + name;
    testing::copy_dir(testing::testdata_dir() + "/golden/" + name, dir_);
    return dir_;
  }
  void expect_error(std::initializer_list<std::string_view> fragments) {
    Result<Model> m = Model::load(dir_);
    ASSERT_FALSE(m.is_ok()) << "loaded a damaged model";
    for (std::string_view f : fragments) {
      EXPECT_NE(m.status().message().find(f), std::string::npos) << "missing '" << f << "' in: " << m.status().message();
    }
  }
  std::string dir_;
};

TEST_F(WeightsTest, BindsEveryTinyModel) {
  for (const char* name : {"v3-tiny", "v3-tiny-fp8", "v2-lite-tiny", "v2-tiny"}) {
    Result<Model> m = Model::load(testing::testdata_dir() + "/golden/" + name);
    ASSERT_TRUE(m.is_ok()) << name << ": " << m.status().to_string();
    EXPECT_NE(m->weights.lm_head.data, nullptr) << name;
  }
}

TEST_F(WeightsTest, MtpModuleIsLoaded) {
  Result<Model> m = Model::load(testing::testdata_dir() + "/golden/v3-tiny");
  ASSERT_TRUE(m.is_ok());
  ASSERT_EQ(m->weights.mtp.size(), 1u);
  EXPECT_EQ(m->weights.mtp[0].eh_proj.shape, (Shape{64, 128}));
  EXPECT_TRUE(m->weights.mtp[0].layer.is_moe);
  EXPECT_EQ(m->weights.mtp[0].layer.moe.experts.size(), 8u);
}

TEST_F(WeightsTest, TiedEmbeddingsShareTheHead) {
  Result<Model> m = Model::load(testing::testdata_dir() + "/golden/v2-tiny");
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->weights.lm_head.data, m->weights.embed_tokens.data);
}

TEST_F(WeightsTest, MissingTensor) {
  copy("v2-lite-tiny");
  testing::edit_safetensors_header(dir_ + "/model.safetensors", [](Json& h) {
    // Renamed, so the bytes still tile the file and only the expected name is gone.
    h["model.layers.1.mlp.renamed.weight"] = h["model.layers.1.mlp.gate.weight"];
    h.erase("model.layers.1.mlp.gate.weight");
  });
  expect_error({"missing tensor 'model.layers.1.mlp.gate.weight'", "expected shape (8, 64)"});
}

TEST_F(WeightsTest, WrongShape) {
  copy("v2-lite-tiny");
  testing::edit_safetensors_header(dir_ + "/model.safetensors", [](Json& h) {
    h["model.layers.0.self_attn.kv_a_proj_with_mqa.weight"]["shape"] = {64, 40};  // same bytes, transposed
  });
  expect_error({"model.safetensors", "tensor 'model.layers.0.self_attn.kv_a_proj_with_mqa.weight'",
                "has shape (64, 40), expected (40, 64)"});
}

TEST_F(WeightsTest, UnexpectedTensor) {
  copy("v2-lite-tiny");
  testing::edit_json_file(dir_ + "/config.json", [](Json& c) { c["num_hidden_layers"] = 2; });
  expect_error({"unexpected tensor 'model.layers.2.", "num_hidden_layers"});
}

TEST_F(WeightsTest, NonFloatDtype) {
  copy("v2-lite-tiny");
  testing::edit_safetensors_header(dir_ + "/model.safetensors", [](Json& h) {
    h["model.norm.weight"]["dtype"] = "I16";  // same size as BF16
  });
  expect_error({"tensor 'model.norm.weight' has dtype I16", "expected one of F32, F16, BF16, F8_E4M3"});
}

TEST_F(WeightsTest, Fp8WithoutScales) {
  copy("v3-tiny-fp8");
  const std::string scale = "model.layers.0.mlp.up_proj.weight_scale_inv";
  Json index = Json::parse(testing::read_file(dir_ + "/model.safetensors.index.json"));
  const std::string shard = index["weight_map"][scale];
  testing::edit_safetensors_header(dir_ + "/" + shard, [&](Json& h) {
    h["model.layers.0.mlp.stray_scale"] = h[scale];
    h.erase(scale);
  });
  testing::edit_json_file(dir_ + "/model.safetensors.index.json", [&](Json& j) {
    j["weight_map"].erase(scale);
    j["weight_map"]["model.layers.0.mlp.stray_scale"] = shard;
  });
  expect_error({"tensor 'model.layers.0.mlp.up_proj.weight' is F8_E4M3", "'" + scale + "' are missing"});
}

TEST_F(WeightsTest, Fp8ScaleWrongShape) {
  copy("v3-tiny-fp8");
  const std::string scale = "model.layers.0.mlp.up_proj.weight_scale_inv";  // (160, 64) -> (2, 1) blocks
  Json index = Json::parse(testing::read_file(dir_ + "/model.safetensors.index.json"));
  testing::edit_safetensors_header(dir_ + "/" + index["weight_map"][scale].get<std::string>(),
                                   [&](Json& h) { h[scale]["shape"] = {1, 2}; });
  expect_error({"tensor '" + scale + "' has shape (1, 2), expected (2, 1)"});
}

TEST_F(WeightsTest, Fp8WithoutQuantizationConfig) {
  copy("v3-tiny-fp8");
  testing::edit_json_file(dir_ + "/config.json", [](Json& c) { c.erase("quantization_config"); });
  expect_error({"is F8_E4M3 but config.json has no fp8 quantization_config"});
}

TEST_F(WeightsTest, MissingConfig) {
  copy("v2-tiny");
  std::remove((dir_ + "/config.json").c_str());
  expect_error({"config.json", "no such file"});
}

}  // namespace
}  // namespace seek
