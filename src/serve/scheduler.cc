#include "serve/scheduler.h"

#include <algorithm>
#include <limits>

namespace seek::serve {
namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
double millis(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

struct Scheduler::Active {
  std::shared_ptr<Generation> gen;
  std::unique_ptr<Sequence> seq;
  DecodeState decode;
  int64_t computed = 0;  // prompt positions in seq
  int64_t cached = 0;    // of which reused from the prefix cache
  int64_t reserved = 0;  // bytes counted in reserved_
  bool decoding = false; // the prompt is done: decode.completion().tokens().back() is next
  bool done = false;
  Clock::time_point submitted, admitted, first_token, last_token;

  Active(std::shared_ptr<Generation> g, const Tokenizer& t) : gen(std::move(g)), decode(t, gen->request()) {}
  const std::vector<int32_t>& prompt() const { return gen->request().prompt; }
};

Status validate(const SchedulerOptions& o) {
  if (o.max_running < 1) return Status::invalid_argument(fmt::format("[serve] --parallel is {}, expected >= 1", o.max_running));
  // Every request passes through the queue on its way in, so it needs room for one.
  if (o.max_waiting < 1) return Status::invalid_argument(fmt::format("[serve] --max-queue is {}, expected >= 1", o.max_waiting));
  if (o.batch_tokens < o.max_running) {
    return Status::invalid_argument(fmt::format("[serve] --batch-tokens ({}) must be at least --parallel ({}): every running "
                                                "request decodes one token per step", o.batch_tokens, o.max_running));
  }
  if (o.context < 2) return Status::invalid_argument(fmt::format("[serve] the context is {} tokens, expected >= 2", o.context));
  if (o.kv_cache_bytes < 1) return Status::invalid_argument("[serve] the KV cache budget must be positive");
  return Status::ok();
}

Scheduler::Scheduler(Runner& runner, const Tokenizer& tokenizer, const SchedulerOptions& options, Metrics* metrics)
    : runner_(runner), tokenizer_(tokenizer), options_(options), metrics_(metrics), cache_(runner, options.context) {
  for (int32_t id = 0; id < runner.vocab_size(); ++id) {
    if (!tokenizer.has_id(id)) no_token_ids_.push_back(id);
  }
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever is left ends now, so that no connection waits forever.
  take_incoming();
  const ApiError e = ApiError::overloaded("the server is shutting down");
  for (Waiting& w : waiting_) w.gen->fail(e);
  waiting_.clear();
  for (auto& a : running_) fail(*a, e);
  running_.clear();
  publish_stats();
}

int64_t Scheduler::reservation(int64_t prompt_tokens, int64_t max_tokens) const {
  return std::min(options_.context, prompt_tokens + max_tokens) * runner_.bytes_per_token();
}

std::optional<ApiError> Scheduler::submit(std::shared_ptr<Generation> g) {
  const GenerationRequest& r = g->request();
  const int64_t prompt = static_cast<int64_t>(r.prompt.size());
  if (prompt < 1 || prompt + 1 > options_.context) {
    return ApiError{400, "invalid_request_error",
                    fmt::format("the prompt has {} tokens; this server's context holds {}", prompt, options_.context), "messages",
                    "context_length_exceeded"};
  }
  if (const int64_t need = reservation(prompt, r.options.max_tokens); need > options_.kv_cache_bytes) {
    return ApiError{400, "invalid_request_error",
                    fmt::format("the request needs {} MiB of KV cache; the server's budget is {} MiB (--kv-cache-mb)",
                                need >> 20, options_.kv_cache_bytes >> 20), "max_tokens", "context_length_exceeded"};
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return ApiError::overloaded("the server is shutting down");
    if (static_cast<int64_t>(incoming_.size()) + n_waiting_.load() >= options_.max_waiting) {
      return ApiError::overloaded(fmt::format("{} requests are already queued (--max-queue); retry later", options_.max_waiting));
    }
    incoming_.push_back(Waiting{std::move(g), Clock::now()});
  }
  cv_.notify_one();
  return std::nullopt;
}

void Scheduler::loop() {
  for (;;) {
    if (step()) continue;
    std::unique_lock lock(mu_);
    // The timeout bounds how long a cancelled request can sit unnoticed if a wakeup is missed.
    cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_ || !incoming_.empty(); });
    if (stopping_) return;
  }
}

