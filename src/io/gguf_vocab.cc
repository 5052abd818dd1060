#include "io/gguf_vocab.h"

#include <cctype>
#include <filesystem>
#include <map>

#include "base/mmap_file.h"
#include "io/json.h"

namespace seek {
namespace {

constexpr size_t kMaxTokenizerBytes = size_t{256} << 20;
constexpr size_t kMaxConfigBytes = size_t{16} << 20;

// llama.cpp's token types (llama_token_type).
constexpr int64_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

// The Split regexes of the pre-tokenizers llama.cpp implements for DeepSeek models, as in its
// src/llama-vocab.cpp (LLAMA_VOCAB_PRE_TYPE_DEEPSEEK3_LLM and _DEEPSEEK_LLM). Six letters of the
// DeepSeek-LLM class are escaped: Unicode normalization (NFC) maps them to other code points
// (U+1F7D to U+03CE, U+2126 to U+03A9, ...), which would put ranges out of order.
const std::vector<std::string>& deepseek_v3_splits() {
  static const std::vector<std::string> v = {
      "\\p{N}{1,3}",
      "[一-龥぀-ゟ゠-ヿ]+",
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
  };
  return v;
}

const std::vector<std::string>& deepseek_llm_splits() {
  static const std::vector<std::string> v = {
      "[\r\n]",
      "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
      "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
      "\\s+$",
      "[一-龥ࠀ-一가-퟿]+",
      "\\p{N}+",
  };
  return v;
}

}  // namespace

const std::vector<std::string>* llama_pre_splits(std::string_view pre) {
  if (pre == "deepseek-v3") return &deepseek_v3_splits();
  if (pre == "deepseek-llm") return &deepseek_llm_splits();
  return nullptr;
}

namespace {

Status bad(const std::string& path, const std::string& msg) {
  return Status::corruption(fmt::format("[gguf_vocab] '{}': {}", path, msg));
}

// The Split regexes of a pre_tokenizer, in order; whether a ByteLevel step is present.
void collect_splits(const Json& pt, std::vector<std::string>* splits, bool* byte_level) {
  if (!pt.is_object()) return;
  const std::string type = pt.value("type", "");
  if (type == "Sequence" && pt.contains("pretokenizers") && pt["pretokenizers"].is_array()) {
    for (const Json& p : pt["pretokenizers"]) collect_splits(p, splits, byte_level);
  } else if (type == "ByteLevel") {
    *byte_level = true;
  } else if (type == "Split" && pt.contains("pattern") && pt["pattern"].is_object() &&
             pt["pattern"].contains("Regex") && pt["pattern"]["Regex"].is_string()) {
    splits->push_back(pt["pattern"]["Regex"].get<std::string>());
  }
}

// The one token string of a special-token entry: "text" or {"content": "text", ...}.
std::string special_content(const Json& e) {
  if (e.is_string()) return e.get<std::string>();
  if (e.is_object() && e.contains("content") && e["content"].is_string()) return e["content"].get<std::string>();
  return "";
}

bool looks_special(const std::string& s) {
  return s == "<pad>" || (s.starts_with("<|") && s.ends_with("|>")) || (s.starts_with("<｜") && s.ends_with("｜>"));
}

Result<Json> read_json(const std::string& path, size_t max_bytes) {
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, max_bytes));
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, path, 256));
  if (!j.is_object()) return bad(path, fmt::format("top level is {}, expected an object", json_type_name(j)));
  return j;
}

