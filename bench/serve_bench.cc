// serve_bench: load-tests a running OpenAI-compatible server (seek serve, llama-server, vLLM)
// with concurrent streamed chat completions and prints aggregate tokens/s and the TTFT,
// inter-token and end-to-end latency percentiles; exits 1 if any response was missing or
// malformed. bench/serve_bench.sh starts seek serve on a tiny model and runs it.
//   serve_bench --port 8080 --clients 32 --requests 320 --max-tokens 32
#include <cstdio>

#include <CLI/CLI.hpp>

#include "serve_load.h"

int main(int argc, char** argv) {
  seek::bench::LoadOptions o;
  int runs = 1;
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
  CLI11_PARSE(app, argc, argv);
  int failed = 0;
  for (int i = 0; i < runs; ++i) {
    const seek::bench::LoadResult r = seek::bench::run_load(o);
    std::printf("run %d: %s\n", i + 1, seek::bench::format_report(o, r).c_str());
    failed += r.failed;
  }
  return failed == 0 ? 0 : 1;
}
