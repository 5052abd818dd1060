#include "tokenizer/bpe_trainer.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <queue>
#include <unordered_set>

#include "base/mmap_file.h"
#include "io/json.h"
#include "tokenizer/byte_level.h"

namespace seek {
namespace {

using OrderedJson = nlohmann::ordered_json;

// DeepSeek-V3's pre-tokenizer (its tokenizer.json): digits in runs of up to three, CJK runs,
// then words with their leading space or punctuation, punctuation runs, whitespace.
OrderedJson pre_tokenizer_json() {
  OrderedJson steps = OrderedJson::array();
  for (const char* re : {"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                         "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
                         "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}) {
    steps.push_back({{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}});
  }
  steps.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}});
  return {{"type", "Sequence"}, {"pretokenizers", steps}};
}

constexpr const char* kChatTemplate =
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}"
    "{% elif m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{% else %}{{ '<｜Assistant｜>' + m['content'] + eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜>' }}{% endif %}";

uint64_t pair_key(int32_t a, int32_t b) { return static_cast<uint64_t>(a) << 32 | static_cast<uint32_t>(b); }

// The merge loop's state. A word is a distinct piece: its current symbols and how often it
// occurs. pair_count sums occurrences over words; pair_words lists (possibly stale, possibly
// repeated) the words a pair occurs in, so a merge only visits words that may contain it.
struct MergeState {
  struct Word {
    std::vector<int32_t> symbols;
    int64_t count = 0;
  };
  struct Candidate {
    int64_t count;
    uint64_t key;
    // Max-heap: most frequent first, then the smaller pair of ids.
    bool operator<(const Candidate& o) const { return count != o.count ? count < o.count : key > o.key; }
  };

  std::vector<Word> words;
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words;
  std::priority_queue<Candidate> heap;

  void add_pairs(int32_t w, int64_t sign, std::unordered_set<uint64_t>* changed) {
    const Word& word = words[w];
    for (size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const uint64_t k = pair_key(word.symbols[i], word.symbols[i + 1]);
      pair_count[k] += sign * word.count;
      if (sign > 0) pair_words[k].push_back(w);
      if (changed) changed->insert(k);
    }
  }

  // Replaces every left-to-right occurrence of (a, b) in word w by `merged`.
  bool merge_word(int32_t w, int32_t a, int32_t b, int32_t merged) {
    std::vector<int32_t>& s = words[w].symbols;
    std::vector<int32_t> out;
    out.reserve(s.size());
    bool any = false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
        out.push_back(merged);
        ++i;
        any = true;
      } else {
        out.push_back(s[i]);
      }
    }
    if (any) s = std::move(out);
    return any;
  }
};

}  // namespace

Result<BpeTrainer> BpeTrainer::create(const BpeTrainerOptions& o) {
  const int64_t specials = static_cast<int64_t>(o.special_tokens.size());
  if (specials < 2) {
    return Status::invalid_argument(fmt::format("[bpe_trainer] {} special tokens given; need at least BOS and EOS", specials));
  }
  std::unordered_set<std::string> seen;
  for (const std::string& s : o.special_tokens) {
    if (s.empty()) return Status::invalid_argument("[bpe_trainer] a special token is empty");
    if (!seen.insert(s).second) return Status::invalid_argument(fmt::format("[bpe_trainer] special token '{}' is given twice", s));
  }
  if (o.vocab_size < specials + 256 || o.vocab_size > (int64_t{1} << 24)) {
    return Status::invalid_argument(fmt::format(
        "[bpe_trainer] vocab_size {} must be in [{}, 16777216]: {} special tokens + 256 byte tokens + the merges",
        o.vocab_size, specials + 256, specials));
  }
  if (o.min_frequency < 1) return Status::invalid_argument(fmt::format("[bpe_trainer] min_frequency {} must be >= 1", o.min_frequency));
  BpeTrainer t;
  t.options_ = o;
  SEEK_ASSIGN_OR_RETURN(t.pre_tokenizer_, PreTokenizer::from_json(Json::parse(pre_tokenizer_json().dump()), "bpe_trainer"));
  return t;
}

Status BpeTrainer::add_text(std::string_view text) {
  std::vector<std::string_view> pieces;
  std::deque<std::string> storage;
  SEEK_RETURN_IF_ERROR(pre_tokenizer_.split(text, &pieces, &storage));
  for (std::string_view p : pieces) ++pieces_[std::string(p)];
  bytes_ += static_cast<int64_t>(text.size());
  return Status::ok();
}

