#include "tokenizer/tokenizer.h"

#include <deque>
#include <filesystem>
#include <unordered_map>

#include "base/mmap_file.h"
#include "io/json.h"
#include "tokenizer/byte_level.h"

namespace seek {
namespace {

constexpr size_t kMaxTokenizerJsonBytes = size_t{512} << 20;
constexpr size_t kMaxSmallFileBytes = size_t{16} << 20;

Status bad(std::string_view where, std::string msg) {
  return Status::corruption(fmt::format("[tokenizer] '{}': {}", where, msg));
}

// seek applies no normalization, so only normalizers that change nothing are accepted.
Status check_normalizer(const Json& j, const std::string& path, std::string_view where) {
  if (j.is_null()) return Status::ok();
  if (j.is_object() && j.value("type", Json()) == "Sequence" && j.contains("normalizers") && j["normalizers"].is_array()) {
    for (size_t i = 0; i < j["normalizers"].size(); ++i) {
      SEEK_RETURN_IF_ERROR(check_normalizer(j["normalizers"][i], fmt::format("{}.normalizers[{}]", path, i), where));
    }
    return Status::ok();
  }
  return Status::unsupported(fmt::format("[tokenizer] '{}': {} is {}; seek supports byte-level BPE tokenizers without "
                                         "normalization (null or an empty Sequence)", where, path, j.dump().substr(0, 120)));
}

// The byte-level decoder is implied by how seek stores tokens; other decoders are refused.
Status check_decoder(const Json& j, std::string_view where) {
  const bool byte_level = j.is_object() && j.value("type", Json()) == "ByteLevel";
  const bool sequence_of_byte_level = j.is_object() && j.value("type", Json()) == "Sequence" && j.contains("decoders") &&
                                      j["decoders"].is_array() && j["decoders"].size() == 1 &&
                                      j["decoders"][0].is_object() && j["decoders"][0].value("type", Json()) == "ByteLevel";
  if (byte_level || sequence_of_byte_level) return Status::ok();
  return Status::unsupported(fmt::format("[tokenizer] '{}': decoder is {}; seek supports the ByteLevel decoder only", where,
                                         j.dump().substr(0, 120)));
}

}  // namespace

Status Tokenizer::load_added_tokens(const Json& list, std::string_view where) {
  if (list.is_null()) return Status::ok();
  if (!list.is_array()) return bad(where, fmt::format("added_tokens is {}, expected an array", json_type_name(list)));
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& e = list[i];
    const std::string at = fmt::format("[tokenizer] '{}': added_tokens[{}]", where, i);
    if (!e.is_object() || !e.contains("id") || !e.contains("content") || !e["content"].is_string()) {
      return Status::corruption(fmt::format("{} is {}, expected an object with \"id\" and \"content\"", at, e.dump().substr(0, 120)));
    }
    auto t = std::make_unique<AddedToken>();
    // The id is checked but, as in HF, not used: ids are assigned in from_json_text.
    SEEK_ASSIGN_OR_RETURN(int64_t id, json_to_index(e["id"], at + ".id"));
    (void)id;
    t->content = e["content"].get<std::string>();
    if (t->content.empty()) return Status::corruption(at + ".content is empty; an empty token would match everywhere");
    for (const auto& [key, field] : {std::pair{"special", &t->special}, std::pair{"single_word", &t->single_word},
                                     std::pair{"lstrip", &t->lstrip}, std::pair{"rstrip", &t->rstrip},
                                     std::pair{"normalized", &t->normalized}}) {
      const auto it = e.find(key);
      if (it == e.end()) continue;
      if (!it->is_boolean()) return Status::corruption(fmt::format("{}.{} is {}, expected true or false", at, key, it->dump()));
      *field = it->get<bool>();
    }
    added_.push_back(std::move(t));
  }
  return Status::ok();
}

