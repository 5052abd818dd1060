#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace seek::byte_level {
namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves; the 68 others
// (controls, space, DEL, NBSP, soft hyphen) map in order to U+0100, U+0101, ...
struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<int16_t, 324> to_byte{};  // indexed by code point; every mapped cp is < 324
  Tables() {
    to_byte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      to_byte[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_char(uint8_t b) { return tables().to_char[b]; }

int char_to_byte(char32_t c) { return c < tables().to_byte.size() ? tables().to_byte[c] : -1; }

std::optional<std::string> to_bytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    const utf8::Step st = utf8::decode(token, i);
    const int b = st.ok ? char_to_byte(st.cp) : -1;
    if (b < 0) return std::nullopt;
    out.push_back(static_cast<char>(b));
    i += st.len;
  }
  return out;
}

std::string from_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append(&out, byte_to_char(b));
  return out;
}

}  // namespace seek::byte_level