void Scheduler::take_incoming() {
  std::lock_guard lock(mu_);
  while (!incoming_.empty()) {
    waiting_.push_back(std::move(incoming_.front()));
    incoming_.pop_front();
  }
  n_waiting_.store(static_cast<int64_t>(waiting_.size()));
}

void Scheduler::drop_cancelled() {
  std::erase_if(waiting_, [&](const Waiting& w) {
    if (!w.gen->cancelled()) return false;
    w.gen->finish(FinishReason::kCancelled, Usage{.prompt_tokens = static_cast<int64_t>(w.gen->request().prompt.size())}, {});
    if (metrics_) metrics_->count_finished("cancelled");
    return true;
  });
  for (auto& a : running_) {
    if (a->gen->cancelled() && !a->done) {
      Delta ignored;  // nobody reads it any more
      a->decode.end(FinishReason::kCancelled, &ignored);
      retire(*a, FinishReason::kCancelled);
    }
  }
}

void Scheduler::admit() {
  const int64_t budget = options_.kv_cache_bytes;
  while (static_cast<int64_t>(running_.size()) < options_.max_running && !waiting_.empty()) {
    Waiting& w = waiting_.front();
    const GenerationRequest& r = w.gen->request();
    const int64_t need = reservation(static_cast<int64_t>(r.prompt.size()), r.options.max_tokens);
    if (reserved_ + need > budget) break;  // FIFO: wait for running requests to free memory
    cache_.trim(budget - reserved_ - need);
    PrefixCache::Hit hit = cache_.acquire(r.prompt);
    auto a = std::make_unique<Active>(std::move(w.gen), tokenizer_);
    a->seq = std::move(hit.seq);
    a->computed = a->cached = hit.reused;
    a->reserved = need;
    a->submitted = w.submitted;
    a->admitted = Clock::now();
    reserved_ += need;
    if (metrics_) {
      metrics_->count_prompt(static_cast<int64_t>(r.prompt.size()), hit.reused);
      metrics_->observe_queue(seconds(a->admitted - a->submitted));
    }
    running_.push_back(std::move(a));
    waiting_.pop_front();
  }
  // Now, not after the forward pass: submit() counts the queue from these, and a request
  // admitted at the start of a long pass must not keep occupying a queue place meanwhile.
  publish_stats();
}

bool Scheduler::step() {
  take_incoming();
  drop_cancelled();
  std::erase_if(running_, [](const std::unique_ptr<Active>& a) { return a->done; });
  admit();

  // Decode steps first: every running stream advances by one token per iteration.
  std::vector<Step> steps;
  std::vector<Active*> owners;
  std::vector<bool> samples;  // whether the step's logits row is sampled
  for (auto& a : running_) {
    if (!a->decoding) continue;
    steps.push_back(Step{a->seq.get(), std::span(&a->decode.completion().tokens().back(), 1)});
    owners.push_back(a.get());
    samples.push_back(true);
  }
  // Then prompt chunks, oldest first, within what is left of the token budget.
  int64_t budget = options_.batch_tokens - static_cast<int64_t>(steps.size());
  for (auto& a : running_) {
    if (a->decoding || budget <= 0) continue;
    const int64_t left = static_cast<int64_t>(a->prompt().size()) - a->computed;
    const int64_t n = std::min(left, budget);
    steps.push_back(Step{a->seq.get(), std::span(a->prompt()).subspan(a->computed, n)});
    owners.push_back(a.get());
    samples.push_back(n == left);
    budget -= n;
  }
  if (steps.empty()) return false;  // admit() published the stats

  const int64_t V = runner_.vocab_size();
  logits_.resize(steps.size() * V);
  const auto t0 = Clock::now();
  const Status st = runner_.forward(steps, logits_.data());
  int64_t tokens = 0;
  for (const Step& s : steps) tokens += static_cast<int64_t>(s.tokens.size());
  if (metrics_) metrics_->observe_iteration(static_cast<int64_t>(steps.size()), tokens, seconds(Clock::now() - t0));
  if (!st.is_ok()) {
    // The sequences are unchanged but the batch cannot run: fail its requests, not the server.
    for (Active* a : owners) fail(*a, ApiError::internal(st.message()));
  } else {
    for (size_t i = 0; i < steps.size(); ++i) {
      Active& a = *owners[i];
      if (!a.decoding) a.computed += static_cast<int64_t>(steps[i].tokens.size());
      if (samples[i]) sample(a, std::span(logits_.data() + i * V, V));
    }
  }
  std::erase_if(running_, [](const std::unique_ptr<Active>& a) { return a->done; });
  publish_stats();
  return true;
}

