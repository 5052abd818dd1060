#include "tokenizer/chat_template.h"

#include "base/mmap_file.h"
#include "io/json.h"
#include "tokenizer/jinja_builtins.h"
#include "tokenizer/jinja_lexer.h"
#include "tokenizer/jinja_parser.h"
#include "tokenizer/tokenizer.h"

namespace seek {

struct ChatTemplateTree {
  std::unique_ptr<jinja::Node> root;
};

Result<ChatTemplate> ChatTemplate::parse(std::string_view text, std::string source) {
  SEEK_ASSIGN_OR_RETURN(std::vector<jinja::Token> tokens, jinja::lex(text, source));
  SEEK_ASSIGN_OR_RETURN(std::unique_ptr<jinja::Node> root, jinja::parse(tokens, source));
  ChatTemplate t;
  auto tree = std::make_shared<ChatTemplateTree>();
  tree->root = std::move(root);
  t.tree_ = std::move(tree);
  t.source_ = std::move(source);
  return t;
}

Result<std::string> ChatTemplate::render(jinja::Dict variables, const jinja::RenderLimits& limits) const {
  jinja::Dict globals = jinja::builtin_globals();
  for (auto& [k, v] : variables.items) globals.set(k, std::move(v));
  jinja::Interpreter interpreter(source_, limits);
  return interpreter.render(*tree_->root, std::move(globals));
}

Result<jinja::Dict> chat_variables(const Tokenizer& tokenizer, const nlohmann::ordered_json& request,
                                   bool add_generation_prompt) {
  jinja::Dict vars;
  const TokenizerConfig& c = tokenizer.config();
  for (const auto& [name, text] : {std::pair{"bos_token", &c.bos_token}, std::pair{"eos_token", &c.eos_token},
                                   std::pair{"unk_token", &c.unk_token}, std::pair{"pad_token", &c.pad_token}}) {
    if (!text->empty()) vars.set(name, jinja::Value(*text));
  }
  if (request.is_array()) {
    vars.set("messages", jinja::from_json(request));
  } else if (request.is_object() && request.contains("messages") && request["messages"].is_array()) {
    for (const auto& [k, v] : request.items()) vars.set(k, jinja::from_json(v));
  } else {
    return Status::invalid_argument("[template] the request must be a JSON array of messages or an object with a "
                                    "\"messages\" array");
  }
  if (add_generation_prompt) vars.set("add_generation_prompt", jinja::Value(true));
  return vars;
}

Result<nlohmann::ordered_json> read_chat_request(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, size_t{64} << 20));
  // parse_json validates (syntax with offsets, duplicate keys, depth); it sorts object keys,
  // so the accepted text is parsed again keeping the file's order, which tojson shows.
  SEEK_ASSIGN_OR_RETURN(Json checked, parse_json(text, path));
  (void)checked;
  return nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace seek
