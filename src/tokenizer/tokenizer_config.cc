#include "tokenizer/tokenizer_config.h"

#include "io/json.h"

namespace seek {
namespace {

bool is_llama_class(const std::string& c) { return c == "LlamaTokenizerFast" || c == "LlamaTokenizer"; }

// A special token is written either as its text or as {"__type": "AddedToken", "content": ...}.
Result<std::string> token_text(const Json& j, const char* key, std::string_view where) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) return (*it)["content"].get<std::string>();
  return Status::corruption(fmt::format("[tokenizer] '{}': {} is {}, expected a string or an object with \"content\"", where,
                                        key, it->dump().substr(0, 200)));
}

Result<std::string> chat_template(const Json& j, std::string_view where) {
  const auto it = j.find("chat_template");
  if (it == j.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const Json& e : *it) {
      if (e.is_object() && e.value("name", Json()) == "default" && e.contains("template") && e["template"].is_string()) {
        return e["template"].get<std::string>();
      }
    }
    return Status::corruption(fmt::format("[tokenizer] '{}': chat_template is a list without an entry "
                                          "{{\"name\": \"default\", \"template\": \"...\"}}", where));
  }
  return Status::corruption(fmt::format("[tokenizer] '{}': chat_template is {}, expected a string or a list of named "
                                        "templates", where, json_type_name(*it)));
}

}  // namespace

bool TokenizerConfig::decides_bos_eos() const {
  return add_bos_token.has_value() || add_eos_token.has_value() || is_llama_class(tokenizer_class);
}

bool TokenizerConfig::wants_bos() const { return add_bos_token.value_or(is_llama_class(tokenizer_class)); }

Result<TokenizerConfig> parse_tokenizer_config(std::string_view text, std::string_view where) {
  TokenizerConfig c;
  if (text.empty()) return c;
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, where));
  if (!j.is_object()) {
    return Status::corruption(fmt::format("[tokenizer] '{}': top level is {}, expected an object", where, json_type_name(j)));
  }
  for (const auto& [key, field] : {std::pair{"add_bos_token", &c.add_bos_token}, std::pair{"add_eos_token", &c.add_eos_token}}) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_boolean()) {
      return Status::corruption(fmt::format("[tokenizer] '{}': {} is {}, expected true or false", where, key, it->dump()));
    }
    *field = it->get<bool>();
  }
  SEEK_ASSIGN_OR_RETURN(c.bos_token, token_text(j, "bos_token", where));
  SEEK_ASSIGN_OR_RETURN(c.eos_token, token_text(j, "eos_token", where));
  SEEK_ASSIGN_OR_RETURN(c.unk_token, token_text(j, "unk_token", where));
  SEEK_ASSIGN_OR_RETURN(c.pad_token, token_text(j, "pad_token", where));
  if (j.contains("tokenizer_class") && j["tokenizer_class"].is_string()) c.tokenizer_class = j["tokenizer_class"];
  SEEK_ASSIGN_OR_RETURN(c.chat_template, chat_template(j, where));
  return c;
}

}  // namespace seek
