// The data pipeline of `seek train`: documents from text and JSONL files, BOS/EOS framing,
// windows and the held-out split, the shuffled order and its resume position, and the run
// configuration's parsing and defaults.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "test_util.h"
#include "train/dataset.h"
#include "train/run_config.h"
#include "train/run_fixture.h"

namespace seek {
namespace {

std::vector<std::string> documents(const std::string& path, const DocumentOptions& o) {
  std::vector<std::string> docs;
  const Status s = for_each_document(path, o, [&](std::string_view d) {
    docs.emplace_back(d);
    return Status::ok();
  });
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return docs;
}

Status document_error(const std::string& path, const DocumentOptions& o = {}) {
  return for_each_document(path, o, [](std::string_view) { return Status::ok(); });
}

TEST(Documents, TextFilesWholeOrSplitAndJsonlLines) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/a.txt", "one\n%\ntwo\n%\n\n%\nthree\n%\n");
  EXPECT_EQ(documents(dir + "/a.txt", {}), std::vector<std::string>{"one\n%\ntwo\n%\n\n%\nthree\n%\n"});
  EXPECT_EQ(documents(dir + "/a.txt", {.jsonl_key = "text", .separator = "\n%\n"}), (std::vector<std::string>{"one", "two", "three"}));
  testing::write_file(dir + "/b.jsonl", "{\"text\": \"first\", \"id\": 1}\n\n  \r\n{\"text\": \"sec\\nond\"}\r\n{\"text\": \"\"}\n");
  EXPECT_EQ(documents(dir + "/b.jsonl", {}), (std::vector<std::string>{"first", "sec\nond"}));
  testing::write_file(dir + "/c.jsonl", "{\"body\": \"x\"}");
  EXPECT_EQ(documents(dir + "/c.jsonl", {.jsonl_key = "body", .separator = ""}), std::vector<std::string>{"x"});
}

TEST(Documents, BadFilesNameTheFileAndLine) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"ok\"}\n{\"text\": oops}\n");
  Status s = document_error(dir + "/bad.jsonl");
  EXPECT_NE(s.message().find("bad.jsonl:3"), std::string::npos) << s.message();
  testing::write_file(dir + "/key.jsonl", "{\"content\": \"x\"}\n");
  s = document_error(dir + "/key.jsonl");
  EXPECT_NE(s.message().find("key.jsonl:1: the object has no \"text\" key"), std::string::npos) << s.message();
  testing::write_file(dir + "/type.jsonl", "{\"text\": 5}\n[1]\n");
  s = document_error(dir + "/type.jsonl");
  EXPECT_NE(s.message().find("\"text\" is integer, expected a string"), std::string::npos) << s.message();
  s = document_error(dir + "/missing.txt");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("missing.txt' does not exist"), std::string::npos) << s.message();
  EXPECT_NE(document_error(dir).message().find("is not a regular file"), std::string::npos);
}

TEST(Dataset, WindowsSplitAndCoverTheCorpus) {
  std::vector<int32_t> ids(1001);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  Dataset d = Dataset::create(ids, 10, 0.1, 7).value();
  EXPECT_EQ(d.train_windows() + d.validation_windows(), 100);  // (1001 - 1) / 10
  EXPECT_EQ(d.validation_windows(), 10);                      // windows 9, 19, ..., 99

  std::vector<int32_t> val;
  d.validation(11, &val);  // one more than there are: starts over
  ASSERT_EQ(val.size(), 11u * 11);
  EXPECT_EQ(val[0], 90);
  EXPECT_EQ(val[10], 100) << "a window is T + 1 consecutive ids";
  EXPECT_EQ(val[11], 190);
  EXPECT_EQ(val[110], 90);

  // One epoch visits every training window once, never a validation window, in shuffled order.
  std::vector<int32_t> epoch;
  d.next_train(d.train_windows(), &epoch);
  std::set<int32_t> starts, targets;
  for (size_t w = 0; w < epoch.size(); w += 11) {
    starts.insert(epoch[w]);
    EXPECT_EQ(epoch[w + 10], epoch[w] + 10);
    EXPECT_NE(epoch[w] / 10 % 10, 9) << "window " << epoch[w] / 10 << " is held out";
  }
  EXPECT_EQ(starts.size(), 90u);
  EXPECT_FALSE(std::is_sorted(epoch.begin(), epoch.end())) << "not shuffled";
  EXPECT_EQ(d.position().epoch, 0);
  std::vector<int32_t> next;
  d.next_train(1, &next);
  EXPECT_EQ(d.position().epoch, 1);
  EXPECT_EQ(d.position().cursor, 1);
}

