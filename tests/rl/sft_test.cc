// SFT: which tokens a chat transcript scores (the assistant's turn and its end-of-turn token,
// nothing else), malformed transcripts, and a short run that learns its data.
#include <gtest/gtest.h>

#include "rl/prompt.h"
#include "rl/rl_fixture.h"
#include "rl/sft.h"
#include "test_util.h"

namespace seek::rl {
namespace {

const char* kTranscript =
    R"({"messages": [{"role": "user", "content": "What is 1 + 2?"}, {"role": "assistant", "content": "<think> easy </think> <answer> 3 </answer>"}]})";

TEST(Sft, OnlyTheAssistantTurnIsScored) {
  const std::string dir = testing::make_tiny_policy(testing::make_temp_dir(), 1);
  testing::write_file(dir + "/data.jsonl", std::string(kTranscript) + "\n\n" +
                      R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]})" + "\n");
  const Tokenizer tok = Tokenizer::load(dir).value();
  const std::vector<TrainSequence> seqs = read_transcripts({dir + "/data.jsonl"}, tok).value();
  ASSERT_EQ(seqs.size(), 2u);
  auto text_of = [&](const TrainSequence& s, bool scored) {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < s.ids.size(); ++i) {
      if ((s.scored[i] != 0) == scored) ids.push_back(s.ids[i]);
    }
    return tok.decode(ids).value();
  };
  // The context is exactly the R1-Zero prompt; the scored part the reply and EOS.
  EXPECT_EQ(text_of(seqs[0], false), "<｜begin▁of▁sentence｜>" + r1_zero_prompt("What is 1 + 2?"));
  EXPECT_EQ(text_of(seqs[0], true), " <think> easy </think> <answer> 3 </answer><｜end▁of▁sentence｜>");
  EXPECT_EQ(seqs[0].ids.front(), tok.bos_id());
  EXPECT_EQ(text_of(seqs[1], true), " b<｜end▁of▁sentence｜> d<｜end▁of▁sentence｜>");
}

TEST(Sft, MalformedTranscriptsNameTheLine) {
  const std::string dir = testing::make_tiny_policy(testing::make_temp_dir(), 1);
  const Tokenizer tok = Tokenizer::load(dir).value();
  auto error = [&](const std::string& line) {
    testing::write_file(dir + "/bad.jsonl", std::string(kTranscript) + "\n" + line + "\n");
    Result<std::vector<TrainSequence>> r = read_transcripts({dir + "/bad.jsonl"}, tok);
    return r.is_ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(error(R"({"text": "hi"})").find("bad.jsonl:2"), std::string::npos);
  EXPECT_NE(error(R"({"messages": []})").find("bad.jsonl:2"), std::string::npos);
  EXPECT_NE(error(R"({"messages": [{"role": "user"}]})").find("message 0"), std::string::npos);
  EXPECT_NE(error(R"({"messages": [{"role": "user", "content": "x"}]})").find("no assistant"), std::string::npos);
  EXPECT_NE(error(R"({"messages": 3})").find("bad.jsonl:2"), std::string::npos);
  // A template that does not extend its own prefix cannot mark the assistant's tokens.
  testing::edit_json_file(dir + "/tokenizer_config.json", [](Json& j) {
    j["chat_template"] = "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}[gen]{% endif %}";
  });
  const Tokenizer odd = Tokenizer::load(dir).value();
  testing::write_file(dir + "/ok.jsonl", std::string(kTranscript) + "\n");
  Result<std::vector<TrainSequence>> r = read_transcripts({dir + "/ok.jsonl"}, odd);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("prefix"), std::string::npos);
}

TEST(Sft, ShortRunLearnsItsTranscripts) {
  const std::string dir = testing::make_tiny_policy(testing::make_temp_dir(), 2, 0.1);
  std::string data;
  for (int i = 0; i < 8; ++i) data += std::string(kTranscript) + "\n";
  testing::write_file(dir + "/data.jsonl", data);
  SftSetup s;
  s.model_dir = dir;
  s.out_dir = dir + "/out";
  s.data = {dir + "/data.jsonl"};
  s.epochs = 6;
  s.train.batch_size = 4;
  s.train.schedule = {.lr = 1e-2, .min_lr = 1e-2, .warmup_steps = 1, .hold_steps = 1000, .decay_steps = 1};
  s.train.adamw.weight_decay = 0;
  s.threads = 2;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  s.log = devnull;
  const Result<SftSummary> r = run_sft(s);
  std::fclose(devnull);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->steps, 12);
  EXPECT_LT(r->last_loss, 0.5 * r->first_loss);
  for (const char* f : {"/model/config.json", "/model/model.safetensors", "/model/tokenizer.json", "/metrics.jsonl", "/curves.svg", "/report.md"}) {
    EXPECT_FALSE(testing::read_file(s.out_dir + f).empty()) << f;
  }
}

}  // namespace
}  // namespace seek::rl