// Chat template: tokenizer_config.json's, else chat_template.jinja, else chat_template.json's.
Status add_chat_template(const std::string& dir, const Json& tc, GgufWriter* w) {
  namespace fs = std::filesystem;
  Json tmpl;
  if (tc.contains("chat_template")) {
    tmpl = tc["chat_template"];
  } else if (fs::exists(dir + "/chat_template.jinja")) {
    SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(dir + "/chat_template.jinja", kMaxConfigBytes));
    tmpl = text;
  } else if (fs::exists(dir + "/chat_template.json")) {
    SEEK_ASSIGN_OR_RETURN(Json j, read_json(dir + "/chat_template.json", kMaxConfigBytes));
    tmpl = j.value("chat_template", Json());
  }
  if (tmpl.is_null()) return Status::ok();
  if (tmpl.is_string()) {
    w->set("tokenizer.chat_template", gguf_string(tmpl.get<std::string>()));
    return Status::ok();
  }
  if (!tmpl.is_array()) return bad(dir, fmt::format("chat_template is {}, expected a string or a list", json_type_name(tmpl)));
  std::vector<std::string> names;
  for (const Json& t : tmpl) {  // [{"name": ..., "template": ...}], as gguf-py writes them
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("template") || !t["template"].is_string()) {
      return bad(dir, "chat_template list entries must be {\"name\": string, \"template\": string}");
    }
    std::string name = t["name"].get<std::string>();
    for (char& ch : name) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    if (name == "default") {
      w->set("tokenizer.chat_template", gguf_string(t["template"].get<std::string>()));
    } else {
      w->set("tokenizer.chat_template." + name, gguf_string(t["template"].get<std::string>()));
      names.push_back(name);
    }
  }
  if (!names.empty()) w->set("tokenizer.chat_templates", gguf_string_array(names));
  return Status::ok();
}

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 + n.
std::vector<std::string> byte_level_tokens() {
  const auto utf8 = [](uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {  // every code point here is below U+0800
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
  };
  std::vector<std::string> out(256);
  uint32_t n = 0;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = utf8(printable ? b : 256 + n++);
  }
  return out;
}

}  // namespace

Result<VocabExport> add_placeholder_vocab_metadata(int64_t vocab_size, GgufWriter* w) {
  constexpr int64_t kFirstMerged = 258;  // bos, eos, 256 bytes
  if (vocab_size < kFirstMerged) {
    return Status::invalid_argument(fmt::format(
        "[gguf_vocab] a placeholder vocabulary needs vocab_size >= {} (bos, eos, 256 bytes), got {}", kFirstMerged, vocab_size));
  }
  std::vector<std::string> tokens(static_cast<size_t>(vocab_size));
  std::vector<int64_t> types(static_cast<size_t>(vocab_size), kUnused);
  tokens[0] = "<｜begin▁of▁sentence｜>", tokens[1] = "<｜end▁of▁sentence｜>";
  types[0] = types[1] = kControl;
  const std::vector<std::string> bytes = byte_level_tokens();
  for (int64_t b = 0; b < 256; ++b) tokens[2 + b] = bytes[b], types[2 + b] = kNormal;
  // llama.cpp requires a merge table; letter pairs make English text take fewer tokens than bytes.
  std::vector<std::string> merges;
  const std::string letters = "abcdefghijklmnopqrstuvwxyz";
  int64_t id = kFirstMerged;
  for (size_t i = 0; i < letters.size() && id < vocab_size; ++i) {
    for (size_t j = 0; j < letters.size() && id < vocab_size; ++j, ++id) {
      merges.push_back(fmt::format("{} {}", letters[i], letters[j]));
      tokens[id] = fmt::format("{}{}", letters[i], letters[j]), types[id] = kNormal;
    }
  }
  for (; id < vocab_size; ++id) tokens[id] = fmt::format("[PAD{}]", id);
  VocabExport out{true, "deepseek-v3", vocab_size, static_cast<int64_t>(merges.size())};
  w->set("tokenizer.ggml.model", gguf_string("gpt2"));
  w->set("tokenizer.ggml.pre", gguf_string(out.pre));
  w->set("tokenizer.ggml.tokens", gguf_string_array(std::move(tokens)));
  w->set("tokenizer.ggml.token_type", gguf_i32_array(std::move(types)));
  w->set("tokenizer.ggml.merges", gguf_string_array(std::move(merges)));
  w->set("tokenizer.ggml.bos_token_id", gguf_u32(0));
  w->set("tokenizer.ggml.eos_token_id", gguf_u32(1));
  w->set("tokenizer.ggml.add_bos_token", gguf_bool(true));
  w->set("tokenizer.ggml.add_eos_token", gguf_bool(false));
  return out;
}