void Scheduler::sample(Active& a, std::span<float> logits) {
  for (int32_t id : no_token_ids_) logits[id] = -std::numeric_limits<float>::infinity();
  const size_t before = a.decode.completion().tokens().size();
  Delta d;
  Result<bool> more = a.decode.next(logits, &d);
  if (!more.is_ok()) return fail(a, ApiError::internal(more.status().message()));
  const auto now = Clock::now();
  const int64_t generated = static_cast<int64_t>(a.decode.completion().tokens().size() - before);
  if (metrics_ && generated > 0) {
    metrics_->count_generated(generated);
    if (a.decoding) metrics_->observe_itl(seconds(now - a.last_token));
    else metrics_->observe_ttft(seconds(now - a.submitted));
  }
  if (!a.decoding) a.first_token = now;
  a.decoding = true;
  a.last_token = now;
  bool go_on = *more;
  // Backstop for the context: the API already keeps prompt + max_tokens within it.
  if (go_on && a.seq->num_tokens() + 1 > a.seq->max_tokens()) {
    a.decode.end(FinishReason::kLength, &d);
    go_on = false;
  }
  if (!d.empty()) a.gen->publish(std::move(d));
  if (!go_on) retire(a, a.decode.completion().finish_reason());
}

void Scheduler::retire(Active& a, FinishReason reason) {
  const auto now = Clock::now();
  Usage u;
  u.prompt_tokens = static_cast<int64_t>(a.prompt().size());
  u.completion_tokens = static_cast<int64_t>(a.decode.completion().tokens().size());
  u.cached_tokens = a.cached;
  u.reasoning_tokens = a.decode.reasoning_tokens();
  Timings t;
  t.queue_ms = millis(a.admitted - a.submitted);
  t.prompt_ms = a.decoding ? millis(a.first_token - a.admitted) : millis(now - a.admitted);
  t.decode_ms = a.decoding ? millis(now - a.first_token) : 0;
  a.gen->finish(reason, u, t);
  if (metrics_) {
    metrics_->count_finished(finish_reason_name(reason));
    metrics_->observe_e2e(seconds(now - a.submitted));
  }
  a.done = true;
  reserved_ -= a.reserved;
  cache_.release(std::move(a.seq));
  cache_.trim(options_.kv_cache_bytes - reserved_);
}

void Scheduler::fail(Active& a, const ApiError& e) {
  a.gen->fail(e);
  if (metrics_) metrics_->count_finished("error");
  a.done = true;
  reserved_ -= a.reserved;
  a.seq.reset();  // its state is suspect: never reuse it
}

void Scheduler::publish_stats() {
  int64_t active = 0;
  for (const auto& a : running_) {
    if (a->seq) active += runner_.sequence_bytes(*a->seq);
  }
  n_running_.store(static_cast<int64_t>(running_.size()));
  n_waiting_.store(static_cast<int64_t>(waiting_.size()));
  kv_active_.store(active);
  kv_cached_.store(cache_.bytes());
  n_cached_.store(static_cast<int64_t>(cache_.size()));
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  s.running = n_running_.load();
  s.waiting = n_waiting_.load();
  {
    std::lock_guard lock(mu_);
    s.waiting += static_cast<int64_t>(incoming_.size());
  }
  s.kv_active_bytes = kv_active_.load();
  s.kv_cached_bytes = kv_cached_.load();
  s.cached_sequences = n_cached_.load();
  return s;
}

}  // namespace seek::serve
