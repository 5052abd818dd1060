// seek tokenize / seek template end to end on DeepSeek-V3's tokenizer (from the
// tokenizer_reference fixture): output formats, and bad input giving exit code 1 or 2 with a
// message that names what is wrong.
#include <gtest/gtest.h>

#include "test_util.h"

namespace seek {
namespace {

using testing::run_seek;

std::string model() { return testing::testdata_dir() + "/tokenizer/deepseek_v3"; }
std::string tests_dir() { return testing::source_dir() + "/tests/tokenizer/"; }

TEST(TokenizeCli, EncodesAndDecodes) {
  std::string out, err;
  ASSERT_EQ(run_seek({"tokenize", model(), "--text", "Hello, my dog is cute <｜User｜>x"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "0,19923,14,1026,6397,344,33125,223,128803,90\n");
  ASSERT_EQ(run_seek({"tokenize", model(), "--text", "Hello", "--no-bos"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "19923\n");
  ASSERT_EQ(run_seek({"tokenize", model(), "--text", "Hello", "--json"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "{\"ids\":[0,19923],\"pieces\":[\"<｜begin▁of▁sentence｜>\",\"Hello\"]}\n");
  ASSERT_EQ(run_seek({"tokenize", model(), "--decode", "--text", "0, 19923 14"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "<｜begin▁of▁sentence｜>Hello,");
  ASSERT_EQ(run_seek({"tokenize", model(), "--decode", "--skip-special", "--text", "0,19923"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "Hello");
  // Only tokens marked special are spelled out; <｜User｜> is "special": false in DeepSeek's file.
  ASSERT_EQ(run_seek({"tokenize", model(), "--text", "<｜begin▁of▁sentence｜><｜User｜>", "--no-bos", "--split-special"}, &out, &err), 0) << err;
  EXPECT_TRUE(out.ends_with(",128803\n")) << out;
  EXPECT_FALSE(out.starts_with("0,")) << out;
}

TEST(TokenizeCli, FileInputIsTakenByteForByte) {
  const std::string path = testing::make_temp_dir() + "/in.txt";
  testing::write_file(path, "a\r\nb\xFF");
  std::string ids, text, err;
  ASSERT_EQ(run_seek({"tokenize", model(), "--file", path, "--no-bos"}, &ids, &err), 0) << err;
  ASSERT_EQ(run_seek({"tokenize", model(), "--decode", "--text", ids}, &text, &err), 0) << err;
  EXPECT_EQ(text, "a\r\nb\xFF");
}

TEST(TokenizeCli, BadInputIsAClearError) {
  std::string out, err;
  EXPECT_EQ(run_seek({"tokenize", "/nonexistent", "--text", "x"}, &out, &err), 1);
  EXPECT_NE(err.find("/nonexistent/tokenizer.json"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"tokenize", model(), "--decode", "--text", "12,abc"}, &out, &err), 1);
  EXPECT_NE(err.find("expected a token id"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"tokenize", model(), "--decode", "--text", "999999"}, &out, &err), 1);
  EXPECT_NE(err.find("999999"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"tokenize", model(), "--file", "/nonexistent.txt"}, &out, &err), 1);
  EXPECT_NE(err.find("/nonexistent.txt"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"tokenize", model()}, &out, &err), 2);                                   // no input
  EXPECT_EQ(run_seek({"tokenize", model(), "--text", "a", "--file", "b"}, &out, &err), 2);   // both inputs
}

TEST(TemplateCli, RendersTheModelTemplate) {
  std::string out, err;
  ASSERT_EQ(run_seek({"template", model(), "--messages", tests_dir() + "conversations/02_system_user.json",
                      "--generation-prompt"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "<｜begin▁of▁sentence｜>You are a helpful assistant.<｜User｜>What is the capital of France?<｜Assistant｜>");
  ASSERT_EQ(run_seek({"template", model(), "--messages", tests_dir() + "conversations/04_r1_reasoning.json", "--template",
                      tests_dir() + "templates/deepseek_r1.jinja", "--generation-prompt"}, &out, &err), 0) << err;
  EXPECT_EQ(out.find("17 * 20"), std::string::npos) << out;  // R1 drops earlier reasoning
  EXPECT_TRUE(out.ends_with("<｜Assistant｜><think>\n")) << out;
  ASSERT_EQ(run_seek({"template", model(), "--messages", tests_dir() + "conversations/01_single_user.json", "--ids"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "0,128803,19923,3\n");
}

TEST(TemplateCli, BadInputIsAClearError) {
  const std::string dir = testing::make_temp_dir();
  std::string out, err;
  testing::write_file(dir + "/bad.json", "[{\"role\": \"user\", \"content\": \"x\",}]");
  EXPECT_EQ(run_seek({"template", model(), "--messages", dir + "/bad.json"}, &out, &err), 1);
  EXPECT_NE(err.find(dir + "/bad.json"), std::string::npos) << err;
  testing::write_file(dir + "/obj.json", "{\"messages\": 3}");
  EXPECT_EQ(run_seek({"template", model(), "--messages", dir + "/obj.json"}, &out, &err), 1);
  EXPECT_NE(err.find("messages"), std::string::npos) << err;
  testing::write_file(dir + "/t.jinja", "{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}");
  testing::write_file(dir + "/ok.json", "[{\"role\": \"user\", \"content\": \"x\"}]");
  EXPECT_EQ(run_seek({"template", model(), "--messages", dir + "/ok.json", "--template", dir + "/t.jinja"}, &out, &err), 1);
  EXPECT_NE(err.find("unknown filter 'nosuchfilter'"), std::string::npos) << err;
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"template", model()}, &out, &err), 2);  // --messages is required
}

}  // namespace
}  // namespace seek
