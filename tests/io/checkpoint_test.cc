// Multi-file checkpoints: the index and the shards must agree. Uses the sharded FP8 tiny model
// from tools/ref (3 shards + model.safetensors.index.json), copied and then damaged.
#include "io/checkpoint.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "test_util.h"

namespace seek {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir() + "/model";
    testing::copy_dir(testing::testdata_dir() + "/golden/v3-tiny-fp8", dir_);
  }
  std::string index() const { return dir_ + "/model.safetensors.index.json"; }
  void expect_error(std::initializer_list<std::string_view> fragments) {
    Result<Checkpoint> c = Checkpoint::open(dir_);
    ASSERT_FALSE(c.is_ok()) << "opened a damaged checkpoint";
    for (std::string_view f : fragments) {
      EXPECT_NE(c.status().message().find(f), std::string::npos) << "missing '" << f << "' in: " << c.status().message();
    }
  }
  std::string dir_;
};

TEST_F(CheckpointTest, OpensShardedCheckpoint) {
  Result<Checkpoint> c = Checkpoint::open(dir_);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->files().size(), 3u);
  const CheckpointTensor* t = c->find("model.embed_tokens.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->tensor.shape, (Shape{300, 64}));
  EXPECT_EQ(c->find("no.such.tensor"), nullptr);
}

TEST_F(CheckpointTest, MissingShard) {
  fs::remove(dir_ + "/model-00002-of-00003.safetensors");
  expect_error({"shard 'model-00002-of-00003.safetensors'", "is missing"});
}

TEST_F(CheckpointTest, IndexNamesWrongShard) {
  testing::edit_json_file(index(), [](Json& j) {
    std::string& shard = j["weight_map"]["model.norm.weight"].get_ref<std::string&>();
    shard = shard == "model-00001-of-00003.safetensors" ? "model-00002-of-00003.safetensors" : "model-00001-of-00003.safetensors";
  });
  expect_error({"tensor 'model.norm.weight' is mapped to"});
}

TEST_F(CheckpointTest, TensorMissingFromIndex) {
  testing::edit_json_file(index(), [](Json& j) { j["weight_map"].erase("model.norm.weight"); });
  expect_error({"tensor 'model.norm.weight'", "not listed in the index"});
}

TEST_F(CheckpointTest, IndexNamesTensorNotInShard) {
  testing::edit_json_file(index(), [](Json& j) { j["weight_map"]["model.ghost.weight"] = "model-00001-of-00003.safetensors"; });
  expect_error({"tensor 'model.ghost.weight' is mapped to 'model-00001-of-00003.safetensors'", "not in it"});
}

TEST_F(CheckpointTest, DuplicateTensorAcrossShards) {
  // Rename a tensor in shard 3 to one stored in shard 1 (same shape is irrelevant here).
  Result<Checkpoint> c = Checkpoint::open(dir_);
  ASSERT_TRUE(c.is_ok());
  std::string in_first, in_last;
  for (const auto& [name, t] : c->tensors()) {
    if (c->file_name(t) == "model-00001-of-00003.safetensors" && in_first.empty()) in_first = name;
    if (c->file_name(t) == "model-00003-of-00003.safetensors" && in_last.empty()) in_last = name;
  }
  testing::edit_safetensors_header(dir_ + "/model-00003-of-00003.safetensors", [&](Json& h) {
    h[in_first] = h[in_last];
    h.erase(in_last);
  });
  expect_error({"duplicate tensor '" + in_first + "'"});
}

TEST_F(CheckpointTest, ShardNameMayNotLeaveTheDirectory) {
  testing::edit_json_file(index(), [](Json& j) { j["weight_map"]["model.norm.weight"] = "../x.safetensors"; });
  expect_error({"weight_map[\"model.norm.weight\"]", "expected a file name"});
}

TEST_F(CheckpointTest, BrokenIndexJson) {
  testing::write_file(index(), "{\"weight_map\": {\"a\": ");
  expect_error({"model.safetensors.index.json", "[json]"});
}

TEST_F(CheckpointTest, NoWeightFiles) {
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().extension() != ".json") fs::remove(e.path());
  }
  fs::remove(index());
  expect_error({"neither model.safetensors nor model.safetensors.index.json"});
}

TEST_F(CheckpointTest, TruncatedShard) {
  const std::string shard = dir_ + "/model-00001-of-00003.safetensors";
  const std::string bytes = testing::read_file(shard);
  testing::write_file(shard, bytes.substr(0, bytes.size() - 100));
  expect_error({"model-00001-of-00003.safetensors", "truncated"});
}

}  // namespace
}  // namespace seek
