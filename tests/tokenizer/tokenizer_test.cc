// The tokenizer on a small built-in tokenizer.json: encode/decode contracts, invalid UTF-8,
// options, the streaming decoder, and malformed or unsupported files (each a clear error).
// Agreement with Hugging Face on the real DeepSeek-V3 file is in reference_test.cc.
#include <random>

#include <gtest/gtest.h>

#include "tiny_tokenizer.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace seek {
namespace {

Tokenizer tiny() {
  Result<Tokenizer> t = Tokenizer::from_json_text(testing::tiny_tokenizer_json(), testing::tiny_tokenizer_config(), "tiny");
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return std::move(t).value();
}

std::vector<int32_t> encode(const Tokenizer& t, std::string_view s, EncodeOptions o = {}) {
  Result<std::vector<int32_t>> ids = t.encode(s, o);
  EXPECT_TRUE(ids.is_ok()) << ids.status().to_string();
  return ids.is_ok() ? *ids : std::vector<int32_t>{};
}

std::string decode(const Tokenizer& t, const std::vector<int32_t>& ids, DecodeOptions o = {}) {
  Result<std::string> s = t.decode(ids, o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? *s : "";
}

TEST(Tokenizer, MergesAndSplits) {
  const Tokenizer t = tiny();
  const std::vector<int32_t> ids = encode(t, "Hello the tokenizer 1234");
  // "Hello", " the", " token" + "izer", " ", then "123" "4" (digits split in threes first).
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_EQ(decode(t, {ids[0]}), "Hello");
  EXPECT_EQ(decode(t, {ids[1]}), " the");
  EXPECT_EQ(decode(t, {ids[2]}), " token");
  EXPECT_EQ(decode(t, {ids[3]}), "izer");
  EXPECT_EQ(decode(t, {ids[4]}), " ");
  EXPECT_EQ(decode(t, {ids[5]}), "12");  // "123" is "12" + "3": the merge list has "12" only
  EXPECT_EQ(ids[6], '3');
  EXPECT_EQ(ids[7], '4');
  EXPECT_EQ(t.token_to_id("Hello"), ids[0]);
}

TEST(Tokenizer, SpecialTokensInTextAndOptions) {
  const Tokenizer t = tiny();
  const int32_t user = *t.token_to_id("<｜User｜>");
  std::vector<int32_t> ids = encode(t, "<｜User｜>Hello");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], user);
  ids = encode(t, "<｜User｜>Hello", {.add_special_tokens = true});
  EXPECT_EQ(ids.front(), t.bos_id());  // add_bos_token: true
  ids = encode(t, "<｜begin▁of▁sentence｜>x", {.split_special_tokens = true});
  EXPECT_GT(ids.size(), 2u);  // spelled out as text
  EXPECT_EQ(decode(t, ids), "<｜begin▁of▁sentence｜>x");
  EXPECT_EQ(decode(t, {t.bos_id(), user}, {.skip_special_tokens = true}), "<｜User｜>");  // User is not special
  EXPECT_TRUE(encode(t, "").empty());
  EXPECT_EQ(encode(t, "", {.add_special_tokens = true}), std::vector<int32_t>{t.bos_id()});
}

TEST(Tokenizer, DecodeRejectsIdsThatNameNoToken) {
  const Tokenizer t = tiny();
  const int32_t bad[] = {5, t.id_limit()};
  Result<std::string> s = t.decode(bad);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("ids[1]"), std::string::npos) << s.status().message();
  const int32_t negative[] = {-1};
  EXPECT_FALSE(t.decode(negative).is_ok());
}

// Invalid UTF-8 is encoded byte for byte: the regexes never match an ill-formed byte, so it
// lands in a piece of its own (with any unmatched neighbours) and BPE spells it with byte tokens.
TEST(Tokenizer, InvalidUtf8RoundTripsExactly) {
  const Tokenizer t = tiny();
  const std::string s = "ok\xFF\xFE" "Hello \xE4\xB8 cut \xC0\xAF over\x80long";
  const std::vector<int32_t> ids = encode(t, s);
  EXPECT_EQ(decode(t, ids), s);
  const std::vector<int32_t> ff = encode(t, "\xFF");
  EXPECT_EQ(ff, std::vector<int32_t>{0xFF});  // the byte token itself
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 256);
    EXPECT_EQ(decode(t, encode(t, bytes)), bytes);
  }
}

