// Countdown (TinyZero's task): combine the given numbers with + - * / and parentheses, each
// exactly once, to reach a target. The answer is the equation, e.g. "(36 - 19) * 7 - 55",
// optionally followed by "= 64". It is checked by evaluating it in exact rational arithmetic.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "rl/task.h"

namespace seek::rl {

struct CountdownOptions {
  int64_t numbers = 3;      // how many numbers a problem gives (2..6)
  int64_t max_number = 50;  // numbers are drawn from 1..max_number
  int64_t max_target = 200; // targets are 1..max_target
  uint64_t seed = 1;
  double heldout_fraction = 0.1;
};

Result<CountdownOptions> parse_countdown_options(const Json& spec);

// Problem i of split s: the numbers and a target reachable with them.
Problem countdown_problem(const CountdownOptions& o, Split s, int64_t i);

struct Equation {
  int64_t num = 0, den = 1;      // its exact value, den > 0, reduced
  std::vector<int64_t> numbers;  // the numbers it uses, in order
};

// Parses and evaluates an equation: integers (up to 9 digits), + - * /, parentheses (nesting
// up to 32), spaces; at most 512 bytes. Division by zero, overflow of 64-bit fractions, or any
// other character: nullopt.
std::optional<Equation> evaluate_equation(std::string_view text);

// 1 when `answer` evaluates to the target and uses each given number exactly once.
double score_countdown(const Problem& p, std::string_view answer);

std::unique_ptr<Task> make_countdown_task(const CountdownOptions& o);

}  // namespace seek::rl
