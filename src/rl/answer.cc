#include "rl/answer.h"

namespace seek::rl {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t count(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string_view::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

bool has_tag(std::string_view s) {
  for (std::string_view tag : {kThinkOpen, kThinkClose, kAnswerOpen, kAnswerClose}) {
    if (s.find(tag) != std::string_view::npos) return true;
  }
  return false;
}

// Consumes `prefix` (after optional whitespace) from the front of *s.
bool eat(std::string_view* s, std::string_view prefix) {
  s->remove_prefix(std::min(s->size(), s->find_first_not_of(" \t\n\r\f\v")));
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

// The text up to `close`, consumed with it; false when `close` is missing.
bool until(std::string_view* s, std::string_view close, std::string_view* body) {
  const size_t p = s->find(close);
  if (p == std::string_view::npos) return false;
  *body = s->substr(0, p);
  s->remove_prefix(p + close.size());
  return true;
}

bool check_format(std::string_view s) {
  std::string_view think, answer;
  if (!eat(&s, kThinkOpen) || !until(&s, kThinkClose, &think) || has_tag(think)) return false;
  if (!eat(&s, kAnswerOpen) || !until(&s, kAnswerClose, &answer) || has_tag(answer)) return false;
  return trim(s).empty();
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

ParsedResponse parse_response(std::string_view response) {
  ParsedResponse r;
  r.format_ok = check_format(response);
  if (count(response, kAnswerOpen) != 1 || count(response, kAnswerClose) != 1) return r;
  const size_t open = response.find(kAnswerOpen) + kAnswerOpen.size(), close = response.find(kAnswerClose);
  if (close < open) return r;
  r.answer = std::string(trim(response.substr(open, close - open)));
  return r;
}

std::optional<std::string> canonical_number(std::string_view s) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot), frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  std::string digits;
  // Commas only as thousands separators: every group after the first has exactly three digits.
  const bool grouped = whole.find(',') != std::string_view::npos;
  size_t group = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    const char c = whole[i];
    if (c == ',') {
      if (group == 0 || group > 3 || (digits.size() > group && group != 3)) return std::nullopt;
      group = 0;
      continue;
    }
    if (!is_digit(c)) return std::nullopt;
    digits += c;
    ++group;
  }
  if (grouped && group != 3) return std::nullopt;
  for (char c : frac) {
    if (!is_digit(c)) return std::nullopt;
  }
  const size_t first = digits.find_first_not_of('0');
  std::string out = first == std::string::npos ? "0" : digits.substr(first);
  const size_t last = frac.find_last_not_of('0');
  if (last != std::string_view::npos) out += "." + std::string(frac.substr(0, last + 1));
  if (negative && out != "0") out = "-" + out;
  return out;
}

bool numbers_equal(std::string_view a, std::string_view b) {
  const std::optional<std::string> x = canonical_number(a), y = canonical_number(b);
  return x && y && *x == *y;
}

}  // namespace seek::rl
