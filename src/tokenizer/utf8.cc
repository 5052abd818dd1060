#include "tokenizer/utf8.h"

namespace seek::utf8 {

Step decode(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1, true, false};
  // Table 3-7 of the Unicode standard: the lead byte fixes the length and the range of the
  // second byte; every later byte is 80..BF.
  int need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {0, 1, false, false};  // continuation byte, C0, C1 or F5..FF as a lead
  }
  int len = 1;
  for (int k = 0; k < need; ++k, ++len) {
    if (i + len >= s.size()) return {0, len, false, true};
    const unsigned char b = byte(i + len);
    if (b < lo || b > hi) return {0, len, false, false};
    cp = (cp << 6) | (b & 0x3F);
    lo = 0x80, hi = 0xBF;
  }
  return {cp, len, true, false};
}

bool is_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const Step st = decode(s, i);
    if (!st.ok) return false;
    i += st.len;
  }
  return true;
}

void append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t append_lossy(std::string* out, std::string_view s, bool hold_truncated) {
  size_t i = 0;
  while (i < s.size()) {
    const Step st = decode(s, i);
    if (st.ok) {
      out->append(s.substr(i, st.len));
    } else if (st.truncated && hold_truncated) {
      break;
    } else {
      append(out, kReplacement);
    }
    i += st.len;
  }
  return i;
}

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_lossy(&out, s);
  return out;
}

size_t length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += decode(s, i).len) ++n;
  return n;
}

}  // namespace seek::utf8
