// Added tokens (tokenizer.json "added_tokens"): strings such as "<｜User｜>" that are cut out of
// the text before pre-tokenization and map straight to one id, as Hugging Face's
// AddedVocabulary does: leftmost-longest matching, then the single_word / lstrip / rstrip rules.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seek {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;      // skipped by decode(skip_special_tokens); not matched with split_special_tokens
  bool single_word = false;  // matches only where no word character touches either end
  bool lstrip = false;       // also swallows the whitespace before it
  bool rstrip = false;       // also swallows the whitespace after it
  bool normalized = false;   // matched against normalized text (second pass) rather than raw text
};

// A piece of input text: either plain text (token < 0) or the text matched by an added token.
struct Segment {
  std::string_view text;
  int32_t token = -1;
};

// Finds one set of added tokens in text. Build once; matching is const and thread-safe.
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() { root_.fill(-1); }
  // `tokens` must outlive the matcher; contents are non-empty.
  void add(const AddedToken* token);
  bool empty() const { return tokens_.empty(); }

  // Splits `text` into plain and token segments, appended to *out in order. With
  // skip_special, special tokens are left as plain text (HF's split_special_tokens).
  void split(std::string_view text, bool skip_special, std::vector<Segment>* out) const;

 private:
  // Longest token starting at text[pos] (index into tokens_), or -1.
  int longest_at(std::string_view text, size_t pos, bool skip_special) const;

  // A byte trie: root_ is dense for speed, deeper edges live in one hash map keyed by
  // (node << 8 | byte). terminal_[node] is the token ending there, or -1.
  std::array<int32_t, 256> root_;
  std::unordered_map<uint64_t, int32_t> edges_;
  std::vector<int32_t> terminal_{-1};
  std::vector<const AddedToken*> tokens_;
};

}  // namespace seek
