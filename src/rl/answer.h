// Reading a model's answer the way R1-Zero's rule-based rewards do: the response must put its
// reasoning in <think> </think> and then its answer in <answer> </answer>; the answer is
// compared with the truth by exact text or by numeric value.
//
// Every rule is deterministic and total: any byte string (empty, unclosed or repeated tags,
// numbers with thousands of digits, non-ASCII digits, invalid UTF-8) gets a definite result in
// time linear in its length, and nothing is converted to a machine number (so a huge number
// cannot overflow, and 10^400 differs from 10^400 + 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace seek::rl {

inline constexpr std::string_view kThinkOpen = "<think>", kThinkClose = "</think>";
inline constexpr std::string_view kAnswerOpen = "<answer>", kAnswerClose = "</answer>";

struct ParsedResponse {
  // The whole response is: whitespace, <think>, text, </think>, whitespace, <answer>, text,
  // </answer>, whitespace; neither text holds any of the four tags.
  bool format_ok = false;
  // The text between <answer> and </answer>, trimmed of ASCII whitespace, when the response
  // holds exactly one <answer> and one </answer> after it. Several answers (a model hedging
  // its bets), an unclosed one or none at all: no answer.
  std::optional<std::string> answer;
};

ParsedResponse parse_response(std::string_view response);

// ASCII whitespace trimmed from both ends.
std::string_view trim(std::string_view s);

// The canonical decimal form of a number written in ASCII: an optional sign, digits (groups of
// three may be separated by commas: 1,234,567), an optional fraction. Leading zeros, trailing
// fraction zeros, '+' and the sign of zero are dropped: "+0012.50" -> "12.5", "-0.0" -> "0".
// Anything else (empty, letters, exponents, "1,23", Arabic-Indic or full-width digits) is not
// a number: nullopt.
std::optional<std::string> canonical_number(std::string_view s);

// Whether two answers are the same number (both must be numbers).
bool numbers_equal(std::string_view a, std::string_view b);

}  // namespace seek::rl
