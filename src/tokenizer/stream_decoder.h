// StreamDecoder: turns ids into text one id at a time, for streaming chat output. It emits
// only complete UTF-8: bytes of a character split across tokens are held back until the
// character is complete. Ill-formed bytes become U+FFFD, so the concatenation of everything
// push() and finish() return equals utf8::sanitize(tokenizer.decode(all ids)), HF's string.
//
// Thread safety: one decoder per stream; it refers to the Tokenizer, which must outlive it.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tokenizer/tokenizer.h"

namespace seek {

class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, DecodeOptions options = {})
      : tokenizer_(&tokenizer), options_(options) {}

  // The text completed by this id (possibly empty). An id that names no token is an error and
  // leaves the decoder unchanged.
  Result<std::string> push(int32_t id);

  // Ends the stream: any held-back incomplete character becomes U+FFFD.
  std::string finish();

  // Bytes held back, waiting for the rest of a character (0..3).
  size_t pending() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  std::string pending_;
};

}  // namespace seek
