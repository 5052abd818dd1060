// The request corpus (tests/fuzz/corpus/serve_request, written by
// tools/serve/make_request_corpus.py): every file is sent raw to a server over the fake model,
// and must get the status its name starts with; errors must carry an OpenAI-shaped body.
// The same files seed the libFuzzer harness, which checks that nothing crashes in between.
#include <gtest/gtest.h>

#include <filesystem>

#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT

TEST(CorpusTest, EveryRequestGetsItsStatus) {
  Tokenizer tokenizer = make_tokenizer(seek::testing::make_temp_dir());
  ServeOptions o = test_options();
  o.http.max_body_bytes = 8 << 10;
  TestServer s = start_fake_server(tokenizer, "Fine.</think>\n\nFour.", o);
  const std::string dir = seek::testing::source_dir() + "/tests/fuzz/corpus/serve_request";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const int want = std::stoi(name.substr(0, 3));
    const HttpReply r = send_raw(s.port, seek::testing::read_file(e.path().string()));
    EXPECT_EQ(r.status, want) << name << "\n" << r.body.substr(0, 300);
    if (want >= 400) {
      Result<Json> j = parse_json(r.body, name);
      ASSERT_TRUE(j.is_ok()) << name << ": " << r.body;
      EXPECT_TRUE((*j)["error"]["message"].is_string()) << name;
      EXPECT_TRUE((*j)["error"]["type"].is_string()) << name;
      EXPECT_TRUE((*j)["error"].contains("param")) << name;
      EXPECT_TRUE((*j)["error"].contains("code")) << name;
    }
    ++n;
  }
  EXPECT_GE(n, 50);
  EXPECT_EQ(get(s.port, "/health").status, 200);
}

}  // namespace
}  // namespace seek::serve
