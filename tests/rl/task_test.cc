// Built-in tasks: seeded train/held-out splits that never share a problem, Countdown's exact
// equation checker on valid and hostile equations, JSONL user tasks and their errors.
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "rl/arithmetic.h"
#include "rl/countdown.h"
#include "rl/task.h"
#include "test_util.h"

namespace seek::rl {
namespace {

std::unique_ptr<Task> task(const std::string& json, const std::string& dir = "") {
  Result<std::unique_ptr<Task>> t = make_task(Json::parse(json), dir);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return t.is_ok() ? std::move(*t) : nullptr;
}

std::string error_of(const std::string& json, const std::string& dir = "") {
  Result<std::unique_ptr<Task>> t = make_task(Json::parse(json), dir);
  return t.is_ok() ? "" : t.status().message();
}

TEST(Task, ArithmeticSplitsAreDisjointAndSeeded) {
  const std::unique_ptr<Task> t = task(R"({"type": "arithmetic", "min_digits": 2, "max_digits": 2, "ops": "+-", "seed": 7})");
  std::set<std::string> train, held;
  for (int64_t i = 0; i < 3000; ++i) train.insert(t->problem(Split::kTrain, i).question);
  for (int64_t i = 0; i < 300; ++i) held.insert(t->problem(Split::kHeldOut, i).question);
  for (const std::string& q : held) EXPECT_EQ(train.count(q), 0u) << q;
  EXPECT_GT(held.size(), 100u);
  // The same seed gives the same problems; another seed others.
  EXPECT_EQ(t->problem(Split::kTrain, 5).question, task(R"({"type": "arithmetic", "min_digits": 2, "max_digits": 2, "ops": "+-", "seed": 7})")->problem(Split::kTrain, 5).question);
  int same = 0;
  const std::unique_ptr<Task> other = task(R"({"type": "arithmetic", "min_digits": 2, "max_digits": 2, "ops": "+-", "seed": 8})");
  for (int64_t i = 0; i < 20; ++i) same += t->problem(Split::kTrain, i).question == other->problem(Split::kTrain, i).question;
  EXPECT_LT(same, 5);
}

TEST(Task, ArithmeticProblemsAndAnswers) {
  ArithmeticOptions o;
  o.min_digits = 3, o.max_digits = 5, o.ops = "+-*";
  for (int64_t i = 0; i < 200; ++i) {
    const ArithmeticProblem p = arithmetic_problem(o, Split::kTrain, i);
    EXPECT_GE(p.a, 100);
    EXPECT_LE(p.b, 99999);
    if (p.op == '-') {
      EXPECT_GE(p.result(), 0);
    }
  }
  const std::unique_ptr<Task> t = make_arithmetic_task(o);
  const Problem p = t->problem(Split::kHeldOut, 3);
  EXPECT_EQ(t->score(p, p.answer), 1.0);
  EXPECT_EQ(t->score(p, p.answer + "1"), 0.0);
  EXPECT_EQ(t->score(p, ""), 0.0);
}

TEST(Task, SpecErrorsNameTheKey) {
  EXPECT_NE(error_of(R"({"type": "arithmetic", "max_digits": 12})").find("\"max_digits\""), std::string::npos);
  EXPECT_NE(error_of(R"({"type": "arithmetic", "ops": "/"})").find("\"ops\""), std::string::npos);
  EXPECT_NE(error_of(R"({"type": "arithmetic", "digits": 3})").find("not an option"), std::string::npos);
  EXPECT_NE(error_of(R"({"type": "sudoku"})").find("unknown type"), std::string::npos);
  EXPECT_NE(error_of(R"([1, 2])").find("\"type\""), std::string::npos);
  // One-digit sums are 100 problems: a 0.1% held-out split would be empty.
  EXPECT_NE(error_of(R"({"type": "arithmetic", "min_digits": 1, "max_digits": 1, "heldout_fraction": 0.001})").find("empty"), std::string::npos);
}

TEST(Countdown, EquationsEvaluateExactly) {
  auto value = [](const char* s) {
    const std::optional<Equation> e = evaluate_equation(s);
    return e ? std::to_string(e->num) + "/" + std::to_string(e->den) : std::string("none");
  };
  EXPECT_EQ(value("(36 - 19) * 7 - 55"), "64/1");
  EXPECT_EQ(value("1 + 2 * 3"), "7/1");
  EXPECT_EQ(value("(1 + 2) * 3"), "9/1");
  EXPECT_EQ(value("8 / 3 * 3"), "8/1");  // exact: no rounding to 2 * 3
  EXPECT_EQ(value("7 / 2"), "7/2");
  EXPECT_EQ(value("10 - 4 - 3"), "3/1");  // left-associative
  for (const char* bad : {"", "1 +", "(1 + 2", "1 + 2)", "5 / (3 - 3)", "-5 + 10", "2 ^ 3", "1e3", "12345678901 + 1",
                          "x"}) {
    EXPECT_EQ(value(bad), "none") << bad;
  }
  // Overflow of 64-bit fractions is refused, not wrapped.
  EXPECT_EQ(value("999999999 * 999999999 * 999999999"), "none");
  // Deep nesting and long inputs end quickly.
  EXPECT_EQ(value((std::string(40, '(') + "1" + std::string(40, ')')).c_str()), "none");
  EXPECT_EQ(value((std::string(20, '(') + "1" + std::string(20, ')')).c_str()), "1/1");
  EXPECT_EQ(value(std::string(100000, '1').c_str()), "none");
}

TEST(Countdown, ScoreNeedsEveryNumberExactlyOnce) {
  const Problem p{"q", "64", {36, 19, 7, 55}};
  EXPECT_EQ(score_countdown(p, "(36 - 19) * 7 - 55"), 1.0);
  EXPECT_EQ(score_countdown(p, " (36 - 19) * 7 - 55 = 64 "), 1.0);
  EXPECT_EQ(score_countdown(p, "(36 - 19) * 7 - 55 = 65"), 0.0);
  EXPECT_EQ(score_countdown(p, "64"), 0.0);                       // numbers not used
  EXPECT_EQ(score_countdown(p, "(36 - 19) * 7 - 55 + 0"), 0.0);   // an extra number
  EXPECT_EQ(score_countdown(p, "(36 - 19) * 7 - 55 + 7 - 7"), 0.0);  // reused
  EXPECT_EQ(score_countdown(p, "55 + 36 - 19 - 7 - 1"), 0.0);
  EXPECT_EQ(score_countdown(p, "<think>"), 0.0);
}

TEST(Countdown, GeneratedProblemsAreInRangeAndSplit) {
  const std::unique_ptr<Task> t = task(R"({"type": "countdown", "numbers": 4, "max_number": 30, "max_target": 100})");
  std::set<std::string> train;
  for (int64_t i = 0; i < 500; ++i) {
    const Problem p = t->problem(Split::kTrain, i);
    ASSERT_EQ(p.numbers.size(), 4u);
    for (int64_t n : p.numbers) EXPECT_TRUE(n >= 1 && n <= 30);
    const int64_t target = std::stoll(p.answer);
    EXPECT_TRUE(target >= 1 && target <= 100);
    EXPECT_NE(p.question.find("equals " + p.answer), std::string::npos);
    train.insert(p.question);
  }
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(train.count(t->problem(Split::kHeldOut, i).question), 0u);
}

TEST(Task, JsonlProblemsAndMatching) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/train.jsonl", "{\"prompt\": \"2+2\", \"answer\": 4}\n\n{\"prompt\": \"capital of France\", \"answer\": \"Paris\"}\r\n");
  testing::write_file(dir + "/test.jsonl", "{\"prompt\": \"3+3\", \"answer\": \"6.0\"}\n");
  const std::unique_ptr<Task> exact = task(R"({"type": "jsonl", "train": "train.jsonl", "heldout": "test.jsonl"})", dir);
  EXPECT_EQ(exact->size(Split::kTrain), 2);
  EXPECT_EQ(exact->size(Split::kHeldOut), 1);
  EXPECT_EQ(exact->score(exact->problem(Split::kTrain, 1), " Paris "), 1.0);
  EXPECT_EQ(exact->score(exact->problem(Split::kTrain, 1), "paris"), 0.0);
  EXPECT_EQ(exact->score(exact->problem(Split::kHeldOut, 0), "6"), 0.0);  // exact text
  testing::write_file(dir + "/nums.jsonl", "{\"prompt\": \"3+3\", \"answer\": \"6.0\"}\n");
  const std::unique_ptr<Task> numeric = task(R"({"type": "jsonl", "train": "nums.jsonl", "heldout": "nums.jsonl", "match": "numeric"})", dir);
  EXPECT_EQ(numeric->score(numeric->problem(Split::kHeldOut, 0), "6"), 1.0);
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "train.jsonl", "match": "numeric"})", dir).find("train.jsonl:3"), std::string::npos);
}

TEST(Task, JsonlErrorsNameFileAndLine) {
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/a.jsonl", "{\"prompt\": \"x\", \"answer\": \"1\"}\n{\"prompt\": \"y\"\n");
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "a.jsonl"})", dir).find("a.jsonl:2"), std::string::npos);
  testing::write_file(dir + "/b.jsonl", "[1]\n");
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "b.jsonl"})", dir).find("b.jsonl:1"), std::string::npos);
  testing::write_file(dir + "/c.jsonl", "{\"prompt\": \"x\", \"answer\": [1]}\n");
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "c.jsonl"})", dir).find("\"answer\""), std::string::npos);
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "missing.jsonl"})", dir).find("does not exist"), std::string::npos);
  testing::write_file(dir + "/one.jsonl", "{\"prompt\": \"x\", \"answer\": \"1\"}\n");
  EXPECT_NE(error_of(R"({"type": "jsonl", "train": "one.jsonl"})", dir).find("non-empty"), std::string::npos);
}

}  // namespace
}  // namespace seek::rl
