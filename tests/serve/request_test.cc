// Request parsing: every field's type and range, defaults, the unsupported features that are
// refused, and the error's param naming the field at fault.
#include "serve/request.h"

#include <gtest/gtest.h>

namespace seek::serve {
namespace {

Json parse(const std::string& text) {
  Result<Json> j = parse_json(text, "test");
  EXPECT_TRUE(j.is_ok()) << j.status().to_string();
  return j.is_ok() ? *j : Json();
}

// The param of the error parse_chat_request gives for `body`, or "ok".
std::string chat_error(const std::string& body) {
  ChatRequest r;
  std::optional<ApiError> e = parse_chat_request(parse(body), GenerateOptions{}, &r);
  if (!e) return "ok";
  EXPECT_EQ(e->status, 400) << body;
  EXPECT_FALSE(e->message.empty());
  return e->param.empty() ? "(none)" : e->param;
}

constexpr const char* kMsgs = R"("messages": [{"role": "user", "content": "hi"}])";

std::string with(const std::string& fields) { return std::string("{") + kMsgs + (fields.empty() ? "" : ", " + fields) + "}"; }

TEST(RequestTest, MinimalChatTakesTheDefaults) {
  GenerateOptions d;
  d.max_tokens = 77;
  d.sampling.temperature = 0.3f;
  ChatRequest r;
  ASSERT_FALSE(parse_chat_request(parse(with("")), d, &r));
  EXPECT_EQ(r.gen.options.max_tokens, 77);
  EXPECT_FALSE(r.gen.max_tokens_given);
  EXPECT_FLOAT_EQ(r.gen.options.sampling.temperature, 0.3f);
  EXPECT_FALSE(r.gen.stream);
  EXPECT_FALSE(r.gen.seed_given);
  EXPECT_EQ(r.messages.dump(), R"([{"role":"user","content":"hi"}])");
}

TEST(RequestTest, EveryFieldIsRead) {
  ChatRequest r;
  ASSERT_FALSE(parse_chat_request(
      parse(with(R"("model": "m", "max_tokens": 5, "temperature": 1.5, "top_p": 0.5, "top_k": 7, "min_p": 0.1,
                    "presence_penalty": 1, "frequency_penalty": -1, "seed": -3, "stop": ["a", "bc"], "stream": true,
                    "stream_options": {"include_usage": true}, "n": 1, "logprobs": false, "tools": [], "user": "x")")),
      GenerateOptions{}, &r));
  EXPECT_EQ(r.gen.model, "m");
  EXPECT_EQ(r.gen.options.max_tokens, 5);
  EXPECT_TRUE(r.gen.max_tokens_given);
  EXPECT_FLOAT_EQ(r.gen.options.sampling.temperature, 1.5f);
  EXPECT_FLOAT_EQ(r.gen.options.sampling.top_p, 0.5f);
  EXPECT_EQ(r.gen.options.sampling.top_k, 7);
  EXPECT_FLOAT_EQ(r.gen.options.sampling.min_p, 0.1f);
  EXPECT_EQ(r.gen.options.sampling.seed, static_cast<uint64_t>(-3));
  EXPECT_TRUE(r.gen.seed_given);
  EXPECT_EQ(r.gen.options.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(r.gen.stream);
  EXPECT_TRUE(r.gen.include_usage);
}

TEST(RequestTest, NullMeansDefault) {
  EXPECT_EQ(chat_error(with(R"("stop": null, "stream_options": null, "tools": null, "temperature": null, "seed": null)")), "ok");
}

TEST(RequestTest, MaxCompletionTokensIsMaxTokens) {
  ChatRequest r;
  ASSERT_FALSE(parse_chat_request(parse(with(R"("max_completion_tokens": 9)")), GenerateOptions{}, &r));
  EXPECT_EQ(r.gen.options.max_tokens, 9);
}

TEST(RequestTest, ContentPartsAreJoinedAndDeveloperIsSystem) {
  ChatRequest r;
  ASSERT_FALSE(parse_chat_request(parse(R"({"messages": [{"role": "developer", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null, "reasoning_content": "dropped"}]})"), GenerateOptions{}, &r));
  EXPECT_EQ(r.messages.dump(),
            R"([{"role":"system","content":"be brief"},{"role":"user","content":"ab"},{"role":"assistant","content":""}])");
}

TEST(RequestTest, MalformedMessages) {
  EXPECT_EQ(chat_error(R"({})"), "messages");
  EXPECT_EQ(chat_error(R"({"messages": []})"), "messages");
  EXPECT_EQ(chat_error(R"({"messages": "hi"})"), "messages");
  EXPECT_EQ(chat_error(R"({"messages": [1]})"), "messages[0]");
  EXPECT_EQ(chat_error(R"({"messages": [{"content": "hi"}]})"), "messages[0].role");
  EXPECT_EQ(chat_error(R"({"messages": [{"role": "wizard", "content": "hi"}]})"), "messages[0].role");
  EXPECT_EQ(chat_error(R"({"messages": [{"role": "user"}]})"), "messages[0].content");
  EXPECT_EQ(chat_error(R"({"messages": [{"role": "user", "content": 5}]})"), "messages[0].content");
  EXPECT_EQ(chat_error(R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})"), "messages[0].content");
  EXPECT_EQ(chat_error(R"([1, 2])"), "(none)");
}

TEST(RequestTest, WrongTypesAndRanges) {
  EXPECT_EQ(chat_error(with(R"("max_tokens": 0)")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": -5)")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": 1.5)")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": "10")")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": 1e300)")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": 18446744073709551615)")), "max_tokens");
  EXPECT_EQ(chat_error(with(R"("max_tokens": 10.0)")), "ok");
  EXPECT_EQ(chat_error(with(R"("temperature": 2.5)")), "temperature");
  EXPECT_EQ(chat_error(with(R"("temperature": true)")), "temperature");
  EXPECT_EQ(chat_error(with(R"("top_p": 0)")), "top_p");
  EXPECT_EQ(chat_error(with(R"("top_p": 1.01)")), "top_p");
  EXPECT_EQ(chat_error(with(R"("presence_penalty": 3)")), "presence_penalty");
  EXPECT_EQ(chat_error(with(R"("seed": 1.5)")), "seed");
  EXPECT_EQ(chat_error(with(R"("seed": 1e19)")), "seed");
  EXPECT_EQ(chat_error(with(R"("stream": "yes")")), "stream");
  EXPECT_EQ(chat_error(with(R"("model": 4)")), "model");
  EXPECT_EQ(chat_error(with(R"("stop": 4)")), "stop");
  EXPECT_EQ(chat_error(with(R"("stop": [""])")), "stop");
  EXPECT_EQ(chat_error(with(R"("stop": ["a", 1])")), "stop");
  EXPECT_EQ(chat_error(with(R"("stop": ["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17"])")), "stop");
  EXPECT_EQ(chat_error(with(R"("stream_options": {"include_usage": true})")), "stream_options");
  EXPECT_EQ(chat_error(with(R"("stream": true, "stream_options": {"include_usage": 1})")), "stream_options.include_usage");
  EXPECT_EQ(chat_error(with(R"("chat_template_kwargs": [])")), "chat_template_kwargs");
}

