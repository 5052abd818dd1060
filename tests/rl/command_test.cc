// The external reward command: it gets the JSON, its number comes back, and every way a
// program can misbehave ends in a clear error within the timeout, never a hang.
#include <chrono>

#include <gtest/gtest.h>

#include "rl/command.h"

namespace seek::rl {
namespace {

const Json kInput = {{"prompt", "What is 500 + 721?"}, {"response", "<answer>1221</answer>"}, {"answer", "1221"}};

double seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(RewardCommand, ReadsTheJsonAndReturnsTheScore) {
  Result<double> r = run_score_command("read line; case \"$line\" in *'\"answer\":\"1221\"'*) echo 0.75;; *) echo 0;; esac", kInput, 10);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_DOUBLE_EQ(*r, 0.75);
  EXPECT_DOUBLE_EQ(*run_score_command("cat > /dev/null; printf ' -2.5e-1 \\n'", kInput, 10), -0.25);
}

TEST(RewardCommand, BadOutputsAreErrors) {
  for (const char* cmd : {"echo", "echo abc", "echo 1 2", "echo nan", "echo inf", "echo 1e999", "exit 3", "echo 1; exit 1",
                          "kill -9 $$", "/nonexistent/program"}) {
    Result<double> r = run_score_command(cmd, kInput, 10);
    EXPECT_FALSE(r.is_ok()) << cmd;
  }
  EXPECT_NE(run_score_command("exit 3", kInput, 10).status().message().find("status 3"), std::string::npos);
}

TEST(RewardCommand, TimeoutsKillTheWholeGroup) {
  double s = seconds([] {
    Result<double> r = run_score_command("sleep 30", kInput, 0.2);
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("timeout"), std::string::npos);
  });
  EXPECT_LT(s, 5.0);
  // A background child holding stdout open must not keep the caller waiting either.
  s = seconds([] { EXPECT_FALSE(run_score_command("sleep 30 & echo 1", kInput, 0.3).is_ok()); });
  EXPECT_LT(s, 5.0);
  // Printed the score, then hung: still a timeout.
  s = seconds([] { EXPECT_FALSE(run_score_command("echo 1; exec sleep 30", kInput, 0.3).is_ok()); });
  EXPECT_LT(s, 5.0);
}

TEST(RewardCommand, EndlessOutputAndUnreadInputDoNotHang) {
  const double s = seconds([] {
    EXPECT_FALSE(run_score_command("yes 1", kInput, 10).is_ok());  // stopped at the output limit
    // A program that never reads a large stdin and exits: the write sees a closed pipe.
    Json big = kInput;
    big["response"] = std::string(1 << 20, 'x');
    Result<double> r = run_score_command("echo 1", big, 10);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_DOUBLE_EQ(*r, 1.0);
  });
  EXPECT_LT(s, 8.0);
}

}  // namespace
}  // namespace seek::rl