TEST(StreamDecoder, EmitsOnlyCompleteCharacters) {
  const Tokenizer t = tiny();
  StreamDecoder d(t);
  // 中 = E4 B8 AD, sent one byte token at a time.
  Result<std::string> a = d.push(0xE4), b = d.push(0xB8), c = d.push(0xAD);
  ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok());
  EXPECT_EQ(*a, "");
  EXPECT_EQ(*b, "");
  EXPECT_EQ(*c, "中");
  EXPECT_EQ(d.pending(), 0u);
  ASSERT_TRUE(d.push(0xF0).is_ok());
  EXPECT_EQ(d.pending(), 1u);
  EXPECT_EQ(d.finish(), "\uFFFD");
  EXPECT_FALSE(d.push(-3).is_ok());
}

TEST(StreamDecoder, ConcatenationEqualsLossyDecode) {
  const Tokenizer t = tiny();
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::vector<int32_t> ids(rng() % 20);
    for (int32_t& id : ids) id = static_cast<int32_t>(rng() % t.id_limit());
    StreamDecoder d(t);
    std::string streamed;
    for (int32_t id : ids) streamed += *d.push(id);
    streamed += d.finish();
    EXPECT_EQ(streamed, utf8::sanitize(decode(t, ids)));
    EXPECT_TRUE(utf8::is_valid(streamed));
  }
}

// ---- malformed and unsupported files, each named by its case ----

struct BadCase {
  const char* name;
  std::function<void(Json&)> edit;
  StatusCode code;
  const char* message;  // a fragment the error must contain
};