// The post-processor's effect on one sequence. ByteLevel only adjusts offsets; the template
// kinds add fixed tokens around the text.
Result<std::vector<Tokenizer::PostPart>> Tokenizer::parse_post_processor(const Json& j, std::string_view where) const {
  std::vector<PostPart> parts;
  if (j.is_null()) return parts;
  const std::string type = j.is_object() ? j.value("type", std::string()) : std::string();
  const auto checked_id = [&](const Json& v, const std::string& what) -> Result<int32_t> {
    SEEK_ASSIGN_OR_RETURN(int64_t id, json_to_index(v, fmt::format("[tokenizer] '{}': {}", where, what)));
    if (!has_id(static_cast<int32_t>(std::min<int64_t>(id, INT32_MAX)))) {
      return bad(where, fmt::format("{} is {}, which names no token", what, id));
    }
    return static_cast<int32_t>(id);
  };
  if (type == "ByteLevel") return parts;
  if (type == "Sequence" && j.contains("processors") && j["processors"].is_array()) {
    for (const Json& p : j["processors"]) {
      SEEK_ASSIGN_OR_RETURN(std::vector<PostPart> sub, parse_post_processor(p, where));
      if (!sub.empty() && !parts.empty()) {
        return Status::unsupported(fmt::format("[tokenizer] '{}': post_processor chains two template processors", where));
      }
      if (!sub.empty()) parts = std::move(sub);
    }
    return parts;
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    for (const char* key : {"cls", "sep"}) {
      if (!j.contains(key) || !j[key].is_array() || j[key].size() != 2) {
        return bad(where, fmt::format("post_processor.{} is missing or not [\"token\", id]", key));
      }
      SEEK_ASSIGN_OR_RETURN(int32_t id, checked_id(j[key][1], fmt::format("post_processor.{}[1]", key)));
      if (parts.size() == 1) parts.push_back({true, {}});
      parts.push_back({false, {id}});
    }
    return parts;
  }
  if (type == "TemplateProcessing") {
    if (!j.contains("single") || !j["single"].is_array()) return bad(where, "post_processor.single is missing or not an array");
    const Json specials = j.value("special_tokens", Json::object());
    for (size_t i = 0; i < j["single"].size(); ++i) {
      const Json& e = j["single"][i];
      const std::string at = fmt::format("post_processor.single[{}]", i);
      if (e.is_object() && e.contains("Sequence")) {
        parts.push_back({true, {}});
        continue;
      }
      if (!e.is_object() || !e.contains("SpecialToken") || !e["SpecialToken"].is_object() ||
          !e["SpecialToken"].contains("id") || !e["SpecialToken"]["id"].is_string()) {
        return bad(where, fmt::format("{} is {}, expected {{\"Sequence\": ...}} or {{\"SpecialToken\": {{\"id\": ...}}}}", at,
                                      e.dump().substr(0, 120)));
      }
      const std::string name = e["SpecialToken"]["id"];
      if (!specials.is_object() || !specials.contains(name) || !specials[name].is_object() ||
          !specials[name].contains("ids") || !specials[name]["ids"].is_array()) {
        return bad(where, fmt::format("{} names \"{}\", which post_processor.special_tokens does not define with \"ids\"", at, name));
      }
      PostPart part;
      for (const Json& id : specials[name]["ids"]) {
        SEEK_ASSIGN_OR_RETURN(int32_t v, checked_id(id, fmt::format("post_processor.special_tokens[\"{}\"].ids", name)));
        part.ids.push_back(v);
      }
      parts.push_back(std::move(part));
    }
    return parts;
  }
  return Status::unsupported(fmt::format("[tokenizer] '{}': post_processor is {}; seek supports ByteLevel, "
                                         "TemplateProcessing, RobertaProcessing, BertProcessing and Sequence",
                                         where, j.dump().substr(0, 120)));
}

