// `seek serve` as users start it: a separate process on an ephemeral port, the API key from
// the environment, and a clean exit on SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT

// A child process running `seek ARGS...` with its stderr on a pipe.
struct Child {
  pid_t pid = -1;
  int err = -1;
};

Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv = {const_cast<char*>(SEEK_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SEEK_BINARY, argv.data());
    _exit(127);
  }
  close(fds[1]);
  c.err = fds[0];
  return c;
}

// Reads the child's stderr until `re` matches (or EOF); returns everything read.
std::string read_until(int fd, const std::regex& re, std::smatch* m) {
  std::string all;
  char buf[512];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) {
    all.append(buf, n);
    if (std::regex_search(all, *m, re)) break;
  }
  return all;
}

TEST(CliServeTest, ServesUntilSigterm) {
  const std::string dir = seek::testing::make_temp_dir() + "/tiny-chat";
  seek::testing::copy_dir(seek::testing::testdata_dir() + "/golden/v3-tiny", dir);
  make_tokenizer(dir);
  Child c = spawn({"serve", dir, "--port", "0", "-t", "1", "-c", "256", "--temp", "0"}, {"SEEK_API_KEY=from-env"});
  std::smatch m;
  const std::string log = read_until(c.err, std::regex("http://127\\.0\\.0\\.1:(\\d+)"), &m);
  ASSERT_FALSE(m.empty()) << log;
  const std::string portstr = m[1].str();
  const int port = std::stoi(portstr);
  EXPECT_NE(log.find("'tiny-chat'"), std::string::npos) << "the model is named after its directory";
  EXPECT_EQ(get(port, "/health").status, 200);
  EXPECT_EQ(get(port, "/v1/models").status, 401);
  const HttpReply r = post(port, "/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})",
                           {"Authorization: Bearer from-env"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r)["model"], "tiny-chat");
  ASSERT_EQ(kill(c.pid, SIGTERM), 0);
  int status = 0;
  for (int i = 0; i < 500 && waitpid(c.pid, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << "seek serve did not exit on SIGTERM";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::string rest;
  char buf[512];
  for (ssize_t n; (n = read(c.err, buf, sizeof(buf))) > 0;) rest.append(buf, n);
  EXPECT_NE(rest.find("shutting down"), std::string::npos) << rest;
  close(c.err);
}

TEST(CliServeTest, BadOptionsFail) {
  std::string out, err;
  EXPECT_NE(seek::testing::run_seek({"serve", seek::testing::testdata_dir() + "/golden/v3-tiny", "--port", "70000"}, &out, &err), 0);
  EXPECT_NE(seek::testing::run_seek({"serve", "/no/such/model", "--port", "0"}, &out, &err), 0);
}

}  // namespace
}  // namespace seek::serve
