// UTF-8 decoding with the exact error rules of the Unicode standard, shared by the tokenizer,
// the streaming decoder and the template engine. Nothing here allocates except the string
// builders; nothing rejects input: ill-formed bytes are reported, never fatal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace seek::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// One step of decoding at a byte position. For a well-formed sequence `ok` is true, `cp` is the
// code point and `len` its byte length. Otherwise `len` is the length of the maximal subpart
// (1..3 bytes) that a single U+FFFD replaces (Unicode §3.9 "substitution of maximal subparts",
// the rule of WHATWG TextDecoder and Rust's String::from_utf8_lossy), and `truncated` says the
// subpart ran into the end of the input, i.e. more bytes could still complete it.
struct Step {
  char32_t cp = 0;
  int len = 1;
  bool ok = false;
  bool truncated = false;
};

// Decodes at s[i]; requires i < s.size().
Step decode(std::string_view s, size_t i);

bool is_valid(std::string_view s);

// Appends the UTF-8 encoding of cp (cp <= 0x10FFFF; surrogates are encoded as-is).
void append(std::string* out, char32_t cp);

// Appends s to *out with each maximal ill-formed subpart replaced by U+FFFD. If
// `hold_truncated` is true, a subpart truncated by the end of s is not replaced but left
// unconsumed; returns the number of bytes of s consumed.
size_t append_lossy(std::string* out, std::string_view s, bool hold_truncated = false);

// s with ill-formed subparts replaced by U+FFFD (the output of HF's lossy decode).
std::string sanitize(std::string_view s);

// Number of code points, counting each ill-formed subpart as one (Python-style len of the
// lossily decoded string).
size_t length(std::string_view s);

}  // namespace seek::utf8