TEST(Dataset, SeekingToAPositionContinuesTheSameOrder) {
  std::vector<int32_t> ids(500);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i * 7 % 311);
  Dataset a = Dataset::create(ids, 8, 0.05, 3).value(), b = Dataset::create(ids, 8, 0.05, 3).value();
  std::vector<int32_t> skip, want, got;
  a.next_train(70, &skip);  // past the first epoch of 59 windows
  const DataPosition p = a.position();
  a.next_train(100, &want);
  ASSERT_TRUE(b.seek(p).is_ok());
  b.next_train(100, &got);
  EXPECT_EQ(got, want);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(Dataset::create(ids, 9, 0.05, 3)->fingerprint(), a.fingerprint());
  ids[17] = 0;
  EXPECT_NE(Dataset::create(ids, 8, 0.05, 3)->fingerprint(), a.fingerprint());
  EXPECT_FALSE(b.seek({0, 1000}).is_ok());
  EXPECT_NE(Dataset::create(std::vector<int32_t>(16), 16, 0.0, 1).status().message().find("too few for one training window"),
            std::string::npos);
}

TEST(Dataset, DocumentsAreFramedByBosAndEos) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/c.txt", testing::tiny_corpus(10));
  ASSERT_EQ(testing::run_seek({"tokenizer", "train", dir + "/c.txt", "--out", dir + "/tok", "--vocab-size", "270"}), 0);
  const Tokenizer tok = Tokenizer::load(dir + "/tok").value();
  DataOptions o;
  o.files = {dir + "/c.txt", dir + "/c.txt"};
  o.documents.separator = "\n\n";
  const TokenCorpus c = tokenize_corpus(o, tok).value();
  EXPECT_EQ(c.documents, 4);  // two paragraphs a file
  ASSERT_FALSE(c.ids.empty());
  EXPECT_EQ(c.ids.front(), tok.bos_id());
  EXPECT_EQ(c.ids.back(), tok.eos_id());
  EXPECT_EQ(std::count(c.ids.begin(), c.ids.end(), tok.bos_id()), 4);
  EXPECT_EQ(tok.decode(std::vector<int32_t>(c.ids.begin() + 1, std::find(c.ids.begin(), c.ids.end(), tok.eos_id()))).value(),
            testing::tiny_corpus(10).substr(0, testing::tiny_corpus(10).find("\n\n")));
}

TEST(RunConfig, ResolvesPathsAndFitsTheScheduleToTheRun) {
  const std::string dir = testing::make_temp_dir();
  Json j = testing::tiny_run_config(400);
  j["train"].erase("warmup_steps");
  j["train"].erase("decay_steps");
  testing::write_file(dir + "/model.json", j["model"].dump());
  j["model"] = "model.json";
  testing::write_file(dir + "/run.json", j.dump());
  Result<RunConfig> c = load_run_config(dir + "/run.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->out_dir, dir + "/out");
  EXPECT_EQ(c->tokenizer_dir, dir + "/tokenizer");
  EXPECT_EQ(c->data.files, std::vector<std::string>{dir + "/corpus.txt"});
  EXPECT_EQ(c->data.documents.separator, "\n\n");
  EXPECT_EQ(c->model["hidden_size"], 32);
  EXPECT_EQ(c->train.batch_size, 2);
  EXPECT_EQ(c->train.schedule.warmup_steps, 20);  // 5% of the run
  EXPECT_EQ(c->train.schedule.decay_steps, 380);  // the rest of it
  EXPECT_EQ(c->train.adamw.beta2, 0.95);
}

TEST(RunConfig, TrainOptionsRoundTripThroughJson) {
  TrainOptions o;
  o.batch_size = 3;
  o.seed = 99;
  o.schedule.decay_steps = 77;
  o.adamw.eps = 1e-7;
  o.data_parallel = false;
  const Json j = train_options_json(o);
  EXPECT_EQ(train_options_json(parse_train_options(j).value()), j);
  EXPECT_EQ(j.size(), 20u) << "every option is written";
  EXPECT_NE(train_options_json(TrainOptions{}), j);
}

TEST(RunConfig, MistakesAreErrorsNamingTheKey) {
  const auto error = [](const Json& j) { return parse_run_config(j.dump(), "/r/run.json").status().message(); };
  Json j = testing::tiny_run_config(10);
  j["stpes"] = 3;
  EXPECT_NE(error(j).find("\"stpes\" is not a run option"), std::string::npos) << error(j);
  j = testing::tiny_run_config(10);
  j.erase("data");
  EXPECT_NE(error(j).find("\"data\" is missing"), std::string::npos) << error(j);
  j = testing::tiny_run_config(10);
  j["steps"] = 0;
  EXPECT_NE(error(j).find("\"steps\" is 0, expected an integer in [1,"), std::string::npos) << error(j);
  j = testing::tiny_run_config(10);
  j["train"]["learning_rate"] = 0.1;
  EXPECT_NE(error(j).find("\"learning_rate\": unknown option"), std::string::npos) << error(j);
  j = testing::tiny_run_config(10);
  j["data"]["validation_fraction"] = 0.9;
  EXPECT_NE(error(j).find("\"data.validation_fraction\": expected a number in [0, 0.5]"), std::string::npos) << error(j);
  j = testing::tiny_run_config(10);
  j["model"] = "missing.json";
  EXPECT_NE(error(j).find("/r/missing.json"), std::string::npos) << error(j);
  EXPECT_NE(parse_run_config("{\"steps\": 1,}", "/r/run.json").status().message().find("/r/run.json"), std::string::npos);
}

}  // namespace
}  // namespace seek
