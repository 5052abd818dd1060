// The R1-Zero format check, answer extraction and number matching, on well-formed and
// adversarial responses: several answers, unclosed or nested tags, huge numbers, non-ASCII
// digits, invalid UTF-8, empty output.
#include <gtest/gtest.h>

#include "rl/answer.h"
#include "rl/arithmetic.h"
#include "rl/reward.h"

namespace seek::rl {
namespace {

TEST(Answer, WellFormedResponse) {
  const ParsedResponse r = parse_response(" <think> 2 + 9 = 11, carry 1 </think> <answer> 1221 </answer>");
  EXPECT_TRUE(r.format_ok);
  ASSERT_TRUE(r.answer.has_value());
  EXPECT_EQ(*r.answer, "1221");
}

TEST(Answer, FormatNeedsThinkThenAnswerAndNothingElse) {
  EXPECT_FALSE(parse_response("<answer>3</answer>").format_ok);                            // no think
  EXPECT_FALSE(parse_response("<answer>3</answer><think>x</think>").format_ok);            // wrong order
  EXPECT_FALSE(parse_response("<think>x</think><answer>3</answer> and more").format_ok);   // trailing text
  EXPECT_FALSE(parse_response("hello <think>x</think><answer>3</answer>").format_ok);      // leading text
  EXPECT_FALSE(parse_response("<think>x <think> y</think><answer>3</answer>").format_ok);  // nested think
  EXPECT_FALSE(parse_response("<think>x</think><answer>3 </think></answer>").format_ok);   // tag inside answer
  EXPECT_TRUE(parse_response("\n<think>\nx\n</think>\n<answer>3</answer>\n").format_ok);
  EXPECT_TRUE(parse_response("<think></think><answer></answer>").format_ok);  // empty parts are still the format
}

TEST(Answer, SeveralAnswersGiveNone) {
  // A model must not hedge: two answers (even both right) score nothing.
  const ParsedResponse r = parse_response("<think>x</think><answer>5</answer><answer>6</answer>");
  EXPECT_FALSE(r.answer.has_value());
  EXPECT_FALSE(r.format_ok);
  EXPECT_FALSE(parse_response("<answer>5<answer>5</answer>").answer.has_value());
}

TEST(Answer, UnclosedOrReversedTagsGiveNone) {
  EXPECT_FALSE(parse_response("<think>x</think><answer>5").answer.has_value());
  EXPECT_FALSE(parse_response("<think>x</think>5</answer>").answer.has_value());
  EXPECT_FALSE(parse_response("</answer>5<answer>").answer.has_value());
  EXPECT_FALSE(parse_response("<think>x<answer>5</answer>").format_ok);  // think never closed
  EXPECT_EQ(*parse_response("<think>x<answer>5</answer>").answer, "5");   // but the answer is readable
}

TEST(Answer, EmptyAndGarbageOutputs) {
  for (const std::string& s : {std::string(), std::string(" \n\t"), std::string("\xff\xfe\x80<answer"),
                              std::string("<answer>\xc3\x28</answer>"), std::string(1 << 16, '<')}) {
    const ParsedResponse r = parse_response(s);
    EXPECT_FALSE(r.format_ok);
    if (r.answer) {
      EXPECT_FALSE(canonical_number(*r.answer).has_value());
    }
  }
}

TEST(Answer, CanonicalNumbers) {
  EXPECT_EQ(*canonical_number("1221"), "1221");
  EXPECT_EQ(*canonical_number(" +0012.50 "), "12.5");
  EXPECT_EQ(*canonical_number("-0.0"), "0");
  EXPECT_EQ(*canonical_number("-7"), "-7");
  EXPECT_EQ(*canonical_number("1,234,567"), "1234567");
  EXPECT_EQ(*canonical_number("3.000"), "3");
  for (const char* bad : {"", "-", "1.", ".5", "1e3", "0x10", "1,23", ",123", "12,3456", "1 2", "١٢٣", "１２３",
                          "12a", "--1", "1.2.3", "∞"}) {
    EXPECT_FALSE(canonical_number(bad).has_value()) << bad;
  }
}

TEST(Answer, HugeNumbersCompareExactly) {
  const std::string big = "1" + std::string(400, '0');
  EXPECT_TRUE(numbers_equal(big, "0000" + big));
  EXPECT_FALSE(numbers_equal(big, "1" + std::string(399, '0') + "1"));
  EXPECT_FALSE(numbers_equal(big, "1e400"));
  EXPECT_TRUE(numbers_equal(std::string(100000, '9'), std::string(100000, '9')));
}

TEST(Answer, RewardIsDeterministicOnAdversarialOutputs) {
  const std::unique_ptr<Task> task = make_arithmetic_task(ArithmeticOptions{});
  const Problem p{"What is 500 + 721?", "1221", {}};
  const RewardOptions o;  // correct 1, format 0.1
  auto total = [&](const std::string& text) { return compute_reward(*task, o, p, {text, 10, true, 64}).total; };
  EXPECT_DOUBLE_EQ(total("<think>500 + 721</think> <answer>1221</answer>"), 1.1);
  EXPECT_DOUBLE_EQ(total("<think>x</think> <answer>1,221</answer>"), 1.1);
  EXPECT_DOUBLE_EQ(total("<answer>1221</answer>"), 1.0);                                   // right, badly formatted
  EXPECT_DOUBLE_EQ(total("<think>x</think><answer>1222</answer>"), 0.1);                  // wrong, well formatted
  EXPECT_DOUBLE_EQ(total("<think>x</think><answer>1221</answer><answer>1221</answer>"), 0.0);
  EXPECT_DOUBLE_EQ(total("<think>x</think><answer>١٢٢١</answer>"), 0.1);                   // Arabic-Indic digits
  EXPECT_DOUBLE_EQ(total("<think>x</think><answer>" + std::string(5000, '9') + "</answer>"), 0.1);
  EXPECT_DOUBLE_EQ(total(""), 0.0);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(total("<think>x</think><answer>1221"), 0.0);
}

TEST(Answer, OverlongPenaltyIsLinearInTheBuffer) {
  const std::unique_ptr<Task> task = make_arithmetic_task(ArithmeticOptions{});
  const Problem p{"q", "1", {}};
  RewardOptions o;
  o.correct = 0, o.format = 0, o.overlong_buffer = 10, o.overlong_factor = 2.0;
  auto penalty = [&](int64_t tokens, bool finished) { return compute_reward(*task, o, p, {"", tokens, finished, 100}).overlong; };
  EXPECT_DOUBLE_EQ(penalty(90, true), 0.0);
  EXPECT_DOUBLE_EQ(penalty(95, true), -1.0);
  EXPECT_DOUBLE_EQ(penalty(100, true), -2.0);
  EXPECT_DOUBLE_EQ(penalty(100, false), -2.0);  // cut off
  EXPECT_DOUBLE_EQ(penalty(3, false), -2.0);
}

}  // namespace
}  // namespace seek::rl
