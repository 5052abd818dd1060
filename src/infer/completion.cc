#include "infer/completion.h"

#include <algorithm>

namespace seek {
namespace {

// Length of the longest suffix of `text` that is a proper prefix of some stop string.
size_t held_back(std::string_view text, const std::vector<std::string>& stops) {
  size_t keep = 0;
  for (const std::string& s : stops) {
    for (size_t n = std::min(s.size() - 1, text.size()); n > keep; --n) {
      if (text.substr(text.size() - n) == std::string_view(s).substr(0, n)) {
        keep = n;
        break;
      }
    }
  }
  return keep;
}

}  // namespace

Status validate(const GenerateOptions& o) {
  SEEK_RETURN_IF_ERROR(validate(o.sampling));
  if (o.max_tokens < 1) return Status::invalid_argument(fmt::format("[generate] max_tokens is {}, expected >= 1", o.max_tokens));
  if (o.prefill_chunk < 1) return Status::invalid_argument("[generate] prefill_chunk must be >= 1");
  for (const std::string& s : o.stop) {
    if (s.empty()) return Status::invalid_argument("[generate] a stop string is empty");
  }
  return Status::ok();
}

std::string_view finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "?";
}

Completion::Completion(const Tokenizer& tokenizer, const GenerateOptions& o)
    : tokenizer_(&tokenizer), o_(o), sampler_(o.sampling), decoder_(tokenizer) {}

Result<bool> Completion::next(std::span<float> logits) {
  if (finished_) return false;
  const int32_t id = sampler_.sample(logits, tokens_);
  if (id == tokenizer_->eos_id() && !o_.ignore_eos) {
    finish(FinishReason::kStop);
    return false;
  }
  SEEK_ASSIGN_OR_RETURN(std::string piece, decoder_.push(id));
  tokens_.push_back(id);
  text_ += piece;
  // A stop string can only begin in text not yet taken (taken text is never a stop prefix).
  size_t cut = std::string::npos;
  for (const std::string& s : o_.stop) cut = std::min(cut, text_.find(s, taken_));
  if (cut != std::string::npos) {
    text_.resize(cut);
    stop_string_ = true;
    finish(FinishReason::kStop);
    return false;
  }
  if (static_cast<int64_t>(tokens_.size()) >= o_.max_tokens) {
    finish(FinishReason::kLength);
    return false;
  }
  return true;
}

void Completion::end(FinishReason reason) {
  if (!finished_) finish(reason);
}

void Completion::finish(FinishReason reason) {
  finished_ = true;
  reason_ = reason;
  if (!stop_string_) text_ += decoder_.finish();  // nothing can complete a stop string now
}

std::string Completion::take_text() {
  const size_t end = finished_ ? text_.size() : text_.size() - held_back(text_, o_.stop);
  if (end <= taken_) return {};
  std::string out = text_.substr(taken_, end - taken_);
  taken_ = end;
  return out;
}

}  // namespace seek
