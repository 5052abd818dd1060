#include "model/tiny_tokenizer.h"

#include <vector>

#include "io/json.h"
#include "tokenizer/byte_level.h"
#include "test_util.h"

namespace seek::testing {
namespace {

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// GPT-2's bytes_to_unicode spelling of every byte, from the tokenizer's own table.
std::vector<std::string> byte_tokens() {
  std::vector<std::string> out(256);
  for (uint32_t b = 0; b < 256; ++b) out[b] = utf8(byte_level::byte_to_char(static_cast<uint8_t>(b)));
  return out;
}

}  // namespace

void write_tiny_tokenizer(const std::string& dir, int64_t vocab_size) {
  const std::string bos = "<｜begin▁of▁sentence｜>", eos = "<｜end▁of▁sentence｜>";
  Json vocab = Json::object();
  const std::vector<std::string> bytes = byte_tokens();
  for (int b = 0; b < 256; ++b) vocab[bytes[b]] = b + 2;
  Json merges = Json::array();
  const std::string letters = "etaoinsrhlducmfw";
  int64_t id = 258;
  for (size_t i = 0; i < letters.size() && id < vocab_size; ++i) {
    for (size_t j = 0; j < letters.size() && id < vocab_size; ++j) {
      const std::string a(1, letters[i]), b(1, letters[j]);
      merges.push_back(a + " " + b);
      vocab[a + b] = id++;
    }
  }
  Json added = Json::array();
  for (const auto& [tid, content] : {std::pair<int, std::string>{0, bos}, {1, eos}}) {
    added.push_back({{"id", tid}, {"content", content}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  const Json split = [](const std::string& re) {
    return Json{{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}};
  }("");
  Json pre = {{"type", "Sequence"}, {"pretokenizers", Json::array()}};
  for (const char* re : {"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                         "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
                         "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}) {
    Json s = split;
    s["pattern"]["Regex"] = re;
    pre["pretokenizers"].push_back(s);
  }
  pre["pretokenizers"].push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}});
  const Json tok = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", pre},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab}, {"merges", merges}}},
  };
  write_file(dir + "/tokenizer.json", tok.dump(1));
  const Json config = {
      {"add_bos_token", true},
      {"add_eos_token", false},
      {"bos_token", {{"__type", "AddedToken"}, {"content", bos}, {"normalized", true}}},
      {"eos_token", {{"__type", "AddedToken"}, {"content", eos}, {"normalized", true}}},
      {"tokenizer_class", "LlamaTokenizerFast"},
      {"chat_template", kTinyChatTemplate},
  };
  write_file(dir + "/tokenizer_config.json", config.dump(1));
}

}  // namespace seek::testing
