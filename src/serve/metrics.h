// Metrics: the server's counters, histograms and throughput window, rendered in Prometheus'
// text exposition format for GET /metrics. Names follow vLLM's (vllm:num_requests_running,
// vllm:kv_cache_usage_perc, ...) under a "seek:" prefix, so existing dashboards map one to one.
// Written by hand, as llama-server does: Debian has no prometheus-cpp, and the format is text.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace seek::serve {

// Values owned by other components, sampled when /metrics is rendered.
struct Gauges {
  int64_t running = 0;            // requests being decoded or prefilled
  int64_t waiting = 0;            // queued, not yet admitted
  int64_t kv_active_bytes = 0;    // latent caches of running requests
  int64_t kv_cached_bytes = 0;    // latent caches kept for prefix reuse
  int64_t kv_budget_bytes = 0;
  int64_t connections = 0;        // open HTTP connections
};

class Metrics {
 public:
  Metrics();

  void count_http(int status);
  void count_finished(std::string_view reason);  // "stop", "length", "cancelled", "error"
  void count_prompt(int64_t tokens, int64_t cached);
  void count_generated(int64_t tokens);           // also feeds the tokens/s window
  void observe_iteration(int64_t sequences, int64_t tokens, double seconds);
  void observe_ttft(double seconds);
  void observe_itl(double seconds);
  void observe_e2e(double seconds);
  void observe_queue(double seconds);

  // Generated tokens per second over the last kWindowSeconds.
  double tokens_per_second() const;

  std::string render(const Gauges& g) const;

  static constexpr int kWindowSeconds = 10;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  // per bucket (not cumulative); one more for +Inf
    double sum = 0;
    uint64_t count = 0;
    void observe(double v);
  };
  void render_histogram(std::string* out, const char* name, const char* help, const Histogram& h) const;
  double window_rate(int64_t now_s) const;

  mutable std::mutex mu_;
  std::map<int, uint64_t> http_;
  std::map<std::string, uint64_t, std::less<>> finished_;
  uint64_t prompt_tokens_ = 0, cached_tokens_ = 0, generated_tokens_ = 0, iterations_ = 0, iteration_tokens_ = 0;
  double busy_seconds_ = 0;
  Histogram ttft_, itl_, e2e_, queue_, batch_;
  std::chrono::steady_clock::time_point start_;
  int64_t window_[kWindowSeconds] = {};  // tokens generated in each second, ring by second
  int64_t window_second_[kWindowSeconds] = {};
};

}  // namespace seek::serve
