// The bounded load test: 32 concurrent streaming clients send 320 chat completions to a server
// on a real tiny model over loopback (bench/serve_load.cc, the client of bench/serve_bench).
// Every response must be complete and well formed, and the server must be idle afterwards.
#include <gtest/gtest.h>

#include "bench/serve_load.h"
#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT

TEST(LoadTest, ThirtyTwoStreamingClients) {
  Tokenizer tokenizer = make_tokenizer(seek::testing::make_temp_dir());
  ServeOptions o = test_options();
  o.scheduler.max_running = 32;
  o.scheduler.max_waiting = 256;
  o.scheduler.batch_tokens = 512;
  TestServer s = start_model_server("v3-tiny", tokenizer, o);
  bench::LoadOptions lo;
  lo.port = s.port;
  lo.model = "tiny";
  lo.clients = 32;
  lo.requests = 320;
  lo.max_tokens = 24;
  lo.timeout_s = 600;
  const bench::LoadResult r = bench::run_load(lo);
  std::printf("%s", bench::format_report(lo, r).c_str());
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.completed, 320);
  EXPECT_EQ(r.completion_tokens, 320 * 24);
  EXPECT_EQ(r.ttft_ms.size(), 320u);
  // Nothing is left behind: no running or queued request, no active cache.
  const std::string m = get(s.port, "/metrics").body;
  EXPECT_NE(m.find("seek:num_requests_running 0\n"), std::string::npos);
  EXPECT_NE(m.find("seek:num_requests_waiting 0\n"), std::string::npos);
  EXPECT_NE(m.find("seek:kv_cache_bytes{state=\"active\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace seek::serve
