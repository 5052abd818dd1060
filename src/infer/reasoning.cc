#include "infer/reasoning.h"

#include <algorithm>

namespace seek {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

// Length of the longest suffix of `s` that is a proper prefix of `tag`.
size_t partial_tag(std::string_view s, std::string_view tag) {
  for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n) {
    if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

bool ReasoningSplitter::prompt_opens_reasoning(std::string_view prompt) {
  const size_t end = prompt.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) return false;
  prompt = prompt.substr(0, end + 1);
  return prompt.size() >= kOpen.size() && prompt.substr(prompt.size() - kOpen.size()) == kOpen;
}

void ReasoningSplitter::push(std::string_view piece, std::string* reasoning, std::string* content) {
  held_ += piece;
  for (;;) {
    if (!in_reasoning_ && !seen_any_) {
      // An answer may open with "<think>" (optionally after whitespace): enter reasoning.
      const size_t first = held_.find_first_not_of(" \t\r\n");
      if (first == std::string::npos) return;  // only whitespace so far: undecided
      const std::string_view rest = std::string_view(held_).substr(first);
      if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) return;  // maybe a tag
      seen_any_ = true;
      if (rest.substr(0, kOpen.size()) == kOpen) {
        held_.erase(0, first + kOpen.size());
        in_reasoning_ = true;
      }
      continue;
    }
    if (in_reasoning_) {
      seen_any_ = true;
      const size_t close = held_.find(kClose);
      if (close != std::string::npos) {
        reasoning->append(held_, 0, close);
        held_.erase(0, close + kClose.size());
        in_reasoning_ = false;
        after_close_ = true;
        continue;
      }
      const size_t keep = partial_tag(held_, kClose);
      reasoning->append(held_, 0, held_.size() - keep);
      held_.erase(0, held_.size() - keep);
      return;
    }
    if (after_close_) {  // R1 puts a blank line between its reasoning and its answer
      const size_t text = held_.find_first_not_of("\r\n");
      held_.erase(0, std::min(text, held_.size()));
      if (text == std::string::npos) return;
      after_close_ = false;
    }
    content->append(held_);
    held_.clear();
    return;
  }
}

void ReasoningSplitter::finish(std::string* reasoning, std::string* content) {
  (in_reasoning_ ? reasoning : content)->append(held_);
  held_.clear();
}

}  // namespace seek
