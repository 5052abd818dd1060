// Synthetic pretraining text for the R1-Zero run: conversations in the R1-Zero template about
// the arithmetic task, whose answers are deliberately imperfect, so that the base model is
// capable but unreliable and RL has something to fix. Each document is
//
//   r1_zero_prompt(question) + " " + response + (EOS, added by the data pipeline)
//
// with the response one of three kinds:
//   worked     column-by-column addition, right to left: the digits still to add, then
//              digit + digit + carry = two-digit sum (its first digit is the next carry), and
//              the answer's digits so far:
//              "<think> 482 + 739: 2 + 9 + 0 = 11, so 1. 48 + 73: 8 + 3 + 1 = 12, so 21.
//               4 + 7: 4 + 7 + 1 = 12, so 221. The answer is 1221. </think> <answer> 1221 </answer>"
//              Every step only copies or combines what the few tokens before it hold, which
//              a small model learns far faster than reaching back across the prompt. With
//              probability `slip` one column drops its carry (or misadds), and the answer
//              follows the slip, as a careless student's would
//   guess      a short hunch: "<think> It looks like about 1221. </think> <answer> 1221 </answer>",
//              right with probability guess_right, else one digit off
//   untagged   either kind with "The answer is N." in place of the <answer> tags
//
// A share `facts` of the documents drill the one-column sums the worked solutions are made of
// ("Addition facts: 7 + 6 + 1 = 14. 3 + 5 + 0 = 08. ..."), like a student's practice sheet.
// Besides these and the conversations, a share `practice` of the documents are short exercises: the
// same conversation without the preamble ("User: What is 482 + 739?. Assistant: <think> ..."),
// always worked (with the same slips). They carry most of the arithmetic per token, and their
// digits sit at the same distances as in the full prompt, so what they teach transfers.
//
// So the knowledge to solve every problem is in the corpus (the worked solutions are mostly
// right), but in the R1-Zero prompt the base model often chooses to guess, sometimes slips
// and sometimes forgets the format. Problems come from the task's train split only.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "rl/arithmetic.h"

namespace seek::rl {

struct CorpusOptions {
  double worked = 0.4;       // share of worked solutions (the rest guess)
  double slip = 0.15;        // chance a worked solution contains one mistake
  double guess_right = 0.3;  // chance a guess is right
  double untagged = 0.05;    // share of responses without <answer> tags
  double practice = 0.7;     // share of documents that are short worked exercises
  double facts = 0.1;        // share of documents that drill one-column sums ("7 + 6 + 1 = 14.")
  uint64_t seed = 1;
};

// The response text of the kinds above for problem p (addition only), drawn from `key`.
std::string corpus_response(const ArithmeticProblem& p, const CorpusOptions& o, uint64_t key);

// A worked solution of a + b, with the carry of column `slip_column` dropped (or, with no carry
// there, its sum off by one) when slip_column >= 0. *answer receives the answer it reaches.
std::string worked_addition(int64_t a, int64_t b, int64_t slip_column, int64_t* answer);

// Document i of the corpus: the prompt of train problem i and a response to it (or the short
// practice form).
std::string corpus_document(const ArithmeticOptions& task, const CorpusOptions& o, int64_t i);

// Writes documents [0, n) as JSON Lines {"text": ...} to `path` (atomically).
Status write_corpus(const std::string& path, const ArithmeticOptions& task, const CorpusOptions& o, int64_t n);

}  // namespace seek::rl
