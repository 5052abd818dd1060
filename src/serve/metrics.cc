#include "serve/metrics.h"

#include <fmt/format.h>

namespace seek::serve {
namespace {

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                            1.0,   2.5,    5.0,   10.0, 30.0,  60.0, 120.0, 300.0};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048};

void header(std::string* out, const char* name, const char* type, const char* help) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  counts[i]++;
  sum += v;
  count++;
}

Metrics::Metrics() : start_(std::chrono::steady_clock::now()) {
  for (Histogram* h : {&ttft_, &itl_, &e2e_, &queue_}) h->bounds = kLatencyBounds;
  batch_.bounds = kBatchBounds;
  for (Histogram* h : {&ttft_, &itl_, &e2e_, &queue_, &batch_}) h->counts.assign(h->bounds.size() + 1, 0);
}

void Metrics::count_http(int status) {
  std::lock_guard lock(mu_);
  http_[status]++;
}

void Metrics::count_finished(std::string_view reason) {
  std::lock_guard lock(mu_);
  auto it = finished_.find(reason);
  if (it == finished_.end()) it = finished_.emplace(std::string(reason), 0).first;
  it->second++;
}

void Metrics::count_prompt(int64_t tokens, int64_t cached) {
  std::lock_guard lock(mu_);
  prompt_tokens_ += tokens;
  cached_tokens_ += cached;
}

void Metrics::count_generated(int64_t tokens) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
  std::lock_guard lock(mu_);
  generated_tokens_ += tokens;
  const int slot = static_cast<int>(now % kWindowSeconds);
  if (window_second_[slot] != now) window_second_[slot] = now, window_[slot] = 0;
  window_[slot] += tokens;
}

void Metrics::observe_iteration(int64_t sequences, int64_t tokens, double seconds) {
  std::lock_guard lock(mu_);
  iterations_++;
  busy_seconds_ += seconds;
  iteration_tokens_ += tokens;
  batch_.observe(static_cast<double>(sequences));
}

void Metrics::observe_ttft(double s) { std::lock_guard lock(mu_); ttft_.observe(s); }
void Metrics::observe_itl(double s) { std::lock_guard lock(mu_); itl_.observe(s); }
void Metrics::observe_e2e(double s) { std::lock_guard lock(mu_); e2e_.observe(s); }
void Metrics::observe_queue(double s) { std::lock_guard lock(mu_); queue_.observe(s); }

double Metrics::window_rate(int64_t now_s) const {
  // The current second is still filling: average the kWindowSeconds - 1 completed ones.
  int64_t sum = 0;
  for (int i = 0; i < kWindowSeconds; ++i) {
    if (window_second_[i] < now_s && window_second_[i] >= now_s - (kWindowSeconds - 1)) sum += window_[i];
  }
  return static_cast<double>(sum) / (kWindowSeconds - 1);
}

double Metrics::tokens_per_second() const {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
  std::lock_guard lock(mu_);
  return window_rate(now);
}

void Metrics::render_histogram(std::string* out, const char* name, const char* help, const Histogram& h) const {
  header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    *out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, h.bounds[i], cumulative);
  }
  *out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, h.count, name, h.sum, name, h.count);
}

std::string Metrics::render(const Gauges& g) const {
  const double rate = tokens_per_second();
  std::lock_guard lock(mu_);
  std::string out;
  auto gauge = [&](const char* name, const char* help, double v) {
    header(&out, name, "gauge", help);
    out += fmt::format("{} {}\n", name, v);
  };
  auto counter = [&](const char* name, const char* help, double v) {
    header(&out, name, "counter", help);
    out += fmt::format("{} {}\n", name, v);
  };
  gauge("seek:num_requests_running", "Requests being prefilled or decoded.", static_cast<double>(g.running));
  gauge("seek:num_requests_waiting", "Requests queued for admission.", static_cast<double>(g.waiting));
  const double used = static_cast<double>(g.kv_active_bytes + g.kv_cached_bytes);
  gauge("seek:kv_cache_usage_perc", "Latent KV cache in use (running + prefix cache) as a fraction of the budget.",
        g.kv_budget_bytes > 0 ? used / static_cast<double>(g.kv_budget_bytes) : 0.0);
  header(&out, "seek:kv_cache_bytes", "gauge", "Latent KV cache bytes by owner.");
  out += fmt::format("seek:kv_cache_bytes{{state=\"active\"}} {}\nseek:kv_cache_bytes{{state=\"cached\"}} {}\n",
                     g.kv_active_bytes, g.kv_cached_bytes);
  gauge("seek:kv_cache_budget_bytes", "Latent KV cache budget (--kv-cache-mb).", static_cast<double>(g.kv_budget_bytes));
  gauge("seek:http_connections", "Open HTTP connections.", static_cast<double>(g.connections));
  gauge("seek:generation_tokens_per_second", "Generated tokens per second over the last 10 seconds.", rate);
  counter("seek:prompt_tokens_total", "Prompt tokens of admitted requests.", static_cast<double>(prompt_tokens_));
  counter("seek:prefix_cache_hits_total", "Prompt tokens whose latent cache was reused.", static_cast<double>(cached_tokens_));
  counter("seek:generation_tokens_total", "Generated tokens.", static_cast<double>(generated_tokens_));
  counter("seek:iterations_total", "Batched forward passes.", static_cast<double>(iterations_));
  counter("seek:iteration_tokens_total", "Tokens (prompt chunks and decode steps) through forward passes.",
          static_cast<double>(iteration_tokens_));
  counter("seek:busy_seconds_total", "Seconds spent in forward passes.", busy_seconds_);
  header(&out, "seek:requests_finished_total", "counter", "Finished generations by finish reason.");
  for (const auto& [reason, n] : finished_) out += fmt::format("seek:requests_finished_total{{finished_reason=\"{}\"}} {}\n", reason, n);
  header(&out, "seek:http_requests_total", "counter", "HTTP responses by status code.");
  for (const auto& [code, n] : http_) out += fmt::format("seek:http_requests_total{{code=\"{}\"}} {}\n", code, n);
  render_histogram(&out, "seek:time_to_first_token_seconds", "Submission to first generated token.", ttft_);
  render_histogram(&out, "seek:inter_token_latency_seconds", "Time between consecutive tokens of a request.", itl_);
  render_histogram(&out, "seek:e2e_request_latency_seconds", "Submission to the end of generation.", e2e_);
  render_histogram(&out, "seek:request_queue_time_seconds", "Submission to admission.", queue_);
  render_histogram(&out, "seek:iteration_sequences", "Sequences per batched forward pass.", batch_);
  return out;
}

}  // namespace seek::serve
