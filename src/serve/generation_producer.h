// GenerationProducer: the HTTP body of one generation. Streamed, each poll turns the deltas
// the scheduler published into SSE chunks (one per generated token that produced text, so
// clients measure inter-token latency correctly), then the finish chunk, the optional usage
// chunk and "data: [DONE]". Not streamed, it collects the text and produces the whole
// chat.completion / text_completion once the generation ends.
//
// Thread safety: used on one connection's strand; the Generation it reads is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "serve/generation.h"
#include "serve/http_server.h"
#include "serve/responses.h"

namespace seek::serve {

class GenerationProducer final : public ResponseProducer {
 public:
  GenerationProducer(std::shared_ptr<Generation> gen, ResponseMeta meta, bool stream)
      : gen_(std::move(gen)), meta_(std::move(meta)), stream_(stream) {}
  // The connection may vanish without cancelling (server shutdown): stop the work anyway.
  ~GenerationProducer() override { gen_->cancel(); }

  void start(std::function<void()> wake) override { gen_->set_waker(std::move(wake)); }
  bool poll(std::string* out) override;
  void cancel(CancelReason why) override;
  int status() const override { return status_; }

 private:
  bool finish_with(const ApiError& e, std::string* out);

  std::shared_ptr<Generation> gen_;
  ResponseMeta meta_;
  bool stream_;
  bool done_ = false;
  bool timed_out_ = false;
  bool sent_role_ = false;
  int status_ = 200;
  std::string reasoning_, content_;  // non-streamed: the text so far
};

// The error a generation that ran past the server's request timeout ends with.
ApiError timeout_error();

}  // namespace seek::serve
