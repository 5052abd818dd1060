#include "tokenizer/gguf_tokenizer.h"

#include <filesystem>
#include <unordered_map>

#include "io/gguf_parts.h"
#include "io/gguf_vocab.h"
#include "tokenizer/utf8.h"

namespace seek {
namespace {

// llama.cpp's token types (llama_token_type) that become added tokens.
constexpr int64_t kControl = 3, kUserDefined = 4;
constexpr size_t kMaxEntries = size_t{1} << 22;
constexpr size_t kMaxTextBytes = size_t{256} << 20;

Status bad(const GgufFile& f, const std::string& msg) {
  return Status::corruption(fmt::format("[gguf_tokenizer] '{}': {}", f.source(), msg));
}

// tokenizer.ggml.token_type as one int per token; absent: all normal. Any integer array is
// accepted (llama.cpp writes i32).
Result<std::vector<int64_t>> token_types(const GgufFile& f, size_t n) {
  const GgufValue* v = f.find("tokenizer.ggml.token_type");
  if (v == nullptr) return std::vector<int64_t>(n, 1);
  if (!v->is_array() || (v->ints.empty() && v->uints.empty() && n > 0)) {
    return bad(f, fmt::format("tokenizer.ggml.token_type is {}, expected an array of integers", v->describe()));
  }
  if (v->size() != n) {
    return bad(f, fmt::format("tokenizer.ggml.token_type has {} entries, tokenizer.ggml.tokens {}", v->size(), n));
  }
  if (!v->ints.empty()) return v->ints;
  return std::vector<int64_t>(v->uints.begin(), v->uints.end());
}

Json pre_tokenizer_json(const std::vector<std::string>& splits) {
  Json steps = Json::array();
  for (const std::string& re : splits) {
    steps.push_back({{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}});
  }
  steps.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}});
  return {{"type", "Sequence"}, {"pretokenizers", steps}};
}

// The text of token `key`'s id for tokenizer_config.json, or "" when the key is absent.
Result<std::string> special_text(const GgufFile& f, const char* key, const std::vector<std::string>& tokens) {
  if (!f.has(key)) return std::string();
  SEEK_ASSIGN_OR_RETURN(uint64_t id, f.get_uint(key));
  if (id >= tokens.size()) return bad(f, fmt::format("{} is {}, past the {} tokens", key, id, tokens.size()));
  return tokens[id];
}

}  // namespace

