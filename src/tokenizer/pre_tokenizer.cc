#include "tokenizer/pre_tokenizer.h"

#include <algorithm>

namespace seek {
namespace {

// GPT-2's pattern, which HF's ByteLevel pre-tokenizer applies when use_regex is true.
constexpr std::string_view kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

Result<bool> get_bool(const Json& j, const char* key, bool fallback, const std::string& path, std::string_view where) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return Status::corruption(fmt::format("[tokenizer] '{}': {}.{} is {} ({}), expected true or false", where, path, key,
                                          it->dump(), json_type_name(*it)));
  }
  return it->get<bool>();
}

Result<SplitBehavior> parse_behavior(const Json& j, const std::string& path, std::string_view where) {
  static const std::pair<const char*, SplitBehavior> kNames[] = {
      {"Removed", SplitBehavior::kRemoved}, {"Isolated", SplitBehavior::kIsolated},
      {"MergedWithPrevious", SplitBehavior::kMergedWithPrevious}, {"MergedWithNext", SplitBehavior::kMergedWithNext},
      {"Contiguous", SplitBehavior::kContiguous}};
  const auto it = j.find("behavior");
  if (it != j.end() && it->is_string()) {
    for (const auto& [name, b] : kNames) {
      if (*it == name) return b;
    }
  }
  return Status::corruption(fmt::format("[tokenizer] '{}': {}.behavior is {}, expected one of Removed, Isolated, "
                                        "MergedWithPrevious, MergedWithNext, Contiguous",
                                        where, path, it == j.end() ? "missing" : it->dump()));
}

// PCRE2 source matching `s` literally.
std::string quote_literal(std::string_view s) {
  std::string out = "\\Q";
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "\\E") {
      out += "\\E\\\\E\\Q";  // \E cannot appear inside \Q..\E
      ++i;
    } else {
      out += s[i];
    }
  }
  return out + "\\E";
}

// The pieces one Split step makes of `piece`, given its matches (HF's SplitDelimiterBehavior).
void apply_behavior(std::string_view piece, const std::vector<Span>& matches, SplitBehavior behavior, bool invert,
                    std::vector<std::string_view>* out) {
  if (behavior == SplitBehavior::kIsolated) {  // the common case, without the bookkeeping below
    size_t prev = 0;
    for (const Span& m : matches) {
      if (prev < m.begin) out->push_back(piece.substr(prev, m.begin - prev));
      if (m.begin < m.end) out->push_back(piece.substr(m.begin, m.end - m.begin));
      prev = m.end;
    }
    if (prev < piece.size()) out->push_back(piece.substr(prev));
    return;
  }
  struct Part {
    size_t begin, end;
    bool match;
  };
  std::vector<Part> parts;
  size_t prev = 0;
  for (const Span& m : matches) {
    if (prev < m.begin) parts.push_back({prev, m.begin, invert});
    parts.push_back({m.begin, m.end, !invert});
    prev = m.end;
  }
  if (prev < piece.size()) parts.push_back({prev, piece.size(), invert});

  std::vector<Part> merged;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Part& p : parts) {
        if (!p.match) merged.push_back(p);
      }
      break;
    case SplitBehavior::kIsolated:
      break;  // handled above
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Part& p : parts) {
        if (p.match && !previous_match && !merged.empty()) {
          merged.back().end = p.end;
        } else {
          merged.push_back(p);
        }
        previous_match = p.match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->match && !previous_match && !merged.empty()) {
          merged.back().begin = it->begin;
        } else {
          merged.push_back(*it);
        }
        previous_match = it->match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    }
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Part& p : parts) {
        if (p.match == previous_match && !merged.empty()) {
          merged.back().end = p.end;
        } else {
          merged.push_back(p);
        }
        previous_match = p.match;
      }
      break;
    }
  }
  for (const Part& p : merged) {
    if (p.end > p.begin) out->push_back(piece.substr(p.begin, p.end - p.begin));
  }
}

}  // namespace

