#include "tokenizer/added_tokens.h"

#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"


namespace seek {
namespace {

// Rust's char::is_whitespace (Unicode White_Space), which HF uses for lstrip/rstrip.
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Rust regex's Unicode \w (used by HF for single_word): Alphabetic, marks, decimal digits,
// connector punctuation, joiners.
bool is_word_char(char32_t c) {
  static const CodePointClass word("[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]");
  return word.contains(c);
}

// The code point that ends text (text non-empty), or U+FFFD if it ends in ill-formed bytes.
char32_t last_char(std::string_view text) {
  size_t i = text.size() - 1;
  while (i > 0 && text.size() - i < 4 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  const utf8::Step st = utf8::decode(text, i);
  return st.ok && i + st.len == text.size() ? st.cp : utf8::kReplacement;
}

char32_t first_char(std::string_view text) {
  const utf8::Step st = utf8::decode(text, 0);
  return st.ok ? st.cp : utf8::kReplacement;
}

// Start of the whitespace run that ends text[0, end).
size_t space_run_before(std::string_view text, size_t end) {
  while (end > 0 && is_space(last_char(text.substr(0, end)))) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
    end = i;
  }
  return end;
}

// End of the whitespace run that starts at text[begin].
size_t space_run_after(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    const utf8::Step st = utf8::decode(text, begin);
    if (!st.ok || !is_space(st.cp)) break;
    begin += st.len;
  }
  return begin;
}

}  // namespace

void AddedTokenMatcher::add(const AddedToken* token) {
  const auto& s = token->content;
  int32_t node = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto byte = static_cast<unsigned char>(s[i]);
    int32_t* next;
    if (i == 0) {
      next = &root_[byte];
    } else {
      next = &edges_.try_emplace((static_cast<uint64_t>(node) << 8) | byte, -1).first->second;
    }
    if (*next < 0) {
      *next = static_cast<int32_t>(terminal_.size());
      terminal_.push_back(-1);
    }
    node = *next;
  }
  // A later duplicate of the same content wins, as a later insert into HF's map does.
  terminal_[node] = static_cast<int32_t>(tokens_.size());
  tokens_.push_back(token);
}

int AddedTokenMatcher::longest_at(std::string_view text, size_t pos, bool skip_special) const {
  int32_t node = root_[static_cast<unsigned char>(text[pos])];
  int best = -1;
  for (size_t i = pos + 1; node >= 0; ++i) {
    const int32_t t = terminal_[node];
    if (t >= 0 && !(skip_special && tokens_[t]->special)) best = t;
    if (i >= text.size()) break;
    const auto it = edges_.find((static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(text[i]));
    node = it == edges_.end() ? -1 : it->second;
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, bool skip_special, std::vector<Segment>* out) const {
  size_t done = 0;  // end of the last emitted segment
  for (size_t pos = 0; pos < text.size();) {
    // Most bytes start no token; skip them without entering the trie.
    while (pos < text.size() && root_[static_cast<unsigned char>(text[pos])] < 0) ++pos;
    if (pos >= text.size()) break;
    const int t = longest_at(text, pos, skip_special);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& tok = *tokens_[t];
    size_t start = pos, stop = pos + tok.content.size();
    pos = stop;  // a rejected match is skipped whole, as HF's match iterator does
    if (tok.single_word) {
      const bool free_left = start == 0 || !is_word_char(last_char(text.substr(0, start)));
      const bool free_right = stop == text.size() || !is_word_char(first_char(text.substr(stop)));
      if (!free_left || !free_right) continue;
    }
    if (tok.lstrip) start = std::max(space_run_before(text, start), done);
    if (tok.rstrip) stop = space_run_after(text, stop);
    if (done < start) out->push_back({text.substr(done, start - done), -1});
    out->push_back({text.substr(start, stop - start), tok.id});
    // HF resumes matching at the end of the token itself, so a token that begins with
    // whitespace could overlap the spaces an rstrip just took; seek resumes after them and
    // keeps segments disjoint.
    done = pos = stop;
  }
  if (done < text.size()) out->push_back({text.substr(done), -1});
}

}  // namespace seek
