// ChatTemplate: renders a conversation into a prompt with the model's Jinja chat template
// (tokenizer_config.json's "chat_template"), the way transformers' apply_chat_template does.
// The supported Jinja subset is listed in docs/tokenizer.md; anything outside it is an error
// that names the construct and its line, never a silent difference.
//
// Thread safety: a parsed ChatTemplate is immutable; render may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "tokenizer/jinja_interpreter.h"
#include "tokenizer/jinja_value.h"

namespace seek {

class Tokenizer;

class ChatTemplate {
 public:
  // Parses template text; `source` names it in messages (e.g. the model directory).
  static Result<ChatTemplate> parse(std::string_view text, std::string source = "chat_template");

  // Renders with `variables` as the template's globals (messages, add_generation_prompt,
  // bos_token, tools, ...), on top of range/namespace/dict/raise_exception/strftime_now.
  Result<std::string> render(jinja::Dict variables, const jinja::RenderLimits& limits = {}) const;

 private:
  std::shared_ptr<const struct ChatTemplateTree> tree_;
  std::string source_;
};

// The variables transformers passes for one request: the tokenizer's special tokens
// (bos_token, eos_token, unk_token, pad_token), then `request` (a JSON array of messages, or an
// object with "messages" and any other variables such as "tools"), then
// add_generation_prompt when `add_generation_prompt` is true.
Result<jinja::Dict> chat_variables(const Tokenizer& tokenizer, const nlohmann::ordered_json& request,
                                   bool add_generation_prompt);

// Reads a request file (see chat_variables) keeping key order; `path` names it in messages.
Result<nlohmann::ordered_json> read_chat_request(const std::string& path);

}  // namespace seek
