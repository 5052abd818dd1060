// A small byte-level BPE tokenizer.json with DeepSeek-V3's pre-tokenizer and special tokens,
// built in memory for unit tests and fuzzers (the real file is 7.8 MB and not committed).
#pragma once

#include <string>
#include <vector>

#include "io/json.h"
#include "tokenizer/byte_level.h"

namespace seek::testing {

// The tokenizer.json text. Vocabulary: the 256 byte tokens (ids 0..255 by byte value), then the
// left-to-right merges of `words`; added tokens follow.
inline std::string tiny_tokenizer_json(const std::vector<std::string>& words = {" the", " token", "izer", "ing", " Hello",
                                                                                 "Hello", " world", "中文", "12", "  "}) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level::from_bytes(std::string(1, static_cast<char>(b)))] = b;
  Json merges = Json::array();
  for (const std::string& w : words) {
    std::string cur = byte_level::from_bytes(w.substr(0, 1));
    for (size_t i = 1; i < w.size(); ++i) {
      const std::string c = byte_level::from_bytes(w.substr(i, 1));
      if (!vocab.contains(cur + c)) {
        vocab[cur + c] = vocab.size();
        merges.push_back(cur + " " + c);
      }
      cur += c;
    }
  }
  const int n = static_cast<int>(vocab.size());
  const auto added = [](int id, const char* content, bool special) {
    return Json{{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                {"normalized", !special}, {"special", special}};
  };
  const auto split = [](const char* regex) {
    return Json{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
  };
  Json j = {
      {"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr},
      {"added_tokens", {added(n, "<｜begin▁of▁sentence｜>", true), added(n + 1, "<｜end▁of▁sentence｜>", true),
                        added(n + 2, "<｜User｜>", false), added(n + 3, "<｜Assistant｜>", false), added(n + 4, "<think>", false)}},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", Json::array()}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {split("\\p{N}{1,3}"), split("[一-龥぀-ゟ゠-ヿ]+"),
          split("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
                "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}}},
      {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab}, {"merges", merges}}}};
  return j.dump();
}

// A matching tokenizer_config.json (DeepSeek's BOS policy and the V3 chat template shape).
inline std::string tiny_tokenizer_config() {
  return Json{{"add_bos_token", true},
              {"add_eos_token", false},
              {"bos_token", {{"__type", "AddedToken"}, {"content", "<｜begin▁of▁sentence｜>"}}},
              {"eos_token", "<｜end▁of▁sentence｜>"},
              {"tokenizer_class", "LlamaTokenizerFast"},
              {"chat_template",
               "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
               "{% else %}{{ '<｜Assistant｜>' + m['content'] + eos_token }}{% endif %}{% endfor %}"
               "{% if add_generation_prompt %}{{ '<｜Assistant｜>' }}{% endif %}"}}
      .dump();
}

}  // namespace seek::testing