TEST(RequestTest, UnsupportedFeaturesAreRefused) {
  EXPECT_EQ(chat_error(with(R"("n": 2)")), "n");
  EXPECT_EQ(chat_error(with(R"("logprobs": true)")), "logprobs");
  EXPECT_EQ(chat_error(with(R"("top_logprobs": 3)")), "top_logprobs");
  EXPECT_EQ(chat_error(with(R"("tools": [{"type": "function"}])")), "tools");
  EXPECT_EQ(chat_error(with(R"("tool_choice": "required")")), "tool_choice");
  EXPECT_EQ(chat_error(with(R"("response_format": {"type": "json_object"})")), "response_format");
  EXPECT_EQ(chat_error(with(R"("response_format": {"type": "text"})")), "ok");
  EXPECT_EQ(chat_error(with(R"("logit_bias": {"5": 10})")), "logit_bias");
}

TEST(RequestTest, TemplateKwargsCannotReplaceTheMessages) {
  ChatRequest r;
  ASSERT_FALSE(parse_chat_request(parse(with(R"("chat_template_kwargs": {"thinking": true, "messages": []})")), GenerateOptions{}, &r));
  EXPECT_EQ(r.template_kwargs.dump(), R"({"thinking":true})");
}

TEST(RequestTest, CompletionPrompts) {
  CompletionRequest r;
  ASSERT_FALSE(parse_completion_request(parse(R"({"prompt": "abc"})"), GenerateOptions{}, &r));
  EXPECT_EQ(*r.prompt, "abc");
  CompletionRequest one;
  ASSERT_FALSE(parse_completion_request(parse(R"({"prompt": ["abc"]})"), GenerateOptions{}, &one));
  EXPECT_EQ(*one.prompt, "abc");
  CompletionRequest ids;
  ASSERT_FALSE(parse_completion_request(parse(R"({"prompt": [1, 2, 3]})"), GenerateOptions{}, &ids));
  EXPECT_FALSE(ids.prompt);
  EXPECT_EQ(ids.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
  for (const char* bad : {R"({})", R"({"prompt": 5})", R"({"prompt": []})", R"({"prompt": [1, -2]})",
                          R"({"prompt": [1, 3000000000]})", R"({"prompt": ["a", "b"]})", R"({"prompt": "a", "echo": true})",
                          R"({"prompt": "a", "suffix": "b"})"}) {
    CompletionRequest c;
    std::optional<ApiError> e = parse_completion_request(parse(bad), GenerateOptions{}, &c);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->status, 400);
  }
}

TEST(RequestTest, TokenizeAndDetokenize) {
  TokenizeRequest t;
  ASSERT_FALSE(parse_tokenize_request(parse(R"({"content": "hi", "with_pieces": true})"), &t));
  EXPECT_EQ(t.content, "hi");
  EXPECT_FALSE(t.add_special);
  EXPECT_TRUE(t.with_pieces);
  TokenizeRequest v;
  ASSERT_FALSE(parse_tokenize_request(parse(R"({"prompt": "hi"})"), &v));
  EXPECT_TRUE(v.add_special) << "vLLM's default";
  EXPECT_TRUE(parse_tokenize_request(parse(R"({"content": 1})"), &t));
  EXPECT_TRUE(parse_tokenize_request(parse(R"({})"), &t));
  DetokenizeRequest d;
  ASSERT_FALSE(parse_detokenize_request(parse(R"({"tokens": [5, 6]})"), &d));
  EXPECT_EQ(d.tokens, (std::vector<int32_t>{5, 6}));
  EXPECT_TRUE(parse_detokenize_request(parse(R"({"tokens": [5, "6"]})"), &d));
  EXPECT_TRUE(parse_detokenize_request(parse(R"({"tokens": 5})"), &d));
}

}  // namespace
}  // namespace seek::serve
