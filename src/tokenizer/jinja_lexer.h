// Lexer for the Jinja subset of chat templates. It applies Jinja's source rules the way
// transformers configures them: newlines normalized to "\n", one trailing newline dropped
// (keep_trailing_newline=False), `-` and `+` whitespace control, trim_blocks and lstrip_blocks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace seek::jinja {

struct Token {
  enum class Kind { kText, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof };
  Kind kind;
  std::string text;  // the text, the name, the decoded string literal, the number or the operator
  int line = 1;
};

// `source` names the template in messages.
Result<std::vector<Token>> lex(std::string_view template_text, std::string_view source);

}  // namespace seek::jinja
