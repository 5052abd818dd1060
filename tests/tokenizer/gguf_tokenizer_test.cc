// The tokenizer rebuilt from a GGUF file's tokenizer.ggml.* metadata encodes, decodes and
// renders exactly as the tokenizer.json the metadata was written from (io/gguf_vocab.h), for
// both pre-tokenizers; bad metadata is a clear error. The same check on DeepSeek-V3's real
// vocabulary and the whole reference corpus is in reference_test.cc.
#include <filesystem>

#include <gtest/gtest.h>

#include "io/gguf_vocab.h"
#include "test_util.h"
#include "tiny_tokenizer.h"
#include "tokenizer/gguf_tokenizer.h"

namespace seek {
namespace {

const std::vector<std::string>& texts() {
  static const std::vector<std::string> v = {
      "Hello world", " the tokenizer 1234567 中文 x<think>y", "\n\n  x\r\n\t end  ", "1212 and 3.14159",
      "<｜begin▁of▁sentence｜><｜User｜>12+34=<｜Assistant｜>", std::string("bad \xff\xfe utf8 \xe4\xb8"), "",
  };
  return v;
}

// A directory holding the tiny tokenizer.json + tokenizer_config.json.
std::string tiny_dir(const std::string& tokenizer_json = testing::tiny_tokenizer_json()) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/tokenizer.json", tokenizer_json);
  testing::write_file(dir + "/tokenizer_config.json", testing::tiny_tokenizer_config());
  return dir;
}

// The tokenizer metadata of `dir` (`vocab_size` ids) in a GGUF file, with `edit` applied.
std::string vocab_gguf(const std::string& dir, int64_t vocab_size, const std::string& pre = "",
                       const std::function<void(GgufWriter&)>& edit = {}) {
  GgufWriter w;
  Result<VocabExport> v = add_vocab_metadata(dir, vocab_size, pre, &w);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  if (edit) edit(w);
  const std::string path = dir + "/vocab.gguf";
  EXPECT_TRUE(w.write(path).is_ok());
  return path;
}

Tokenizer load(const std::string& path) {
  Result<Tokenizer> t = load_model_tokenizer(path);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return std::move(t).value();
}

void expect_same(const Tokenizer& want, const Tokenizer& got) {
  for (const std::string& text : texts()) {
    for (const bool specials : {false, true}) {
      const Result<std::vector<int32_t>> a = want.encode(text, {.add_special_tokens = specials});
      const Result<std::vector<int32_t>> b = got.encode(text, {.add_special_tokens = specials});
      ASSERT_TRUE(a.is_ok() && b.is_ok()) << text;
      EXPECT_EQ(*a, *b) << "\"" << text << "\" add_special_tokens " << specials;
      EXPECT_EQ(*want.decode(*a), *got.decode(*b)) << text;
    }
  }
  EXPECT_EQ(want.bos_id(), got.bos_id());
  EXPECT_EQ(want.eos_id(), got.eos_id());
  EXPECT_EQ(want.config().chat_template, got.config().chat_template);
}

TEST(GgufTokenizer, EncodesDecodesAndRendersLikeItsTokenizerJson) {
  const std::string dir = tiny_dir();
  const Tokenizer json = load(dir);
  const int64_t ids = json.id_limit() + 7;  // padded, as config.json's vocab_size usually is
  const Tokenizer gguf = load(vocab_gguf(dir, ids));
  expect_same(json, gguf);
  EXPECT_EQ(gguf.id_limit(), ids);
  EXPECT_EQ(*gguf.token_to_id("<think>"), *json.token_to_id("<think>"));
  EXPECT_TRUE(gguf.is_special(*gguf.token_to_id("<｜end▁of▁sentence｜>")));
  EXPECT_FALSE(gguf.is_special(*gguf.token_to_id("<think>")));  // user-defined, not control
  const std::vector<int32_t> last = {static_cast<int32_t>(ids - 1)};
  EXPECT_EQ(*gguf.decode(last), fmt::format("[PAD{}]", ids - 1));
}

TEST(GgufTokenizer, DeepSeekLlmPreTokenizer) {
  // The same vocabulary under DeepSeek-LLM's (V2's) splits: digits are not cut in threes.
  Json j = *parse_json(testing::tiny_tokenizer_json(), "tiny");
  Json& steps = j["pre_tokenizer"]["pretokenizers"];
  steps.erase(steps.begin(), steps.end() - 1);  // keep ByteLevel
  const std::vector<std::string>& splits = *llama_pre_splits("deepseek-llm");
  for (auto it = splits.rbegin(); it != splits.rend(); ++it) {
    const Json split = {{"type", "Split"}, {"pattern", {{"Regex", *it}}}, {"behavior", "Isolated"}, {"invert", false}};
    steps.insert(steps.begin(), split);
  }
  const std::string dir = tiny_dir(j.dump());
  const Tokenizer json = load(dir);
  const Tokenizer gguf = load(vocab_gguf(dir, json.id_limit()));  // recognised as DeepSeek-LLM's
  EXPECT_EQ(*GgufFile::open(dir + "/vocab.gguf")->get_string("tokenizer.ggml.pre"), "deepseek-llm");
  expect_same(json, gguf);
  // The letters NFC would change (and so put ranges out of order) keep their code points.
  for (const char* letter : {"\u1F7D", "\u1FBE", "\u1FD3", "\u1FDB", "\u2126", "\u212A"}) {
    EXPECT_NE(splits[1].find(letter), std::string::npos) << letter;
  }
  const Tokenizer v3 = load(vocab_gguf(tiny_dir(), json.id_limit()));
  EXPECT_EQ(gguf.encode("1212")->size(), 2u);  // "12" "12"
  EXPECT_EQ(v3.encode("1212")->size(), 3u);    // "121" -> "12" "1", then "2"
}

// An added token spelled like a vocabulary token takes that token's id in HF, whatever its "id"
// says; the GGUF vocabulary keeps one id per text, so the file reads back.
TEST(GgufTokenizer, AddedTokenSpelledLikeAVocabularyToken) {
  Json j = *parse_json(testing::tiny_tokenizer_json(), "tiny");
  const int64_t the = j["model"]["vocab"]["Ġthe"].get<int64_t>();
  j["added_tokens"].push_back({{"id", 7}, {"content", "Ġthe"}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                               {"normalized", false}, {"special", false}});
  const std::string dir = tiny_dir(j.dump());
  const Tokenizer json = load(dir);
  const Tokenizer gguf = load(vocab_gguf(dir, json.id_limit()));
  EXPECT_EQ(*gguf.token_to_id("Ġthe"), the);
  EXPECT_EQ(*gguf.decode(std::vector<int32_t>{7}), *json.decode(std::vector<int32_t>{7}));
  expect_same(json, gguf);
}

// A split model's tokenizer comes from its first part, whichever part is named.
TEST(GgufTokenizer, SplitModelReadsTheFirstPart) {
  const std::string dir = tiny_dir();
  GgufWriter w;
  ASSERT_TRUE(add_vocab_metadata(dir, 300, "", &w).is_ok());
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(w.add_tensor(name, DType::kF32, {64}, [](uint8_t* out) { return std::fill_n(out, 256, 0), Status::ok(); }).is_ok());
  }
  Result<std::vector<std::string>> parts = w.write_split(dir + "/m", 256);
  ASSERT_TRUE(parts.is_ok()) << parts.status().to_string();
  ASSERT_EQ(parts->size(), 3u);
  std::filesystem::remove((*parts)[1]);  // the tokenizer needs the metadata only
  expect_same(load(dir), load((*parts)[2]));
}

