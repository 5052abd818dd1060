// seek's commands on GGUF files: the commands that run a model take a .gguf file, and a file
// on its own (no tokenizer.json beside it) is a whole model, tokenizer and chat template
// included, as it is for llama.cpp.
#include <filesystem>

#include <gtest/gtest.h>

#include "io/npy.h"
#include "model/tiny_tokenizer.h"
#include "test_util.h"

namespace seek {
namespace {

namespace fs = std::filesystem;

std::string golden_dir(const std::string& name) { return testing::testdata_dir() + "/golden/" + name; }

// The whole command line: quantize, then every command that takes a model takes the file.
TEST(GgufCommand, RunsAQuantizedFile) {
  const std::string dir = testing::make_temp_dir();
  std::string err, out;
  ASSERT_EQ(testing::run_seek({"quantize", golden_dir("v2-tiny"), dir + "/m.gguf", "--type", "q8_0"}, nullptr, &err), 0) << err;
  EXPECT_NE(err.find("note: moe_layer_freq 2: llama.cpp makes every layer"), std::string::npos) << err;
  EXPECT_NE(err.find("no tokenizer.json"), std::string::npos) << err;
  ASSERT_EQ(testing::run_seek({"logits", dir + "/m.gguf", "--tokens", "0,17,42", "--out", dir + "/l.npy"}, nullptr, &err), 0) << err;
  EXPECT_EQ(read_npy(dir + "/l.npy")->shape, (Shape{3, 310}));
  ASSERT_EQ(testing::run_seek({"inspect", dir + "/m.gguf"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("Q8_0"), std::string::npos) << out;
  EXPECT_EQ(testing::run_seek({"quantize", dir + "/m.gguf", dir + "/again.gguf", "--type", "q8_0"}, nullptr, &err), 1);
  EXPECT_NE(err.find("quantize reads a Hugging Face model directory"), std::string::npos) << err;
}

// Greedy text from the file alone equals greedy text from the Hugging Face directory (f32 on
// both sides, so the numerics are the same and only the tokenizer's source differs); the chat
// template comes from the file too.
TEST(GgufCommand, AFileAloneIsAWholeModel) {
  const std::string dir = testing::make_temp_dir();
  testing::copy_dir(golden_dir("v3-tiny"), dir + "/hf");
  testing::write_tiny_tokenizer(dir + "/hf", 300);
  // BOS and EOS in the vocabulary too, as in DeepSeek's files, so that HF's ids for them are
  // the "id"s the GGUF writer reads.
  testing::edit_json_file(dir + "/hf/tokenizer.json", [](Json& j) {
    for (const Json& a : j["added_tokens"]) j["model"]["vocab"][a["content"].get<std::string>()] = a["id"];
  });
  fs::create_directory(dir + "/alone");
  std::string err, from_dir, from_file;
  ASSERT_EQ(testing::run_seek({"quantize", dir + "/hf", dir + "/alone/m.gguf", "--type", "f32"}, nullptr, &err), 0) << err;
  const std::vector<std::string> gen = {"-p", "the tokenizer", "-n", "24", "--temperature", "0", "--ignore-eos"};
  std::vector<std::string> args = {"generate", dir + "/hf", "--quant", "f32"};
  args.insert(args.end(), gen.begin(), gen.end());
  ASSERT_EQ(testing::run_seek(args, &from_dir, &err), 0) << err;
  args = {"generate", dir + "/alone/m.gguf"};
  args.insert(args.end(), gen.begin(), gen.end());
  ASSERT_EQ(testing::run_seek(args, &from_file, &err), 0) << err;
  EXPECT_FALSE(from_file.empty());
  EXPECT_EQ(from_file, from_dir);

  testing::write_file(dir + "/chat.json", R"({"messages": [{"role": "user", "content": "hi"}]})");
  std::string want, got;
  for (const auto& [model, out] : {std::pair{dir + "/hf", &want}, {dir + "/alone/m.gguf", &got}}) {
    ASSERT_EQ(testing::run_seek({"template", model, "--messages", dir + "/chat.json"}, out, &err), 0) << err;
  }
  EXPECT_NE(got.find("<｜begin▁of▁sentence｜><｜User｜>hi"), std::string::npos) << got;
  EXPECT_EQ(got, want);
}

// --split-max-size writes llama.cpp-style parts; any part opens the whole model, which gives the
// logits of the unsplit file.
TEST(GgufCommand, SplitFileRunsFromAnyPart) {
  const std::string dir = testing::make_temp_dir();
  std::string err;
  ASSERT_EQ(testing::run_seek({"quantize", golden_dir("v3-tiny"), dir + "/whole.gguf", "--type", "q8_0"}, nullptr, &err), 0) << err;
  ASSERT_EQ(testing::run_seek({"quantize", golden_dir("v3-tiny"), dir + "/m.gguf", "--type", "q8_0", "--split-max-size", "150K"},
                              nullptr, &err), 0) << err;
  EXPECT_NE(err.find("wrote 3 parts " + dir + "/m-00001-of-00003.gguf .. " + dir + "/m-00003-of-00003.gguf"), std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir + "/m.gguf"));
  const std::vector<float> want = [&] {
    EXPECT_EQ(testing::run_seek({"logits", dir + "/whole.gguf", "--tokens", "0,17,42", "--out", dir + "/want.npy"}, nullptr, &err), 0) << err;
    return read_npy(dir + "/want.npy")->data;
  }();
  for (const char* part : {"/m-00001-of-00003.gguf", "/m-00003-of-00003.gguf"}) {
    ASSERT_EQ(testing::run_seek({"logits", dir + part, "--tokens", "0,17,42", "--out", dir + "/got.npy"}, nullptr, &err), 0) << err;
    EXPECT_EQ(read_npy(dir + "/got.npy")->data, want) << part;
  }
  std::string out;
  ASSERT_EQ(testing::run_seek({"inspect", dir + "/m-00002-of-00003.gguf"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("in 3 file(s)"), std::string::npos) << out;
  fs::remove(dir + "/m-00002-of-00003.gguf");
  EXPECT_EQ(testing::run_seek({"logits", dir + "/m-00001-of-00003.gguf", "--tokens", "0", "--out", dir + "/x.npy"}, nullptr, &err), 1);
  EXPECT_NE(err.find("m-00002-of-00003.gguf': part 2 of the 3 parts"), std::string::npos) << err;
}

}  // namespace
}  // namespace seek
