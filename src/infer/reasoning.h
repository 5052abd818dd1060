// ReasoningSplitter: separates an R1-style stream into reasoning ("<think> ... </think>") and
// answer text as it arrives, the way DeepSeek's API splits reasoning_content from content.
// Tags may arrive split across pieces; text that could be the start of a tag is held back.
// A model whose prompt already ends in "<think>\n" (R1's template) starts inside reasoning.
#pragma once

#include <string>
#include <string_view>

namespace seek {

class ReasoningSplitter {
 public:
  explicit ReasoningSplitter(bool starts_in_reasoning = false) : in_reasoning_(starts_in_reasoning) {}

  // Whether a rendered prompt leaves the model inside a reasoning block.
  static bool prompt_opens_reasoning(std::string_view prompt);

  // Appends the parts of `piece` that are final to *reasoning and *content.
  void push(std::string_view piece, std::string* reasoning, std::string* content);
  // Flushes held-back text at the end of the stream.
  void finish(std::string* reasoning, std::string* content);
  bool in_reasoning() const { return in_reasoning_; }

 private:
  bool in_reasoning_;
  bool seen_any_ = false;     // a "<think>" is only recognised at the start of the answer
  bool after_close_ = false;  // just left reasoning: drop the newlines before the answer
  std::string held_;
};

}  // namespace seek
