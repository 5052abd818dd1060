// The R1-Zero corpus: worked solutions are right unless they slip, slips change the answer,
// every document is the R1-Zero prompt plus a response, and generation is seeded.
#include <gtest/gtest.h>

#include "rl/answer.h"
#include "rl/corpus.h"
#include "rl/prompt.h"
#include "rl/random.h"

namespace seek::rl {
namespace {

TEST(Corpus, WorkedAdditionIsRightWithoutASlip) {
  int64_t answer = 0;
  EXPECT_EQ(worked_addition(482, 739, -1, &answer),
            "482 + 739: 2 + 9 + 0 = 11, so 1. 48 + 73: 8 + 3 + 1 = 12, so 21. 4 + 7: 4 + 7 + 1 = 12, so 221. The answer is 1221.");
  EXPECT_EQ(answer, 1221);
  worked_addition(5, 1234, -1, &answer);  // operands of different lengths
  EXPECT_EQ(answer, 1239);
  Rng rng(5);
  for (int i = 0; i < 2000; ++i) {
    const int64_t a = rng.uniform(0, 99999), b = rng.uniform(0, 999);
    worked_addition(a, b, -1, &answer);
    ASSERT_EQ(answer, a + b) << a << " + " << b;
    const int64_t columns = static_cast<int64_t>(std::to_string(std::max(a, b)).size());
    worked_addition(a, b, rng.uniform(0, columns - 1), &answer);
    EXPECT_NE(answer, a + b) << a << " + " << b;  // a slip always changes the answer
  }
}

TEST(Corpus, DocumentsArePromptPlusResponse) {
  ArithmeticOptions task;
  CorpusOptions o;
  o.untagged = 0;
  o.practice = 0;
  o.facts = 0;
  int worked = 0, right = 0;
  for (int64_t i = 0; i < 400; ++i) {
    const std::string doc = corpus_document(task, o, i);
    const ArithmeticProblem p = arithmetic_problem(task, Split::kTrain, i);
    const std::string prompt = r1_zero_prompt(arithmetic_question(p)) + " ";
    ASSERT_EQ(doc.substr(0, prompt.size()), prompt);
    const ParsedResponse r = parse_response(doc.substr(prompt.size()));
    EXPECT_TRUE(r.format_ok) << doc;
    worked += doc.find(" + 0 = ") != std::string::npos;
    right += r.answer && *r.answer == std::to_string(p.result());
  }
  // About 40% worked (85% of them right) and 60% guesses (30% right): ~52% right overall.
  EXPECT_NEAR(worked / 400.0, 0.4, 0.08);
  EXPECT_NEAR(right / 400.0, 0.4 * 0.85 + 0.6 * 0.3, 0.08);
  EXPECT_EQ(corpus_document(task, o, 17), corpus_document(task, o, 17));
  CorpusOptions other = o;
  other.seed = 2;
  EXPECT_NE(corpus_document(task, o, 17), corpus_document(task, other, 17));
  o.untagged = 1;
  EXPECT_FALSE(parse_response(corpus_response(arithmetic_problem(task, Split::kTrain, 0), o, 1)).answer.has_value());
}

}  // namespace
}  // namespace seek::rl
