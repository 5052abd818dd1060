// seek tokenizer train: the BPE trainer's merges on a case worked by hand, its output loaded
// by seek's Tokenizer (ids, special tokens, BOS policy, chat template), byte-exact round trips
// of arbitrary text, order independence, and errors.
#include <random>

#include <gtest/gtest.h>

#include "test_util.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/tokenizer.h"
#include "train/run_fixture.h"

namespace seek {
namespace {

BpeVocab train(const std::vector<std::string>& texts, BpeTrainerOptions o) {
  Result<BpeTrainer> t = BpeTrainer::create(o);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  for (const std::string& s : texts) EXPECT_TRUE(t->add_text(s).is_ok());
  Result<BpeVocab> v = t->train();
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  return std::move(v).value();
}

Tokenizer load(const BpeVocab& v) {
  Result<Tokenizer> tok = Tokenizer::from_json_text(tokenizer_json(v), tokenizer_config_json(v), "trained");
  EXPECT_TRUE(tok.is_ok()) << tok.status().to_string();
  return std::move(tok).value();
}

TEST(BpeTrainer, MergesTheMostFrequentPairFirstAndTiesBySmallerIds) {
  // "aaabdaaabac": aa occurs 4 times; then ab and (aa)a tie at 2 and ab has the smaller ids;
  // then (aa)(ab) occurs twice.
  BpeTrainerOptions o;
  o.special_tokens = {"<s>", "</s>"};
  o.vocab_size = 2 + 256 + 3;
  const BpeVocab v = train({"aaabdaaabac"}, o);
  ASSERT_EQ(v.tokens.size(), 259u);
  EXPECT_EQ(v.tokens[256], "aa");
  EXPECT_EQ(v.tokens[257], "ab");
  EXPECT_EQ(v.tokens[258], "aaab");
  const std::vector<std::pair<int32_t, int32_t>> merges = {{'a', 'a'}, {'a', 'b'}, {256, 257}};
  EXPECT_EQ(v.merges, merges);

  const Tokenizer tok = load(v);
  EXPECT_EQ(tok.id_limit(), 261);
  const std::vector<int32_t> ids = tok.encode("aaabdaaabac").value();
  const std::vector<int32_t> want = {2 + 258, 2 + 'd', 2 + 258, 2 + 'a', 2 + 'c'};
  EXPECT_EQ(ids, want);
}

TEST(BpeTrainer, SeekLoadsTheFilesWithSpecialTokensBosAndChatTemplate) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/corpus.txt", testing::tiny_corpus(200));
  std::string out, err;
  ASSERT_EQ(testing::run_seek({"tokenizer", "train", dir + "/corpus.txt", "--out", dir + "/tok", "--vocab-size", "320"},
                              &out, &err), 0) << err;
  EXPECT_NE(out.find("320 ids (4 special, 256 bytes, 60 merges)"), std::string::npos) << out;
  Result<Tokenizer> tok = Tokenizer::load(dir + "/tok");
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  EXPECT_EQ(tok->id_limit(), 320);
  EXPECT_EQ(tok->bos_id(), 0);
  EXPECT_EQ(tok->eos_id(), 1);
  EXPECT_TRUE(tok->is_special(2));
  EXPECT_EQ(tok->token_text(3), "<｜Assistant｜>");
  EXPECT_FALSE(tok->config().chat_template.empty());
  // BOS is added as the config asks; special-token text is one token; frequent words are one token.
  const std::vector<int32_t> ids = tok->encode("<｜User｜>The cat", {.add_special_tokens = true}).value();
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[0], 0);
  EXPECT_EQ(ids[1], 2);
  EXPECT_EQ(tok->token_bytes(ids.back()), " cat");
  // The command line tokenizer agrees.
  ASSERT_EQ(testing::run_seek({"tokenize", dir + "/tok", "--text", "the cat", "--no-bos"}, &out, &err), 0) << err;
  const std::vector<int32_t> plain = tok->encode("the cat").value();
  EXPECT_EQ(out, fmt::format("{}\n", fmt::join(plain, ",")));
}

TEST(BpeTrainer, EveryByteStringRoundTrips) {
  const std::vector<std::string> texts = {testing::tiny_corpus(100), "Grüße aus Köln, 東京 2024年 😀😀 naïve café\r\n\ttabs",
                                          "x = f(y) + 12345678; // code\n    return x;"};
  BpeTrainerOptions o;
  o.vocab_size = 500;
  const Tokenizer tok = load(train(texts, o));
  std::mt19937 rng(5);
  std::vector<std::string> inputs = texts;
  for (int i = 0; i < 50; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 256);  // invalid UTF-8 included
    inputs.push_back(bytes);
  }
  for (const std::string& s : inputs) {
    const std::vector<int32_t> ids = tok.encode(s).value();
    EXPECT_EQ(tok.decode(ids).value(), s);
  }
  EXPECT_LT(tok.encode(texts[0]).value().size(), texts[0].size() / 3) << "merges should compress the training text";
}

TEST(BpeTrainer, ResultDoesNotDependOnTheOrderOfTheText) {
  const std::string a = testing::tiny_corpus(80, 1), b = testing::tiny_corpus(80, 2);
  BpeTrainerOptions o;
  o.vocab_size = 400;
  EXPECT_EQ(tokenizer_json(train({a, b}, o)), tokenizer_json(train({b, a}, o)));
}

TEST(BpeTrainer, StopsEarlyWhenNoPairIsFrequentEnough) {
  BpeTrainerOptions o;
  o.vocab_size = 1000;
  o.min_frequency = 2;
  const BpeVocab v = train({"abab xyz"}, o);
  EXPECT_EQ(v.merges.size(), 1u);  // only "ab" occurs twice
  EXPECT_EQ(v.size(), 4 + 256 + 1);
}

TEST(BpeTrainer, BadOptionsAreClearErrors) {
  BpeTrainerOptions o;
  o.vocab_size = 100;
  EXPECT_NE(BpeTrainer::create(o).status().message().find("vocab_size 100 must be in [260"), std::string::npos);
  o = {};
  o.special_tokens = {"<s>", "<s>"};
  EXPECT_NE(BpeTrainer::create(o).status().message().find("'<s>' is given twice"), std::string::npos);
  o.special_tokens = {"<s>"};
  EXPECT_NE(BpeTrainer::create(o).status().message().find("need at least BOS and EOS"), std::string::npos);
  std::string err;
  EXPECT_EQ(testing::run_seek({"tokenizer", "train", "/no/such/file.txt", "--out", testing::make_temp_dir()}, nullptr, &err), 1);
  EXPECT_NE(err.find("'/no/such/file.txt' does not exist"), std::string::npos) << err;
}

}  // namespace
}  // namespace seek
