// UTF-8 decoding rules, the byte-level alphabet, and the Oniguruma-to-PCRE2 translation.
#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"

namespace seek {
namespace {

TEST(Utf8, DecodesWellFormedSequences) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x91\x8D";  // a é 中 👍
  EXPECT_TRUE(utf8::is_valid(s));
  EXPECT_EQ(utf8::length(s), 4u);
  const utf8::Step st = utf8::decode(s, 6);
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.cp, 0x1F44Du);
  EXPECT_EQ(st.len, 4);
}

// Maximal subparts, as in the Unicode standard's Table 3-8 example and WHATWG's decoder.
TEST(Utf8, ReplacesEachMaximalSubpartOnce) {
  EXPECT_EQ(utf8::sanitize("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd");
  EXPECT_EQ(utf8::sanitize("\xC0\xAF"), "\uFFFD\uFFFD");          // overlong lead
  EXPECT_EQ(utf8::sanitize("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");  // surrogate
  EXPECT_EQ(utf8::sanitize("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
  EXPECT_EQ(utf8::sanitize("\xE4\xB8"), "\uFFFD");                 // truncated: one subpart
  EXPECT_FALSE(utf8::is_valid("\xE4\xB8"));
}

TEST(Utf8, HoldsBackATruncatedTail) {
  std::string out;
  EXPECT_EQ(utf8::append_lossy(&out, "ok\xE4\xB8", /*hold_truncated=*/true), 2u);
  EXPECT_EQ(out, "ok");
  out.clear();
  EXPECT_EQ(utf8::append_lossy(&out, "ok\xFF\xE4", true), 3u);  // FF is ill-formed at once, E4 may continue
  EXPECT_EQ(out, "ok\uFFFD");
}

TEST(ByteLevel, MapsEveryByteBothWays) {
  EXPECT_EQ(byte_level::byte_to_char(' '), 0x120u);  // 'Ġ'
  EXPECT_EQ(byte_level::byte_to_char('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(byte_level::byte_to_char('a'), static_cast<char32_t>('a'));
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string spelled = byte_level::from_bytes(all);
  EXPECT_EQ(byte_level::to_bytes(spelled), all);
  EXPECT_FALSE(byte_level::to_bytes("<｜User｜>").has_value());  // U+FF5C is outside the alphabet
}

TEST(Regex, TranslatesOnigurumaWhitespaceAndHex) {
  Result<std::string> p = onig_to_pcre2(R"(\s+(?!\S)|[^\s\p{L}]\h)");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->find("\\s"), std::string::npos);
  EXPECT_NE(p->find("\\x{85}"), std::string::npos);
  EXPECT_NE(p->find("[0-9a-fA-F]"), std::string::npos);
  EXPECT_EQ(onig_to_pcre2(R"([a\S])").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(onig_to_pcre2("[a-z&&[^aeiou]]").status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(onig_to_pcre2(R"([]a] [\]] [[:alpha:]] \[\s)").is_ok());
}

TEST(Regex, MatchesLikeOnigurumaOnEdgeCases) {
  Result<Regex> r = Regex::compile(R"(\s+(?!\S)|\s+)");
  ASSERT_TRUE(r.is_ok());
  std::vector<Span> m;
  // NEL is whitespace for Oniguruma (not for JavaScript): " \x85" stops before the space that
  // precedes "b", as (?!\S) requires.
  ASSERT_TRUE(r->find_all("a \xC2\x85 b", &m).is_ok());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].begin, 1u);
  EXPECT_EQ(m[0].end, 4u);
  EXPECT_EQ(m[1].end, 5u);
  m.clear();
  ASSERT_TRUE(r->find_all("x\xEF\xBB\xBFy", &m).is_ok());  // U+FEFF is not (JavaScript's \s says it is)
  EXPECT_TRUE(m.empty());
  m.clear();
  Result<Regex> empty = Regex::compile("a*");
  ASSERT_TRUE(empty.is_ok());
  // onig's find_iter: "" at 0, "aa", then "" at 4; the empty match right after "aa" is skipped.
  ASSERT_TRUE(empty->find_all("baab", &m).is_ok());
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].begin, 0u);
  EXPECT_EQ(m[1].begin, 1u);
  EXPECT_EQ(m[1].end, 3u);
  EXPECT_EQ(m[2].begin, 4u);
  EXPECT_EQ(Regex::compile("(unclosed").status().code(), StatusCode::kCorruption);
}

TEST(Regex, NeverMatchesIllFormedBytes) {
  Result<Regex> r = Regex::compile(R"([^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|.)");
  ASSERT_TRUE(r.is_ok());
  std::vector<Span> m;
  ASSERT_TRUE(r->find_all("ab\xFF\xFE" "cd", &m).is_ok());
  ASSERT_EQ(m.size(), 2u);  // "ab" and "cd"; the two bad bytes fall between
  EXPECT_EQ(m[0].end, 2u);
  EXPECT_EQ(m[1].begin, 4u);
}

}  // namespace
}  // namespace seek
