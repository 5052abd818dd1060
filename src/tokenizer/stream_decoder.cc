#include "tokenizer/stream_decoder.h"

#include "tokenizer/utf8.h"

namespace seek {

Result<std::string> StreamDecoder::push(int32_t id) {
  const int32_t one[] = {id};
  SEEK_ASSIGN_OR_RETURN(std::string bytes, tokenizer_->decode(one, options_));
  pending_ += bytes;
  std::string out;
  const size_t used = utf8::append_lossy(&out, pending_, /*hold_truncated=*/true);
  pending_.erase(0, used);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out = utf8::sanitize(pending_);
  pending_.clear();
  return out;
}

}  // namespace seek
