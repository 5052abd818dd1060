// Regex: a split pattern from tokenizer.json, compiled with PCRE2 (UTF + Unicode properties +
// JIT). Hugging Face compiles these patterns with Oniguruma; to_pcre2() rewrites the few
// constructs whose meaning differs between the two dialects, and find_all() iterates matches
// with the same rule for empty matches as HF's onig find_iter.
//
// Invalid UTF-8 in the subject is allowed (PCRE2_MATCH_INVALID_UTF): no pattern item ever
// matches an ill-formed byte, so such bytes always fall between matches.
//
// Thread safety: a compiled Regex is immutable; find_all may run concurrently (per-thread
// match data and JIT stacks).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace seek {

// A [begin, end) byte range in the subject.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

class Regex {
 public:
  // Compiles an Oniguruma-syntax pattern (as written in tokenizer.json).
  static Result<Regex> compile(std::string_view pattern);

  // Appends every non-overlapping match in `text`, left to right, to *out. Fails only when
  // PCRE2 runs out of a resource (JIT stack, match limit), with the byte offset in the message.
  Status find_all(std::string_view text, std::vector<Span>* out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

// A set of code points written as a PCRE2 character class such as "[\\p{L}\\p{N}]", so that
// Unicode property questions about one character are answered by PCRE2's tables rather than a
// copy of them. Compiled once; contains() may run concurrently. The class is program text: one
// that does not compile is a programming error (SEEK_CHECK).
class CodePointClass {
 public:
  explicit CodePointClass(std::string_view pcre2_class);
  bool contains(char32_t c) const;

 private:
  std::shared_ptr<const void> code_;  // pcre2_code
};

// Rewrites an Oniguruma (Ruby syntax) pattern into an equivalent PCRE2 one: `\s`/`\S` become
// Oniguruma's Unicode whitespace set, `\h`/`\H` its hex-digit class. Constructs with no safe
// translation (`\S` or `\H` inside a class, class intersection `&&`, nested classes) are an
// unsupported error naming the construct and its offset.
Result<std::string> onig_to_pcre2(std::string_view pattern);

}  // namespace seek
