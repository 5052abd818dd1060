// Multi-digit arithmetic: "What is 482 + 739?", answered with the number. Operands have
// min_digits..max_digits digits (at most 9, so every result fits in 64 bits); subtraction
// puts the larger operand first, so results are never negative.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "rl/task.h"

namespace seek::rl {

struct ArithmeticOptions {
  int64_t min_digits = 3;
  int64_t max_digits = 3;
  std::string ops = "+";  // any of "+-*"
  uint64_t seed = 1;
  double heldout_fraction = 0.1;
};

// Reads the spec's keys (besides "type") over the defaults; checks ranges.
Result<ArithmeticOptions> parse_arithmetic_options(const Json& spec);

struct ArithmeticProblem {
  int64_t a = 0, b = 0;
  char op = '+';
  int64_t result() const;
};

// Problem i of split s: a pure function of (options, s, i).
ArithmeticProblem arithmetic_problem(const ArithmeticOptions& o, Split s, int64_t i);
std::string arithmetic_question(const ArithmeticProblem& p);  // "What is 482 + 739?"

std::unique_ptr<Task> make_arithmetic_task(const ArithmeticOptions& o);

}  // namespace seek::rl
