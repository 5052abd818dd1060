#include "serve/decode_state.h"

namespace seek::serve {

DecodeState::DecodeState(const Tokenizer& tokenizer, const GenerationRequest& request)
    : completion_(tokenizer, request.options),
      split_(request.split_reasoning),
      splitter_(request.split_reasoning && request.opens_reasoning) {}

Result<bool> DecodeState::next(std::span<float> logits, Delta* delta) {
  const bool reasoning = split_ && splitter_.in_reasoning();
  const size_t before = completion_.tokens().size();
  SEEK_ASSIGN_OR_RETURN(bool more, completion_.next(logits));
  if (reasoning && completion_.tokens().size() > before) ++reasoning_tokens_;
  emit(completion_.take_text(), !more, delta);
  return more;
}

void DecodeState::end(FinishReason reason, Delta* delta) {
  const bool was_finished = completion_.finished();
  completion_.end(reason);
  emit(was_finished ? std::string() : completion_.take_text(), true, delta);
}

void DecodeState::emit(std::string_view text, bool last, Delta* delta) {
  if (!split_) {
    delta->content += text;
    return;
  }
  splitter_.push(text, &delta->reasoning, &delta->content);
  if (last) splitter_.finish(&delta->reasoning, &delta->content);
}

}  // namespace seek::serve
