// `seek train` end to end, in process: a tokenizer and a tiny V3-style model trained on a
// generated corpus; the checkpoint folders that `seek inspect` and `seek generate` load;
// metrics.jsonl and the pictures; resuming that continues the uninterrupted loss curve bit for
// bit; and the errors for a run that cannot start.
#include <filesystem>

#include <gtest/gtest.h>

#include "model/model.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/run_checkpoint.h"
#include "train/run_fixture.h"

namespace seek {
namespace {

namespace fs = std::filesystem;

std::vector<Json> metrics(const std::string& out) {
  Result<std::vector<Json>> m = read_metrics(out + "/metrics.jsonl");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? *m : std::vector<Json>{};
}

// The fields of a step record that depend only on the computation (not on timing or on when
// the run evaluated).
Json training_fields(const Json& r) {
  Json j;
  for (const char* k : {"step", "loss", "main_loss", "mtp_loss", "balance_loss", "lr", "grad_norm", "clipped", "tokens", "load"}) j[k] = r[k];
  return j;
}

int train(const testing::TinyRun& r, bool resume = false, std::string* out = nullptr, std::string* err = nullptr) {
  std::vector<std::string> args = {"train", "--config", r.config};
  if (resume) args.push_back("--resume");
  return testing::run_seek(args, out, err);
}

void set_steps(const testing::TinyRun& r, int64_t steps) {
  testing::edit_json_file(r.config, [&](Json& c) { c["steps"] = steps; });
}

TEST(TrainRun, WritesCheckpointsThatSeekLoadsMetricsAndPictures) {
  const testing::TinyRun r = testing::make_tiny_run(testing::make_temp_dir(), 12);
  std::string out, err;
  ASSERT_EQ(train(r, false, &out, &err), 0) << err;
  for (const char* s : {"trained at step 12 of 12; validation loss", "expert load max/mean (last 10% of steps): layer 1 ",
                        ", MTP 1 ", "checkpoint: "}) {
    EXPECT_NE(out.find(s), std::string::npos) << "missing '" << s << "' in:\n" << out;
  }
  for (const char* s : {"data: 60 documents", "windows of 16 tokens", "step 12/12 [####################] loss"}) {
    EXPECT_NE(err.find(s), std::string::npos) << "missing '" << s << "' in:\n" << err;
  }

  // Checkpoints every 4 steps, the newest 2 kept, `latest` naming the last.
  const std::string latest = latest_checkpoint(r.out);
  EXPECT_EQ(fs::path(latest).filename(), "step-00000012");
  EXPECT_TRUE(fs::exists(r.out + "/checkpoints/step-00000008"));
  EXPECT_FALSE(fs::exists(r.out + "/checkpoints/step-00000004"));
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "resume.safetensors"}) {
    EXPECT_TRUE(fs::exists(latest + "/" + f)) << f;
  }
  EXPECT_EQ(testing::read_file(latest + "/tokenizer.json"), testing::read_file(r.dir + "/tokenizer/tokenizer.json"));
  Result<Model> model = Model::load(r.out + "/latest");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  EXPECT_EQ(model->config.vocab_size, 300);  // from the tokenizer
  EXPECT_EQ(model->config.num_nextn_predict_layers, 1);

  ASSERT_EQ(testing::run_seek({"inspect", r.out + "/latest"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("2 (1 dense, 1 MoE) + 1 MTP"), std::string::npos) << out;
  ASSERT_EQ(testing::run_seek({"generate", r.out + "/latest", "-p", "The small", "-n", "6", "--temp", "0", "-t", "1"}, &out, &err), 0)
      << err;
  EXPECT_GT(out.size(), 1u);

  // One record per step; validation every 4 steps; the loss fell.
  const std::vector<Json> m = metrics(r.out);
  ASSERT_EQ(m.size(), 12u);
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m[i]["step"], i + 1);
    EXPECT_EQ(m[i].contains("val_main_loss"), (i + 1) % 4 == 0) << "step " << i + 1;
    ASSERT_EQ(m[i]["load"].size(), 2u);  // the MoE layer and the MTP layer
    ASSERT_EQ(m[i]["load"][0].size(), 4u);
  }
  EXPECT_EQ(m[11]["tokens"], 12 * 2 * 16);
  EXPECT_LT(m[11]["main_loss"].get<double>(), m[0]["main_loss"].get<double>() - 0.5);
  EXPECT_LT(m[11]["val_main_loss"].get<double>(), m[3]["val_main_loss"].get<double>());

