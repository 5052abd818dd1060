// A load generator for seek serve (or any OpenAI-compatible server): `clients` concurrent
// keep-alive connections, each sending streamed chat completions one after another until
// `requests` have been sent in all. Every response is checked to be complete and well formed
// (status, SSE framing, JSON chunks with one id, one finish_reason, a usage chunk, [DONE]),
// and timed the way vLLM's benchmark does: TTFT from sending to the first token chunk, ITL as
// the gaps between token chunks pooled over requests, end-to-end latency, aggregate tokens/s
// from the usage the server reports.
// Used by bench/serve_bench.cc and by the ctest load test; one I/O thread does all the work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seek::bench {

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;
  std::string model;         // "" sends no "model" field
  int clients = 32;
  int requests = 320;
  int max_tokens = 32;
  int prompt_words = 16;     // words of the (distinct per request) user message
  int first_request = 0;     // the index of the first request: prompts differ by index, so
                             // runs with different ranges do not reuse each other's prompts
  bool ignore_eos = true;    // vLLM's extension: every answer runs to max_tokens
  double temperature = 0.6;
  double timeout_s = 300;    // for the whole run
};

struct LoadResult {
  int completed = 0;  // well-formed, complete responses
  int failed = 0;
  std::vector<std::string> errors;  // the first few failures, described
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  double wall_s = 0;
  std::vector<double> ttft_ms, itl_ms, e2e_ms;
};

LoadResult run_load(const LoadOptions& o);

// The p-th percentile (0..100) by linear interpolation; 0 for no values.
double percentile(std::vector<double> v, double p);

// A human-readable report (markdown table rows).
std::string format_report(const LoadOptions& o, const LoadResult& r);

}  // namespace seek::bench