Result<Tokenizer> tokenizer_from_gguf(const GgufFile& f) {
  SEEK_ASSIGN_OR_RETURN(std::string model, f.get_string("tokenizer.ggml.model"));
  if (model != "gpt2") {
    return Status::unsupported(fmt::format(
        "[gguf_tokenizer] '{}': tokenizer.ggml.model is \"{}\"; seek reads byte-level BPE (\"gpt2\") vocabularies only",
        f.source(), model));
  }
  SEEK_ASSIGN_OR_RETURN(std::string pre, f.get_string_or("tokenizer.ggml.pre", "default"));
  const std::vector<std::string>* splits = llama_pre_splits(pre);
  if (splits == nullptr) {
    return Status::unsupported(fmt::format(
        "[gguf_tokenizer] '{}': tokenizer.ggml.pre is \"{}\"; seek implements \"deepseek-v3\" and \"deepseek-llm\"",
        f.source(), pre));
  }
  SEEK_ASSIGN_OR_RETURN(const GgufValue* tokens_kv, f.get_array("tokenizer.ggml.tokens", GgufType::kString));
  SEEK_ASSIGN_OR_RETURN(const GgufValue* merges_kv, f.get_array("tokenizer.ggml.merges", GgufType::kString));
  const std::vector<std::string>& tokens = tokens_kv->strings;
  // The rebuilt JSON costs several times the strings' bytes: bound it before building it
  // (DeepSeek-V3: 129280 tokens, 127741 merges, ~2 MB).
  if (tokens.size() > kMaxEntries || merges_kv->size() > kMaxEntries) {
    return bad(f, fmt::format("{} tokens and {} merges, more than seek reads ({} each)", tokens.size(), merges_kv->size(),
                              kMaxEntries));
  }
  size_t text_bytes = 0;
  for (const std::vector<std::string>* list : {&tokens, &merges_kv->strings}) {
    for (const std::string& t : *list) text_bytes += t.size();
  }
  if (text_bytes > kMaxTextBytes) {
    return bad(f, fmt::format("tokens and merges hold {} bytes of text, more than seek reads ({})", text_bytes, kMaxTextBytes));
  }
  SEEK_ASSIGN_OR_RETURN(std::vector<int64_t> types, token_types(f, tokens.size()));
  // The vocabulary becomes JSON values, which must be UTF-8 (as GGUF strings are meant to be).
  for (const auto& [key, list] : {std::pair{"tokenizer.ggml.tokens", &tokens}, {"tokenizer.ggml.merges", &merges_kv->strings}}) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (!utf8::is_valid((*list)[i])) return bad(f, fmt::format("{}[{}] is not valid UTF-8", key, i));
    }
  }

  // Every token stays in the BPE vocabulary under its id (HF gives an added token the id its
  // text has there); control and user-defined ones are also added tokens, matched before BPE.
  Json vocab = Json::object(), added = Json::array();
  std::unordered_map<std::string_view, size_t> first;
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (const auto [it, fresh] = first.emplace(tokens[id], id); !fresh) {
      return bad(f, fmt::format("tokens {} and {} are both \"{}\"", it->second, id, tokens[id]));
    }
    vocab[tokens[id]] = id;
    if (types[id] == kControl || types[id] == kUserDefined) {
      added.push_back({{"id", id}, {"content", tokens[id]}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                       {"normalized", false}, {"special", types[id] == kControl}});
    }
  }
  const Json tokenizer = {
      {"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", merges_kv->strings}}},
      {"added_tokens", std::move(added)},
      {"normalizer", nullptr},
      {"pre_tokenizer", pre_tokenizer_json(*splits)},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
  };

  SEEK_ASSIGN_OR_RETURN(std::string bos, special_text(f, "tokenizer.ggml.bos_token_id", tokens));
  SEEK_ASSIGN_OR_RETURN(std::string eos, special_text(f, "tokenizer.ggml.eos_token_id", tokens));
  SEEK_ASSIGN_OR_RETURN(bool add_bos, f.get_bool_or("tokenizer.ggml.add_bos_token", false));
  SEEK_ASSIGN_OR_RETURN(bool add_eos, f.get_bool_or("tokenizer.ggml.add_eos_token", false));
  SEEK_ASSIGN_OR_RETURN(std::string chat_template, f.get_string_or("tokenizer.chat_template", ""));
  if (!utf8::is_valid(chat_template)) return bad(f, "tokenizer.chat_template is not valid UTF-8");
  Json config = {{"add_bos_token", add_bos}, {"add_eos_token", add_eos}};
  if (!bos.empty()) config["bos_token"] = bos;
  if (!eos.empty()) config["eos_token"] = eos;
  if (!chat_template.empty()) config["chat_template"] = chat_template;
  return Tokenizer::from_json(tokenizer, fmt::format("{} (tokenizer.ggml.*)", f.source()), config.dump(),
                              fmt::format("{} (tokenizer.ggml.*, tokenizer.chat_template)", f.source()));
}

Result<Tokenizer> load_model_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || !is_gguf_path(path)) return Tokenizer::load(path);
  SEEK_ASSIGN_OR_RETURN(GgufFile first, GgufParts::open_first(path));  // metadata is in the first part
  if (first.has("tokenizer.ggml.tokens")) return tokenizer_from_gguf(first);
  const fs::path dir = fs::path(path).parent_path();
  return Tokenizer::load(dir.empty() ? "." : dir.string());
}

}  // namespace seek