TEST(Tokenizer, MalformedFilesAreClearErrors) {
  const BadCase cases[] = {
      {"EmptyMerges", [](Json& j) { j["model"]["merges"] = Json::array(); }, StatusCode::kCorruption, "merges is empty"},
      {"MergeOutsideVocab", [](Json& j) { j["model"]["merges"].push_back("zz qq"); }, StatusCode::kCorruption, "not in model.vocab"},
      {"MergeBadSpelling", [](Json& j) { j["model"]["merges"][0] = "a b c"; }, StatusCode::kCorruption, "merges[0]"},
      {"MergeArraySpelling", [](Json& j) { j["model"]["merges"][0] = Json{"a", 7}; }, StatusCode::kCorruption, "merges[0]"},
      {"DuplicateId", [](Json& j) { j["model"]["vocab"]["zzz"] = 3; }, StatusCode::kCorruption, "id 3"},
      {"NegativeId", [](Json& j) { j["model"]["vocab"]["zzz"] = -1; }, StatusCode::kCorruption, "non-negative"},
      {"HugeId", [](Json& j) { j["model"]["vocab"]["zzz"] = 1 << 30; }, StatusCode::kOutOfRange, "limit"},
      {"NotBpe", [](Json& j) { j["model"]["type"] = "WordPiece"; }, StatusCode::kUnsupported, "BPE models only"},
      {"Dropout", [](Json& j) { j["model"]["dropout"] = 0.1; }, StatusCode::kUnsupported, "dropout"},
      {"NoModel", [](Json& j) { j.erase("model"); }, StatusCode::kCorruption, "model is missing"},
      {"VocabNotObject", [](Json& j) { j["model"]["vocab"] = Json::array(); }, StatusCode::kCorruption, "vocab"},
      {"Normalizer", [](Json& j) { j["normalizer"] = {{"type", "NFKC"}}; }, StatusCode::kUnsupported, "NFKC"},
      {"Metaspace", [](Json& j) { j["pre_tokenizer"] = {{"type", "Metaspace"}}; }, StatusCode::kUnsupported, "Metaspace"},
      {"NoByteLevel", [](Json& j) { j["pre_tokenizer"]["pretokenizers"].erase(3); }, StatusCode::kUnsupported, "no ByteLevel"},
      {"BadRegex", [](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(["; }, StatusCode::kCorruption, "does not compile"},
      {"BadBehavior", [](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways"; }, StatusCode::kCorruption, "behavior"},
      {"SplitAfterByteLevel", [](Json& j) { j["pre_tokenizer"]["pretokenizers"].push_back(j["pre_tokenizer"]["pretokenizers"][0]); }, StatusCode::kUnsupported, "follows ByteLevel"},
      {"Decoder", [](Json& j) { j["decoder"] = {{"type", "WordPiece"}}; }, StatusCode::kUnsupported, "decoder"},
      {"AddedEmpty", [](Json& j) { j["added_tokens"][0]["content"] = ""; }, StatusCode::kCorruption, "empty"},
      {"AddedNoId", [](Json& j) { j["added_tokens"][0].erase("id"); }, StatusCode::kCorruption, "added_tokens[0]"},
      {"AddedFlag", [](Json& j) { j["added_tokens"][0]["special"] = "yes"; }, StatusCode::kCorruption, "special"},
      {"Truncation", [](Json& j) { j["truncation"] = {{"max_length", 8}}; }, StatusCode::kUnsupported, "truncat"},
      {"PostProcessor", [](Json& j) { j["post_processor"] = {{"type", "Mystery"}}; }, StatusCode::kUnsupported, "post_processor"},
      {"TemplateUnknownToken", [](Json& j) { j["post_processor"] = {{"type", "TemplateProcessing"}, {"single", {{{"SpecialToken", {{"id", "<x>"}}}}}}}; }, StatusCode::kCorruption, "<x>"},
  };
  for (const BadCase& c : cases) {
    Json j = Json::parse(testing::tiny_tokenizer_json());
    c.edit(j);
    Result<Tokenizer> t = Tokenizer::from_json_text(j.dump(), "", "dir");
    ASSERT_FALSE(t.is_ok()) << c.name;
    EXPECT_EQ(t.status().code(), c.code) << c.name << ": " << t.status().to_string();
    EXPECT_NE(t.status().message().find(c.message), std::string::npos) << c.name << ": " << t.status().message();
    EXPECT_NE(t.status().message().find("dir/tokenizer.json"), std::string::npos) << c.name << ": " << t.status().message();
  }
}

TEST(Tokenizer, MalformedJsonTextIsAClearError) {
  const std::string good = testing::tiny_tokenizer_json();
  for (const std::string& text : {std::string(), std::string("{"), good.substr(0, good.size() / 2), std::string("[1,2]"),
                                  std::string("{\"model\": {}, \"model\": {}}")}) {
    Result<Tokenizer> t = Tokenizer::from_json_text(text, "", "dir");
    ASSERT_FALSE(t.is_ok()) << text.substr(0, 40);
    EXPECT_NE(t.status().message().find("tokenizer.json"), std::string::npos) << t.status().message();
  }
}

TEST(Tokenizer, MalformedConfigIsAClearError) {
  const std::string json = testing::tiny_tokenizer_json();
  const std::pair<const char*, const char*> cases[] = {
      {R"({"add_bos_token": "yes"})", "add_bos_token"},
      {R"({"bos_token": "<nope>"})", "<nope>"},
      {R"({"bos_token": 5})", "bos_token"},
      {R"({"chat_template": 7})", "chat_template"},
      {R"({"chat_template": [{"name": "tool_use", "template": "x"}]})", "default"},
      {R"({"tokenizer_class": "LlamaTokenizerFast"})", "bos_token is not set"},
      {"not json", "tokenizer_config.json"},
  };
  for (const auto& [config, fragment] : cases) {
    Result<Tokenizer> t = Tokenizer::from_json_text(json, config, "dir");
    ASSERT_FALSE(t.is_ok()) << config;
    EXPECT_NE(t.status().message().find(fragment), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find("tokenizer_config.json"), std::string::npos) << t.status().message();
  }
}

TEST(Tokenizer, MissingFilesAreClearErrors) {
  Result<Tokenizer> t = Tokenizer::load("/nonexistent/model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("/nonexistent/model/tokenizer.json"), std::string::npos) << t.status().message();
}

}  // namespace
}  // namespace seek