Result<VocabExport> add_vocab_metadata(const std::string& dir, int64_t vocab_size, const std::string& pre_override,
                                       GgufWriter* w) {
  namespace fs = std::filesystem;
  VocabExport out;
  const std::string path = dir + "/tokenizer.json";
  if (!fs::exists(path)) return out;
  SEEK_ASSIGN_OR_RETURN(Json tok, read_json(path, kMaxTokenizerBytes));
  const Json& model = tok.contains("model") ? tok["model"] : Json();
  if (!model.is_object() || model.value("type", "") != "BPE") {
    return Status::unsupported(fmt::format("[gguf_vocab] '{}': model.type is {}, only \"BPE\" is supported", path,
                                           model.is_object() && model.contains("type") ? model["type"].dump() : "missing"));
  }
  std::vector<std::string> splits;
  bool byte_level = false;
  collect_splits(tok.value("pre_tokenizer", Json()), &splits, &byte_level);
  if (!byte_level && tok.contains("decoder") && tok["decoder"].is_object()) byte_level = tok["decoder"].value("type", "") == "ByteLevel";
  if (!byte_level) return Status::unsupported(fmt::format("[gguf_vocab] '{}': not a byte-level BPE tokenizer (no ByteLevel step)", path));

  out.pre = pre_override;
  if (out.pre.empty()) {
    if (splits == deepseek_v3_splits()) {
      out.pre = "deepseek-v3";
    } else if (splits == deepseek_llm_splits()) {
      out.pre = "deepseek-llm";
    } else {
      return Status::unsupported(fmt::format(
          "[gguf_vocab] '{}': the pre_tokenizer's {} Split regexes match neither DeepSeek-V3's nor DeepSeek-LLM's; "
          "name llama.cpp's pre-tokenizer with --tokenizer-pre", path, splits.size()));
    }
  }

  // id -> (token, type), from the BPE vocab and the added tokens.
  std::vector<std::string> tokens(static_cast<size_t>(vocab_size));
  std::vector<int64_t> types(static_cast<size_t>(vocab_size), 0);
  std::map<std::string, int64_t> id_of;
  const auto place = [&](const std::string& token, const Json& id_json, int64_t type) -> Status {
    SEEK_ASSIGN_OR_RETURN(int64_t id, json_to_index(id_json, fmt::format("the id of token \"{}\"", token)));
    if (id >= vocab_size) {
      return bad(path, fmt::format("token \"{}\" has id {}, outside config.json's vocab_size {}", token, id, vocab_size));
    }
    if (types[id] != 0 && tokens[id] != token) {
      return bad(path, fmt::format("id {} names both \"{}\" and \"{}\"", id, tokens[id], token));
    }
    tokens[id] = token;
    types[id] = type;
    id_of[token] = id;
    return Status::ok();
  };
  if (!model.contains("vocab") || !model["vocab"].is_object()) return bad(path, "model.vocab is missing or not an object");
  for (auto it = model["vocab"].begin(); it != model["vocab"].end(); ++it) SEEK_RETURN_IF_ERROR(place(it.key(), *it, kNormal));
  if (tok.contains("added_tokens") && tok["added_tokens"].is_array()) {
    for (const Json& a : tok["added_tokens"]) {
      if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id")) {
        return bad(path, fmt::format("added_tokens entry {} lacks a string \"content\" or an \"id\"", a.dump()));
      }
      std::string content = a["content"].get<std::string>();
      const bool special = a.value("special", false) || looks_special(content);
      if (!special) {  // llama.cpp expects user-defined tokens pre-normalised: U+2581 is a space
        // (Rebuilt rather than replace()d in place: GCC 12 warns falsely on that, bug 105329.)
        std::string spaced;
        for (size_t i = 0; i < content.size();) {
          const bool mark = content.compare(i, 3, "\xe2\x96\x81") == 0;
          spaced += mark ? ' ' : content[i];
          i += mark ? 3 : 1;
        }
        content = std::move(spaced);
      }
      // HF gives an added token whose text the vocabulary has that token's id, whatever its
      // "id" says; writing it at both would spell one text twice.
      if (const auto known = id_of.find(content); known != id_of.end()) {
        types[known->second] = special ? kControl : kUserDefined;
        continue;
      }
      SEEK_RETURN_IF_ERROR(place(content, a["id"], special ? kControl : kUserDefined));
    }
  }
  for (int64_t i = 0; i < vocab_size; ++i) {
    if (types[i] == 0) tokens[i] = fmt::format("[PAD{}]", i), types[i] = kUnused;
  }

  std::vector<std::string> merges;
  const Json& m = model.contains("merges") ? model["merges"] : Json();
  if (m.is_array()) {
    merges.reserve(m.size());
    for (const Json& e : m) {
      if (e.is_string()) {
        merges.push_back(e.get<std::string>());
      } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
        merges.push_back(e[0].get<std::string>() + " " + e[1].get<std::string>());  // tokenizers >= 0.20 spelling
      } else {
        return bad(path, fmt::format("merge {} is {}, expected \"a b\" or [\"a\", \"b\"]", merges.size(), e.dump()));
      }
    }
  }
  if (merges.empty()) return bad(path, "model.merges is empty or missing; a BPE tokenizer without merges splits every byte");
  out.num_tokens = vocab_size;
  out.num_merges = static_cast<int64_t>(merges.size());

  w->set("tokenizer.ggml.model", gguf_string("gpt2"));
  w->set("tokenizer.ggml.pre", gguf_string(out.pre));
  w->set("tokenizer.ggml.tokens", gguf_string_array(std::move(tokens)));
  w->set("tokenizer.ggml.token_type", gguf_i32_array(std::move(types)));
  w->set("tokenizer.ggml.merges", gguf_string_array(std::move(merges)));

  // Special tokens: tokenizer_config.json names them by content; config.json's *_token_id fill
  // the ones it does not name (gguf-py SpecialVocab's order).
  Json tc = Json::object(), cfg = Json::object();
  if (fs::exists(dir + "/tokenizer_config.json")) {
    SEEK_ASSIGN_OR_RETURN(tc, read_json(dir + "/tokenizer_config.json", kMaxConfigBytes));
  }
  if (fs::exists(dir + "/config.json")) {
    SEEK_ASSIGN_OR_RETURN(cfg, read_json(dir + "/config.json", kMaxConfigBytes));
  }
  const std::pair<const char*, const char*> kinds[] = {{"bos", "bos"}, {"eos", "eos"}, {"unk", "unknown"}, {"pad", "padding"}};
  for (const auto& [hf, gguf] : kinds) {
    const std::string content = tc.contains(std::string(hf) + "_token") ? special_content(tc[std::string(hf) + "_token"]) : "";
    int64_t id = -1;
    if (!content.empty() && id_of.count(content)) {
      id = id_of[content];
    } else if (cfg.contains(std::string(hf) + "_token_id") && cfg[std::string(hf) + "_token_id"].is_number_integer()) {
      id = cfg[std::string(hf) + "_token_id"].get<int64_t>();
    }
    if (id >= 0 && id < vocab_size) w->set(fmt::format("tokenizer.ggml.{}_token_id", gguf), gguf_u32(static_cast<uint32_t>(id)));
    const std::string add = fmt::format("add_{}_token", hf);  // llama.cpp reads add_bos_token and add_eos_token
    if ((hf == std::string("bos") || hf == std::string("eos")) && tc.contains(add) && tc[add].is_boolean()) {
      w->set("tokenizer.ggml." + add, gguf_bool(tc[add].get<bool>()));
    }
  }
  SEEK_RETURN_IF_ERROR(add_chat_template(dir, tc, w));
  out.written = true;
  return out;
}

}  // namespace seek