Result<Tokenizer> Tokenizer::from_json_text(std::string_view tokenizer_json, std::string_view config_json,
                                            std::string_view source) {
  const std::string where = fmt::format("{}/tokenizer.json", source);
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(tokenizer_json, where));
  return from_json(j, where, config_json, fmt::format("{}/tokenizer_config.json", source));
}

Result<Tokenizer> Tokenizer::from_json(const Json& j, std::string_view where, std::string_view config_json,
                                       std::string_view config_where) {
  if (!j.is_object()) return bad(where, fmt::format("top level is {}, expected an object", json_type_name(j)));
  if (j.contains("truncation") && !j["truncation"].is_null()) {
    return Status::unsupported(fmt::format("[tokenizer] '{}': truncation is set; seek never truncates input silently "
                                           "(set \"truncation\": null)", where));
  }
  Tokenizer t;
  if (!j.contains("model")) return bad(where, "model is missing");
  SEEK_ASSIGN_OR_RETURN(t.bpe_, Bpe::from_json(j["model"], where));
  SEEK_RETURN_IF_ERROR(check_normalizer(j.value("normalizer", Json()), "normalizer", where));
  SEEK_ASSIGN_OR_RETURN(t.pre_tokenizer_, PreTokenizer::from_json(j.value("pre_tokenizer", Json()), where));
  SEEK_RETURN_IF_ERROR(check_decoder(j.value("decoder", Json()), where));
  SEEK_RETURN_IF_ERROR(t.load_added_tokens(j.value("added_tokens", Json()), where));

  // Ids as HF assigns them (it only warns when the file's "id" disagrees): a token whose text
  // is already known, from the vocabulary or an earlier added token, takes that id; any other
  // is numbered after the vocabulary, in file order.
  const int64_t model_size = t.bpe_.vocab_count();
  int64_t max_added = -1;
  std::unordered_map<std::string, int32_t> known;
  for (const auto& a : t.added_) {
    if (const auto it = known.find(a->content); it != known.end()) {
      a->id = it->second;
    } else if (const std::optional<int32_t> v = t.bpe_.find_text(a->content)) {
      a->id = *v;
    } else {
      const int64_t next = max_added >= model_size ? max_added + 1 : model_size;
      if (next > Bpe::kMaxId) return Status::out_of_range(fmt::format("[tokenizer] '{}': more added tokens than ids", where));
      a->id = static_cast<int32_t>(next);
    }
    known.emplace(a->content, a->id);
    max_added = std::max<int64_t>(max_added, a->id);
  }
  int32_t limit = t.bpe_.id_limit();
  for (const auto& a : t.added_) limit = std::max(limit, a->id + 1);
  t.added_by_id_.assign(limit, nullptr);
  t.added_bytes_.resize(limit);
  for (const auto& a : t.added_) {
    t.added_by_id_[a->id] = a.get();
    // HF sends added tokens through the ByteLevel decoder too: a token spelled in the byte
    // alphabet decodes to those bytes, any other to its own UTF-8.
    t.added_bytes_[a->id] = byte_level::to_bytes(a->content).value_or(a->content);
    (a->normalized ? t.normalized_matcher_ : t.raw_matcher_).add(a.get());
  }
  SEEK_ASSIGN_OR_RETURN(t.post_single_, t.parse_post_processor(j.value("post_processor", Json()), where));

  SEEK_ASSIGN_OR_RETURN(t.config_, parse_tokenizer_config(config_json, config_where));
  for (const auto& [text, id, key] : {std::tuple{&t.config_.bos_token, &t.bos_id_, "bos_token"},
                                      std::tuple{&t.config_.eos_token, &t.eos_id_, "eos_token"}}) {
    if (text->empty()) continue;
    const std::optional<int32_t> found = t.token_to_id(*text);
    if (!found) return bad(config_where, fmt::format("{} \"{}\" is not a token of tokenizer.json", key, *text));
    *id = *found;
  }
  if (t.config_.decides_bos_eos() && t.config_.wants_bos() && t.bos_id_ < 0) {
    return bad(config_where, "add_bos_token is true (or the class default) but bos_token is not set");
  }
  if (t.config_.decides_bos_eos() && t.config_.wants_eos() && t.eos_id_ < 0) {
    return bad(config_where, "add_eos_token is true but eos_token is not set");
  }
  return t;
}

