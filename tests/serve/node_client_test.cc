// Clients this project did not write, against a live server: OpenAI's official Node SDK
// (tools/serve/openai_test.mjs) on the scripted fake model and on a real tiny model, and the
// chat page driven in headless Chromium (tools/serve/chat_page_test.mjs). The `serve_node`
// fixture installs the pinned npm packages first.
#include <gtest/gtest.h>

#include <cstdio>

#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT

constexpr const char* kScript = "Two and two.</think>\n\nThe answer is 4.";

// Runs `node tools/serve/SCRIPT ARGS...`; returns its exit status and fills *output.
int run_node(const std::string& script, const std::vector<std::string>& args, std::string* output) {
  std::string cmd = "node " + seek::testing::source_dir() + "/tools/serve/" + script;
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) output->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ServeOptions keyed() {
  ServeOptions o = test_options();
  o.api.api_key = "test-key";
  return o;
}

// Runs tools/serve/SCRIPT against `s` (at base URL + `path`), which must exit 0.
void expect_passes(const std::string& script, const TestServer& s, const std::string& path, std::vector<std::string> args) {
  ASSERT_GT(s.port, 0);
  args.insert(args.begin(), "http://127.0.0.1:" + std::to_string(s.port) + path);
  std::string out;
  EXPECT_EQ(run_node(script, args, &out), 0) << out;
  std::printf("%s", out.c_str());
}

class NodeClientTest : public ::testing::Test {
 protected:
  Tokenizer tokenizer_ = make_tokenizer(seek::testing::make_temp_dir());
};

TEST_F(NodeClientTest, OpenAiSdkOnScriptedModel) {
  expect_passes("openai_test.mjs", start_fake_server(tokenizer_, kScript, keyed()), "/v1", {"scripted", "test-key"});
}

TEST_F(NodeClientTest, OpenAiSdkOnTinyModel) {
  expect_passes("openai_test.mjs", start_model_server("v3-tiny", tokenizer_, keyed()), "/v1", {"model", "test-key"});
}

TEST_F(NodeClientTest, ChatPageInHeadlessChromium) {
  expect_passes("chat_page_test.mjs", start_fake_server(tokenizer_, kScript, keyed()), "/", {"test-key"});
}

}  // namespace
}  // namespace seek::serve
