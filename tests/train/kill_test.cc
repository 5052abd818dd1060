// `seek train` as a process that dies: SIGKILL at many moments (starting up, mid-step,
// mid-checkpoint) must leave OUT/latest a complete checkpoint, and resuming after each kill
// must end with exactly the uninterrupted run's metrics and weights; Ctrl-C checkpoints and
// exits cleanly; a full disk (here a file-size limit, the same write error) during a
// checkpoint is a clear error that keeps the previous checkpoint.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "model/model.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/run_checkpoint.h"
#include "train/run_fixture.h"

namespace seek {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Starts `args` with stdout and stderr appended to `log`. Everything the child needs is built
// before fork, so the child only calls async-signal-safe functions.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> train_args(const testing::TinyRun& r) { return {SEEK_BINARY, "train", "--config", r.config, "--resume"}; }

// The run's latest checkpoint, if any, loads as a model and as a resume file.
void expect_latest_intact(const testing::TinyRun& r, const std::string& when) {
  const std::string latest = latest_checkpoint(r.out);
  if (latest.empty()) return;
  Result<Model> m = Model::load(latest);
  EXPECT_TRUE(m.is_ok()) << when << ": " << m.status().to_string();
  Result<SafetensorsFile> f = SafetensorsFile::open(latest + "/resume.safetensors");
  EXPECT_TRUE(f.is_ok()) << when << ": " << f.status().to_string();
  if (f.is_ok()) {
    EXPECT_EQ(f->header().metadata.count("state"), 1u) << when;
  }
}

std::vector<Json> computed_fields(const std::string& out) {
  std::vector<Json> records = read_metrics(out + "/metrics.jsonl").value();
  for (Json& r : records) r.erase("elapsed_s"), r.erase("tokens_per_s");
  return records;
}

TEST(TrainProcess, KilledAtAnyMomentKeepsTheLastCheckpointAndResumesExactly) {
  const Json every_step = {{"checkpoint_every", 1}, {"eval_every", 5}, {"plots", false}};
  const std::string tmp = testing::make_temp_dir();
  const testing::TinyRun whole = testing::make_tiny_run(tmp + "/whole", 16, every_step);
  const testing::TinyRun killed = testing::make_tiny_run(tmp + "/killed", 16, every_step);
  ASSERT_EQ(wait_exit(spawn(train_args(whole), whole.dir + "/log")), 0) << testing::read_file(whole.dir + "/log");

  // Kill moments: during start-up, and 0, 8, 16 ms after a step's progress line (so inside the
  // checkpoint that follows it, or after it); every restart resumes from `latest`.
  const std::string log = killed.dir + "/log";
  int kills = 0;
  for (int i = 0; i < 8; ++i) {
    const size_t before = fs::exists(log) ? fs::file_size(log) : 0;
    const pid_t pid = spawn(train_args(killed), log);
    if (i % 4 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      const auto deadline = Clock::now() + std::chrono::seconds(60);
      while (testing::read_file(log).find("\nstep ", before) == std::string::npos && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(8 * (i % 4 - 1)));
    }
    kill(pid, SIGKILL);
    const int rc = wait_exit(pid);
    kills += rc == 128 + SIGKILL;
    expect_latest_intact(killed, fmt::format("after kill {} (exit {})", i, rc));
  }
  EXPECT_GE(kills, 6);
  ASSERT_EQ(wait_exit(spawn(train_args(killed), killed.dir + "/log")), 0) << testing::read_file(killed.dir + "/log");
  EXPECT_EQ(computed_fields(killed.out), computed_fields(whole.out));
  EXPECT_TRUE(testing::read_file(whole.out + "/latest/model.safetensors") == testing::read_file(killed.out + "/latest/model.safetensors"));
  EXPECT_FALSE(fs::exists(killed.out + "/.latest.tmp"));
  for (const fs::directory_entry& e : fs::directory_iterator(killed.out + "/checkpoints")) {
    EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos) << e.path();
  }
  fs::remove_all(tmp);
}

TEST(TrainProcess, InterruptSavesACheckpointAndExitsCleanly) {
  const testing::TinyRun r = testing::make_tiny_run(testing::make_temp_dir(), 100000, {{"checkpoint_every", 0}, {"eval_every", 0}});
  const pid_t pid = spawn(train_args(r), r.dir + "/log");
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  const auto steps_done = [&] {
    Result<std::vector<Json>> m = read_metrics(r.out + "/metrics.jsonl");
    return m.is_ok() ? m->size() : 0;
  };
  while (steps_done() < 3 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGINT);
  ASSERT_EQ(wait_exit(pid), 0) << testing::read_file(r.dir + "/log");
  const std::string log = testing::read_file(r.dir + "/log");
  EXPECT_NE(log.find("stopped at step"), std::string::npos) << log;
  const std::vector<Json> m = read_metrics(r.out + "/metrics.jsonl").value();
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(fs::path(latest_checkpoint(r.out)).filename(), fmt::format("step-{:08d}", m.back()["step"].get<int64_t>()));
  EXPECT_TRUE(m.back().contains("val_main_loss")) << "the last step evaluates";
  fs::remove_all(r.dir);
}

TEST(TrainProcess, FullDiskDuringACheckpointIsAnErrorAndKeepsTheLastOne) {
  const testing::TinyRun r = testing::make_tiny_run(testing::make_temp_dir(), 4);
  ASSERT_EQ(wait_exit(spawn(train_args(r), r.dir + "/log")), 0) << testing::read_file(r.dir + "/log");
  const std::string before = latest_checkpoint(r.out);
  const std::string weights = testing::read_file(before + "/model.safetensors");
  testing::edit_json_file(r.config, [](Json& c) { c["steps"] = 8; });
  // Writes past half the weights' size fail with EFBIG, as they would with ENOSPC.
  const std::string limited = fmt::format("trap '' XFSZ; ulimit -f {}; exec '{}' train --config '{}' --resume",
                                          weights.size() / 2 / 1024, SEEK_BINARY, r.config);
  EXPECT_EQ(wait_exit(spawn({"/bin/bash", "-c", limited}, r.dir + "/full.log")), 1);
  const std::string log = testing::read_file(r.dir + "/full.log");
  EXPECT_NE(log.find("seek: error: "), std::string::npos) << log;
  EXPECT_NE(log.find("model.safetensors"), std::string::npos) << log;
  EXPECT_EQ(latest_checkpoint(r.out), before);
  EXPECT_TRUE(testing::read_file(before + "/model.safetensors") == weights);
  expect_latest_intact(r, "after the failed checkpoint");
  EXPECT_FALSE(fs::exists(r.out + "/checkpoints/.tmp-step-00000008"));
  // With room again the run continues from step 4.
  ASSERT_EQ(wait_exit(spawn(train_args(r), r.dir + "/log")), 0) << testing::read_file(r.dir + "/log");
  EXPECT_EQ(fs::path(latest_checkpoint(r.out)).filename(), "step-00000008");
  fs::remove_all(r.dir);
}

}  // namespace
}  // namespace seek