Status PreTokenizer::add_steps(const Json& j, const std::string& path, std::string_view where, bool* saw_byte_level) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    return Status::corruption(fmt::format("[tokenizer] '{}': {} is {}, expected an object with a \"type\"", where, path,
                                          j.dump().substr(0, 200)));
  }
  const std::string type = j["type"].get<std::string>();
  if (*saw_byte_level) {
    return Status::unsupported(fmt::format("[tokenizer] '{}': {} ({}) follows ByteLevel; seek needs ByteLevel as the last "
                                           "pre-tokenizer step", where, path, type));
  }
  if (type == "Sequence") {
    const auto it = j.find("pretokenizers");
    if (it == j.end() || !it->is_array()) {
      return Status::corruption(fmt::format("[tokenizer] '{}': {}.pretokenizers is missing or not an array", where, path));
    }
    for (size_t i = 0; i < it->size(); ++i) {
      SEEK_RETURN_IF_ERROR(add_steps((*it)[i], fmt::format("{}.pretokenizers[{}]", path, i), where, saw_byte_level));
    }
    return Status::ok();
  }
  Step step;
  std::string pattern;
  if (type == "Split") {
    const auto p = j.find("pattern");
    if (p != j.end() && p->is_object() && p->size() == 1 && p->contains("Regex") && (*p)["Regex"].is_string()) {
      pattern = (*p)["Regex"].get<std::string>();
    } else if (p != j.end() && p->is_object() && p->size() == 1 && p->contains("String") && (*p)["String"].is_string()) {
      pattern = quote_literal((*p)["String"].get<std::string>());
    } else {
      return Status::corruption(fmt::format("[tokenizer] '{}': {}.pattern is {}, expected {{\"Regex\": \"...\"}} or "
                                            "{{\"String\": \"...\"}}", where, path, p == j.end() ? "missing" : p->dump()));
    }
    SEEK_ASSIGN_OR_RETURN(step.behavior, parse_behavior(j, path, where));
    SEEK_ASSIGN_OR_RETURN(step.invert, get_bool(j, "invert", false, path, where));
  } else if (type == "Digits") {
    // HF splits on char::is_numeric (categories Nd, Nl, No = \p{N}); one digit per piece,
    // or runs of digits kept together.
    SEEK_ASSIGN_OR_RETURN(bool individual, get_bool(j, "individual_digits", false, path, where));
    pattern = individual ? "\\p{N}" : "\\p{N}+";
  } else if (type == "ByteLevel") {
    *saw_byte_level = true;
    SEEK_ASSIGN_OR_RETURN(step.add_prefix_space, get_bool(j, "add_prefix_space", true, path, where));
    SEEK_ASSIGN_OR_RETURN(step.split, get_bool(j, "use_regex", true, path, where));
    pattern = kGpt2Pattern;
  } else {
    return Status::unsupported(fmt::format("[tokenizer] '{}': {} has type \"{}\"; seek supports the byte-level BPE "
                                           "pre-tokenizers Sequence, Split, Digits and ByteLevel", where, path, type));
  }
  Result<Regex> re = Regex::compile(pattern);
  if (!re.is_ok()) return re.status().with_context(fmt::format("[tokenizer] '{}': {}", where, path));
  step.regex = std::move(re).value();
  steps_.push_back(std::move(step));
  return Status::ok();
}

Result<PreTokenizer> PreTokenizer::from_json(const Json& j, std::string_view where) {
  PreTokenizer pt;
  bool saw_byte_level = false;
  if (!j.is_null()) SEEK_RETURN_IF_ERROR(pt.add_steps(j, "pre_tokenizer", where, &saw_byte_level));
  if (!saw_byte_level) {
    return Status::unsupported(fmt::format("[tokenizer] '{}': pre_tokenizer has no ByteLevel step; seek loads byte-level "
                                           "BPE tokenizers only", where));
  }
  return pt;
}

Status PreTokenizer::split(std::string_view text, std::vector<std::string_view>* pieces,
                           std::deque<std::string>* storage) const {
  if (text.empty()) return Status::ok();
  std::vector<std::string_view> current{text}, next;
  std::vector<Span> matches;
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : current) {
      if (step.add_prefix_space && piece.front() != ' ') {
        std::string& prefixed = storage->emplace_back(1, ' ');
        prefixed += piece;
        piece = prefixed;
      }
      if (!step.split) {
        next.push_back(piece);
        continue;
      }
      matches.clear();
      SEEK_RETURN_IF_ERROR(step.regex.find_all(piece, &matches));
      apply_behavior(piece, matches, step.behavior, step.invert, &next);
    }
    current.swap(next);
  }
  for (std::string_view piece : current) {
    if (!piece.empty()) pieces->push_back(piece);
  }
  return Status::ok();
}

}  // namespace seek
