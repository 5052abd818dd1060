// Parser for the Jinja subset of chat templates: turns lexer tokens into a syntax tree.
// Statements: if/elif/else, for (with else, `if` filter, tuple targets), set (name, ns.attr,
// tuples, block set), macro, filter blocks, break/continue, raw, and transformers'
// generation blocks. Anything else, e.g. include or extends, is an error naming it.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_ast.h"
#include "tokenizer/jinja_lexer.h"

namespace seek::jinja {

// Parses a whole template; the root is a kBody node. `source` names it in messages.
Result<std::unique_ptr<Node>> parse(const std::vector<Token>& tokens, std::string_view source);

}  // namespace seek::jinja
