// serve_bench: load-tests a running OpenAI-compatible server (seek serve, llama-server, vLLM)
// with concurrent streamed chat completions and prints aggregate tokens/s and the TTFT,
// inter-token and end-to-end latency percentiles; exits 1 if any response was missing or
// malformed. With --baseline-clients, each run first sends the same number of requests from
// that many clients (1: one request at a time), so the gain of serving many at once (continuous
// batching) is a ratio measured on the same server in the same run. Each run uses prompts of
// its own, so no run reuses another's cached prefixes. bench/serve_bench.sh starts seek serve
// on a tiny model and runs it.
//   serve_bench --port 8080 --clients 32 --requests 320 --max-tokens 32 --baseline-clients 1
#include <cstdio>

#include <CLI/CLI.hpp>

#include "serve_load.h"

namespace {

double tokens_per_second(const seek::bench::LoadResult& r) {
  return r.wall_s > 0 ? static_cast<double>(r.completion_tokens) / r.wall_s : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  seek::bench::LoadOptions o;
  int runs = 1, baseline_clients = 0;
  CLI::App app{"Load-test an OpenAI-compatible server with concurrent streamed chat completions", "serve_bench"};
  app.add_option("--host", o.host, "Server address");
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--api-key", o.api_key, "Bearer key");
  app.add_option("--model", o.model, "Model name to send (default: none)");
  app.add_option("--clients", o.clients, "Concurrent streaming clients")->check(CLI::Range(1, 100000));
  app.add_option("--requests", o.requests, "Requests in all")->check(CLI::Range(1, 10000000));
  app.add_option("--max-tokens", o.max_tokens, "Tokens per answer")->check(CLI::Range(1, 1 << 20));
  app.add_option("--prompt-words", o.prompt_words, "Words per prompt")->check(CLI::Range(0, 1 << 20));
  app.add_option("--temperature", o.temperature, "Sampling temperature");
  app.add_option("--timeout", o.timeout_s, "Seconds for the whole run");
  app.add_option("--runs", runs, "Repeat and report each run (take the best)")->check(CLI::Range(1, 100));
  app.add_option("--baseline-clients", baseline_clients,
                 "Before each run, send the same requests from this many clients (1: one at a time) and report the ratio")
      ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);
  int failed = 0;
  for (int i = 0; i < runs; ++i) {
    seek::bench::LoadResult base;
    seek::bench::LoadOptions b = o;
    if (baseline_clients > 0) {
      b.clients = baseline_clients;
      b.first_request = (2 * i) * o.requests;
      base = seek::bench::run_load(b);
      std::printf("run %d, baseline: %s\n", i + 1, seek::bench::format_report(b, base).c_str());
      failed += base.failed;
    }
    seek::bench::LoadOptions m = o;
    m.first_request = (2 * i + 1) * o.requests;
    const seek::bench::LoadResult r = seek::bench::run_load(m);
    std::printf("run %d: %s\n", i + 1, seek::bench::format_report(m, r).c_str());
    failed += r.failed;
    if (baseline_clients > 0 && tokens_per_second(base) > 0) {
      std::printf("run %d: aggregate tok/s with %d clients / with %d: %.2fx\n\n", i + 1, o.clients, baseline_clients,
                  tokens_per_second(r) / tokens_per_second(base));
    }
  }
  return failed == 0 ? 0 : 1;
}