Result<BpeVocab> BpeTrainer::train() const {
  BpeVocab v;
  v.special_tokens = options_.special_tokens;
  for (int b = 0; b < 256; ++b) v.tokens.emplace_back(1, static_cast<char>(b));
  std::unordered_map<std::string, int32_t> by_bytes;
  for (int32_t i = 0; i < 256; ++i) by_bytes.emplace(v.tokens[i], i);

  MergeState st;
  st.words.reserve(pieces_.size());
  for (const auto& [piece, count] : pieces_) {
    MergeState::Word w{{}, count};
    for (unsigned char c : piece) w.symbols.push_back(c);
    st.words.push_back(std::move(w));
  }
  for (int32_t w = 0; w < static_cast<int32_t>(st.words.size()); ++w) st.add_pairs(w, +1, nullptr);
  for (const auto& [key, count] : st.pair_count) st.heap.push({count, key});

  std::vector<uint32_t> visited(st.words.size(), 0);  // merge number that last visited each word
  std::unordered_set<uint64_t> changed;
  const int64_t target = options_.vocab_size - static_cast<int64_t>(v.special_tokens.size());
  while (static_cast<int64_t>(v.tokens.size()) < target && !st.heap.empty()) {
    const MergeState::Candidate top = st.heap.top();
    st.heap.pop();
    const auto it = st.pair_count.find(top.key);
    const int64_t current = it == st.pair_count.end() ? 0 : it->second;
    if (current != top.count) {  // stale entry: requeue with the current count
      if (current > 0) st.heap.push({current, top.key});
      continue;
    }
    if (current < options_.min_frequency) break;
    const int32_t a = static_cast<int32_t>(top.key >> 32), b = static_cast<int32_t>(top.key & 0xffffffffu);
    const std::string bytes = v.tokens[a] + v.tokens[b];
    auto [pos, fresh] = by_bytes.emplace(bytes, static_cast<int32_t>(v.tokens.size()));
    if (fresh) v.tokens.push_back(bytes);
    v.merges.emplace_back(a, b);
    const uint32_t stamp = static_cast<uint32_t>(v.merges.size());

    changed.clear();
    std::vector<int32_t> where = std::move(st.pair_words[top.key]);
    st.pair_words.erase(top.key);
    for (int32_t w : where) {
      if (visited[w] == stamp) continue;
      visited[w] = stamp;
      MergeState::Word& word = st.words[w];
      std::vector<int32_t> before = word.symbols;
      if (!st.merge_word(w, a, b, pos->second)) continue;
      // Take the word's old pairs out and its new ones in (counts only change by the merge).
      std::swap(word.symbols, before);
      st.add_pairs(w, -1, &changed);
      std::swap(word.symbols, before);
      st.add_pairs(w, +1, &changed);
    }
    st.pair_count.erase(top.key);
    changed.erase(top.key);
    for (uint64_t k : changed) {
      const auto c = st.pair_count.find(k);
      if (c == st.pair_count.end()) continue;
      if (c->second > 0) {
        st.heap.push({c->second, k});
      } else {
        st.pair_count.erase(c);
        st.pair_words.erase(k);
      }
    }
  }
  return v;
}

std::string tokenizer_json(const BpeVocab& v) {
  const int32_t first = static_cast<int32_t>(v.special_tokens.size());
  OrderedJson added = OrderedJson::array(), vocab = OrderedJson::object(), merges = OrderedJson::array();
  for (int32_t i = 0; i < first; ++i) {
    added.push_back({{"id", i}, {"content", v.special_tokens[i]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
    vocab[v.special_tokens[i]] = i;
  }
  std::vector<std::string> spelled;
  for (const std::string& t : v.tokens) spelled.push_back(byte_level::from_bytes(t));
  for (size_t i = 0; i < spelled.size(); ++i) vocab[spelled[i]] = first + static_cast<int32_t>(i);
  // Byte-level spellings never contain a space (it is spelled 'Ġ'), so "left right" is unambiguous.
  for (const auto& [a, b] : v.merges) merges.push_back(spelled[a] + " " + spelled[b]);
  const OrderedJson j = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", pre_tokenizer_json()},
      {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
        {"vocab", vocab}, {"merges", merges}}}};
  return j.dump(1) + "\n";
}

std::string tokenizer_config_json(const BpeVocab& v) {
  OrderedJson j = {{"add_bos_token", true},
                   {"add_eos_token", false},
                   {"bos_token", v.special_tokens[0]},
                   {"eos_token", v.special_tokens[1]},
                   {"pad_token", v.special_tokens[1]},
                   {"clean_up_tokenization_spaces", false},
                   {"legacy", true},
                   {"model_max_length", 16384},
                   {"tokenizer_class", "LlamaTokenizerFast"}};
  const auto has = [&](std::string_view s) { return std::find(v.special_tokens.begin(), v.special_tokens.end(), s) != v.special_tokens.end(); };
  if (has("<｜User｜>") && has("<｜Assistant｜>")) j["chat_template"] = kChatTemplate;
  return j.dump(2) + "\n";
}

Status write_tokenizer_files(const std::string& dir, const BpeVocab& v) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error(fmt::format("[bpe_trainer] cannot create directory '{}': {}", dir, ec.message()));
  SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/tokenizer.json", tokenizer_json(v)));
  return write_file_atomic(dir + "/tokenizer_config.json", tokenizer_config_json(v));
}

}  // namespace seek