  for (const char* stem : {"/loss", "/expert_load"}) {
    EXPECT_EQ(testing::read_file(r.out + stem + ".svg").rfind("<?xml", 0), 0u) << stem;
    EXPECT_EQ(testing::read_file(r.out + stem + ".png").rfind("\x89PNG\r\n", 0), 0u) << stem;
  }
  fs::remove_all(r.dir);
}

TEST(TrainRun, ResumingContinuesTheUninterruptedLossCurveExactly) {
  const std::string tmp = testing::make_temp_dir();
  const testing::TinyRun whole = testing::make_tiny_run(tmp + "/whole", 12), parts = testing::make_tiny_run(tmp + "/parts", 5);
  std::string err;
  ASSERT_EQ(train(whole, false, nullptr, &err), 0) << err;
  ASSERT_EQ(train(parts, false, nullptr, &err), 0) << err;  // stops at step 5 (checkpoints at 4 and 5)
  set_steps(parts, 9);
  ASSERT_EQ(train(parts, true, nullptr, &err), 0) << err;
  EXPECT_NE(err.find("resumed from"), std::string::npos) << err;
  // The checkpoint at 9 is replaced by an older one: resuming from step 8 repeats step 9.
  fs::remove_all(parts.out + "/checkpoints/step-00000009");
  ASSERT_EQ(fs::remove(parts.out + "/latest"), true);
  fs::create_directory_symlink("checkpoints/step-00000008", parts.out + "/latest");
  set_steps(parts, 12);
  ASSERT_EQ(train(parts, true, nullptr, &err), 0) << err;

  const std::vector<Json> a = metrics(whole.out), b = metrics(parts.out);
  ASSERT_EQ(a.size(), 12u);
  ASSERT_EQ(b.size(), 12u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(training_fields(a[i]), training_fields(b[i])) << "step " << i + 1;
  const std::string wa = testing::read_file(whole.out + "/latest/model.safetensors");
  EXPECT_TRUE(wa == testing::read_file(parts.out + "/latest/model.safetensors")) << "final weights differ";
  fs::remove_all(tmp);
}

TEST(TrainRun, AnExistingRunIsOnlyContinuedWithResumeAndUnchanged) {
  const testing::TinyRun r = testing::make_tiny_run(testing::make_temp_dir(), 4);
  std::string out, err;
  ASSERT_EQ(train(r, false, nullptr, &err), 0) << err;
  EXPECT_EQ(train(r, false, nullptr, &err), 1);
  EXPECT_NE(err.find("already holds a run"), std::string::npos) << err;
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;

  testing::edit_json_file(r.config, [](Json& c) { c["train"]["lr"] = 0.02; });
  EXPECT_EQ(train(r, true, nullptr, &err), 1);
  EXPECT_NE(err.find("the training options differ"), std::string::npos) << err;
  testing::edit_json_file(r.config, [](Json& c) { c["train"]["lr"] = 0.01; });
  testing::write_file(r.dir + "/corpus.txt", testing::tiny_corpus(300, 9));
  EXPECT_EQ(train(r, true, nullptr, &err), 1);
  EXPECT_NE(err.find("the data (or its seed or seq_len) differs"), std::string::npos) << err;
  testing::write_file(r.dir + "/corpus.txt", testing::tiny_corpus(300));
  ASSERT_EQ(train(r, true, &out, &err), 0) << err;  // finished already: nothing to do, nothing changes
  EXPECT_EQ(metrics(r.out).size(), 4u);
  fs::remove_all(r.dir);
}

TEST(TrainRun, RunsThatCannotStartAreClearErrorsAndWriteNothing) {
  const std::string tmp = testing::make_temp_dir();
  int n = 0;
  const auto expect_error = [&](const Json& overrides, const std::string& fragment) {
    const testing::TinyRun r = testing::make_tiny_run(fmt::format("{}/{}", tmp, n++), 4, overrides);
    std::string err;
    EXPECT_EQ(train(r, false, nullptr, &err), 1);
    EXPECT_NE(err.find("seek: error: "), std::string::npos) << err;
    EXPECT_NE(err.find(fragment), std::string::npos) << "missing '" << fragment << "' in: " << err;
    EXPECT_EQ(latest_checkpoint(r.out), "");
  };
  expect_error({{"data", {{"files", {"corpus.txt", "nope.txt"}}}}}, "nope.txt' does not exist");
  expect_error({{"model", {{"vocab_size", 100}}}}, "vocab_size 100 is smaller than the tokenizer's 300 ids");
  expect_error({{"model", {{"hidden_size", 16384}, {"intermediate_size", 65536}, {"num_hidden_layers", 64}}}}, "GiB");
  expect_error({{"train", {{"seq_len", 8192}}}}, "too few for one training window");
  expect_error({{"tokenizer", "no-tokenizer"}}, "no-tokenizer");
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace seek
