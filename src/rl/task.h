// Tasks with verifiable answers: where RL's problems come from and how an answer is checked.
//
// A task has two splits: train (what RL samples from, and what the synthetic pretraining
// corpus is drawn from) and held-out (what accuracy is measured on). Generated tasks
// (arithmetic, countdown) decide a problem's split by a hash of the problem itself, so no
// held-out problem can ever appear in training; problem(split, i) is a pure function of the
// task's seed, the split and i. File tasks (JSONL) list their problems.
//
// A spec is a JSON object with a "type":
//   {"type": "arithmetic", "min_digits": 3, "max_digits": 3, "ops": "+", "seed": 1, "heldout_fraction": 0.1}
//   {"type": "countdown", "numbers": 3, "max_number": 50, "max_target": 200, "seed": 1, "heldout_fraction": 0.1}
//   {"type": "jsonl", "train": "train.jsonl", "heldout": "test.jsonl", "match": "numeric"}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/json.h"

namespace seek::rl {

enum class Split { kTrain, kHeldOut };
std::string_view split_name(Split s);  // "train", "heldout"

struct Problem {
  std::string question;          // the user's request: {prompt} in the R1-Zero template
  std::string answer;            // the reference answer (a number for the built-in tasks)
  std::vector<int64_t> numbers;  // countdown: the numbers to combine
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string_view name() const = 0;
  // Problems in a split: -1 for a generator (problem(s, i) exists for every i >= 0).
  virtual int64_t size(Split s) const = 0;
  // Problem i of split s (0 <= i, and i < size(s) when that is not -1).
  virtual Problem problem(Split s, int64_t i) const = 0;
  // How right `answer` (the text inside <answer>, trimmed) is: 1 solved, 0 not; in [0, 1].
  virtual double score(const Problem& p, std::string_view answer) const = 0;
};

// Builds a task from its spec; relative file names are resolved against base_dir.
Result<std::unique_ptr<Task>> make_task(const Json& spec, const std::string& base_dir);

// Up to n distinct problems of a split, in order (generated splits can repeat a problem, which
// would double-count it in an accuracy).
std::vector<Problem> distinct_problems(const Task& t, Split s, int64_t n);

// Whether a problem with this identity key belongs to the held-out split.
bool in_heldout(uint64_t problem_key, uint64_t seed, double heldout_fraction);

}  // namespace seek::rl