Result<Tokenizer> Tokenizer::load(const std::string& dir) {
  namespace fs = std::filesystem;
  SEEK_ASSIGN_OR_RETURN(std::string tokenizer_json, read_text_file(dir + "/tokenizer.json", kMaxTokenizerJsonBytes));
  std::string config_json;
  if (fs::exists(dir + "/tokenizer_config.json")) {
    SEEK_ASSIGN_OR_RETURN(config_json, read_text_file(dir + "/tokenizer_config.json", kMaxSmallFileBytes));
  }
  SEEK_ASSIGN_OR_RETURN(Tokenizer t, from_json_text(tokenizer_json, config_json, dir));
  // transformers saves the template in its own file, which then takes precedence.
  if (fs::exists(dir + "/chat_template.jinja")) {
    SEEK_ASSIGN_OR_RETURN(t.config_.chat_template, read_text_file(dir + "/chat_template.jinja", kMaxSmallFileBytes));
  }
  return t;
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  std::vector<Segment> raw, normalized;
  std::vector<std::string_view> pieces;
  std::deque<std::string> storage;
  raw_matcher_.split(text, options.split_special_tokens, &raw);
  for (const Segment& r : raw) {
    if (r.token >= 0) {
      ids.push_back(r.token);
      continue;
    }
    // The normalizer is the identity (checked at load), so the normalized text is r.text.
    normalized.clear();
    normalized_matcher_.split(r.text, options.split_special_tokens, &normalized);
    for (const Segment& n : normalized) {
      if (n.token >= 0) {
        ids.push_back(n.token);
        continue;
      }
      pieces.clear();
      SEEK_RETURN_IF_ERROR(pre_tokenizer_.split(n.text, &pieces, &storage));
      for (std::string_view piece : pieces) bpe_.encode_piece(piece, &ids);
    }
  }
  if (!options.add_special_tokens) return ids;
  if (config_.decides_bos_eos()) {
    if (config_.wants_bos()) ids.insert(ids.begin(), bos_id_);
    if (config_.wants_eos()) ids.push_back(eos_id_);
    return ids;
  }
  if (post_single_.empty()) return ids;
  std::vector<int32_t> out;
  out.reserve(ids.size() + 4);
  for (const PostPart& part : post_single_) {
    const std::vector<int32_t>& add = part.text ? ids : part.ids;
    out.insert(out.end(), add.begin(), add.end());
  }
  return out;
}

bool Tokenizer::has_id(int32_t id) const {
  return id >= 0 && id < id_limit() && (added_by_id_[id] != nullptr || bpe_.has_id(id));
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && id < id_limit() && added_by_id_[id] != nullptr && added_by_id_[id]->special;
}

const std::string& Tokenizer::token_bytes(int32_t id) const {
  return added_by_id_[id] != nullptr ? added_bytes_[id] : bpe_.bytes(id);
}

const std::string& Tokenizer::token_text(int32_t id) const {
  return added_by_id_[id] != nullptr ? added_by_id_[id]->content : bpe_.text(id);
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view text) const {
  for (const auto& a : added_) {
    if (a->content == text) return a->id;
  }
  return bpe_.find_text(text);
}

Result<std::string> Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (!has_id(id)) {
      return Status::invalid_argument(fmt::format("[tokenizer] decode: ids[{}] = {} names no token (ids are 0..{}{})", i,
                                                  id, id_limit() - 1, id >= 0 && id < id_limit() ? ", this one unassigned" : ""));
    }
    if (options.skip_special_tokens && is_special(id)) continue;
    out += token_bytes(id);
  }
  return out;
}

}  // namespace seek
