// PreTokenizer: tokenizer.json's "pre_tokenizer", which cuts text into the pieces that BPE
// encodes one by one. Supported, with Hugging Face's semantics: Split (Regex or String pattern,
// all five behaviours, invert), Digits, ByteLevel (add_prefix_space, use_regex) and Sequence of
// these. ByteLevel must come last: seek runs BPE on raw bytes, so the byte-to-character map
// ByteLevel applies is implicit. Anything else is an unsupported error naming the type.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/json.h"
#include "tokenizer/regex.h"

namespace seek {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

class PreTokenizer {
 public:
  // `j` is the "pre_tokenizer" value; `where` names the file for messages.
  static Result<PreTokenizer> from_json(const Json& j, std::string_view where);

  // Splits `text` and appends the non-empty pieces to *pieces. Pieces point into `text`, or
  // into *storage when a step had to change the bytes (ByteLevel's add_prefix_space).
  Status split(std::string_view text, std::vector<std::string_view>* pieces, std::deque<std::string>* storage) const;

 private:
  struct Step {
    Regex regex;
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
    bool add_prefix_space = false;  // ByteLevel: prepend ' ' to each piece that lacks one, before splitting
    bool split = true;              // false for a ByteLevel step with use_regex = false
  };
  Status add_steps(const Json& j, const std::string& path, std::string_view where, bool* saw_byte_level);

  std::vector<Step> steps_;
};

}  // namespace seek
