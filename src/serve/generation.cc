#include "serve/generation.h"

namespace seek::serve {

void Generation::set_waker(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  waker_ = std::move(wake);
}

Generation::Update Generation::take() {
  std::lock_guard lock(mu_);
  Update out = std::move(pending_);
  pending_ = Update{};
  // The end is sticky: a later take() still reports it, with no new deltas.
  pending_.finished = out.finished;
  pending_.finish_reason = out.finish_reason;
  pending_.usage = out.usage;
  pending_.timings = out.timings;
  pending_.error = out.error;
  return out;
}

void Generation::publish(Delta d) {
  {
    std::lock_guard lock(mu_);
    if (pending_.finished) return;
    pending_.deltas.push_back(std::move(d));
  }
  wake();
}

void Generation::finish(FinishReason reason, const Usage& usage, const Timings& timings) {
  {
    std::lock_guard lock(mu_);
    if (pending_.finished) return;
    pending_.finished = true;
    pending_.finish_reason = reason;
    pending_.usage = usage;
    pending_.timings = timings;
  }
  wake();
}

void Generation::fail(ApiError error) {
  {
    std::lock_guard lock(mu_);
    if (pending_.finished) return;
    pending_.finished = true;
    pending_.error = std::move(error);
  }
  wake();
}

void Generation::wake() {
  std::function<void()> w;
  {
    std::lock_guard lock(mu_);
    w = waker_;
  }
  if (w) w();
}

}  // namespace seek::serve
