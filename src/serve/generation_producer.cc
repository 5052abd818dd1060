#include "serve/generation_producer.h"

namespace seek::serve {

ApiError timeout_error() {
  return ApiError{504, "timeout_error", "the generation ran past the server's request timeout (seek serve --timeout)", "",
                  "timeout"};
}

bool GenerationProducer::finish_with(const ApiError& e, std::string* out) {
  done_ = true;
  if (stream_) {
    *out += sse_error(e);
    *out += sse_done();
  } else {
    status_ = e.status;
    *out += e.body();
  }
  return true;
}

bool GenerationProducer::poll(std::string* out) {
  if (done_) return true;
  if (timed_out_) return finish_with(timeout_error(), out);
  Generation::Update u = gen_->take();
  if (!stream_) {
    for (const Delta& d : u.deltas) reasoning_ += d.reasoning, content_ += d.content;
    if (!u.finished) return false;
    if (u.error) return finish_with(*u.error, out);
    done_ = true;
    *out += completion_body(meta_, reasoning_, content_, u.finish_reason, u.usage, u.timings);
    return true;
  }
  // The role chunk goes out with the first text, so the first chunk marks the first token.
  if (!sent_role_ && (!u.deltas.empty() || (u.finished && !u.error))) {
    *out += sse_role_chunk(meta_);
    sent_role_ = true;
  }
  for (const Delta& d : u.deltas) *out += sse_delta_chunk(meta_, d.reasoning, d.content);
  if (!u.finished) return false;
  if (u.error) return finish_with(*u.error, out);
  done_ = true;
  *out += sse_final_chunks(meta_, u.finish_reason, u.usage, u.timings);
  *out += sse_done();
  return true;
}

void GenerationProducer::cancel(CancelReason why) {
  gen_->cancel();
  if (why == CancelReason::kTimeout) {
    timed_out_ = true;
  } else {
    done_ = true;  // nobody is listening
  }
}

}  // namespace seek::serve