TEST(GgufTokenizer, PlaceholderVocabularyRoundTripsText) {
  GgufWriter w;
  ASSERT_TRUE(add_placeholder_vocab_metadata(400, &w).is_ok());
  const std::string path = testing::make_temp_dir() + "/p.gguf";
  ASSERT_TRUE(w.write(path).is_ok());
  const Tokenizer t = load(path);
  for (const std::string& text : texts()) EXPECT_EQ(*t.decode(*t.encode(text)), text);
  EXPECT_EQ(*t.encode("ab"), (std::vector<int32_t>{259}));  // 258 = "aa", 259 = "ab"
  EXPECT_EQ(*t.encode("x", {.add_special_tokens = true}), (std::vector<int32_t>{0, 2 + 'x'}));
  EXPECT_EQ(t.eos_id(), 1);
}

// A GGUF file without tokenizer keys takes tokenizer.json from its directory.
TEST(GgufTokenizer, FileWithoutVocabularyUsesTheTokenizerBesideIt) {
  const std::string dir = tiny_dir();
  GgufWriter w;
  w.set("general.architecture", gguf_string("deepseek2"));
  ASSERT_TRUE(w.write(dir + "/bare.gguf").is_ok());
  expect_same(load(dir), load(dir + "/bare.gguf"));
  const std::string alone = testing::make_temp_dir() + "/bare.gguf";
  ASSERT_TRUE(w.write(alone).is_ok());
  EXPECT_NE(load_model_tokenizer(alone).status().message().find("tokenizer.json"), std::string::npos);
}

void expect_error(const std::function<void(GgufWriter&)>& edit, const std::string& message) {
  const Result<Tokenizer> t = load_model_tokenizer(vocab_gguf(tiny_dir(), 300, "", edit));
  ASSERT_FALSE(t.is_ok()) << message;
  EXPECT_NE(t.status().message().find(message), std::string::npos) << t.status().to_string();
  EXPECT_NE(t.status().message().find("vocab.gguf"), std::string::npos) << t.status().to_string();
}

TEST(GgufTokenizer, BadMetadataIsAClearError) {
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.model", gguf_string("llama")); },
               "tokenizer.ggml.model is \"llama\"; seek reads byte-level BPE (\"gpt2\") vocabularies only");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.pre", gguf_string("qwen2")); },
               "tokenizer.ggml.pre is \"qwen2\"; seek implements \"deepseek-v3\" and \"deepseek-llm\"");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.token_type", gguf_i32_array({1, 1, 3})); },
               "tokenizer.ggml.token_type has 3 entries, tokenizer.ggml.tokens 300");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.bos_token_id", gguf_u32(300)); },
               "tokenizer.ggml.bos_token_id is 300, past the 300 tokens");
  expect_error([](GgufWriter& w) { w.set("tokenizer.chat_template", gguf_string("{{ bos_token }}\xff")); },
               "tokenizer.chat_template is not valid UTF-8");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.merges", gguf_string_array({"a b", "\xa0 c"})); },
               "tokenizer.ggml.merges[1] is not valid UTF-8");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.merges", gguf_u32(3)); },
               "tokenizer.ggml.merges");
  expect_error([](GgufWriter& w) { w.set("tokenizer.ggml.merges", gguf_string_array({"Ġ zz"})); }, "zz");
  expect_error(
      [](GgufWriter& w) {
        std::vector<std::string> tokens(300);
        for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = fmt::format("t{}", i);
        tokens[299] = "t7";
        w.set("tokenizer.ggml.tokens", gguf_string_array(tokens));
      },
      "tokens 7 and 299 are both \"t7\"");
}

}  // namespace
}  // namespace seek
