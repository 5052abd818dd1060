// The GPT-2 byte-level alphabet: every byte 0..255 is shown as one printable code point, so
// that a BPE vocabulary of strings can spell arbitrary bytes ('Ġ' U+0120 is the space byte).
// seek runs BPE on raw bytes and uses this map only to translate vocabulary strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seek::byte_level {

// The code point that stands for byte b.
char32_t byte_to_char(uint8_t b);

// The byte a code point stands for, or -1 if it is not in the alphabet.
int char_to_byte(char32_t c);

// Raw bytes spelled by a vocabulary string, or nullopt if any of its code points is outside
// the alphabet (such tokens, e.g. "<｜begin▁of▁sentence｜>", are never produced by BPE).
std::optional<std::string> to_bytes(std::string_view token);

// The vocabulary spelling of raw bytes (inverse of to_bytes).
std::string from_bytes(std::string_view bytes);

}  // namespace seek::byte_level
