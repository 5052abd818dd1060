// TokenizerConfig: the parts of transformers' tokenizer_config.json that change ids or prompts
// (BOS/EOS policy, special token strings, the chat template). Everything else is ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace seek {

struct TokenizerConfig {
  std::optional<bool> add_bos_token;  // absent: the class default (true for LlamaTokenizerFast)
  std::optional<bool> add_eos_token;
  std::string bos_token, eos_token, unk_token, pad_token;  // token text, "" if unset
  std::string tokenizer_class;
  // The chat template: the config's "chat_template" (a string, or the entry named "default"
  // of a list of named templates), replaced by chat_template.jinja when that file exists.
  std::string chat_template;

  // True when add_bos_token/add_eos_token decide BOS/EOS (transformers' LlamaTokenizerFast,
  // DeepSeek's class, reads them; other classes leave it to the tokenizer.json post-processor).
  bool decides_bos_eos() const;
  bool wants_bos() const;
  bool wants_eos() const { return add_eos_token.value_or(false); }
};

// Parses tokenizer_config.json text; `where` names the file in messages. Empty text gives the
// default config.
Result<TokenizerConfig> parse_tokenizer_config(std::string_view text, std::string_view where);

}  // namespace seek
