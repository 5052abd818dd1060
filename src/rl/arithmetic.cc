#include "rl/arithmetic.h"

#include <climits>
#include <optional>

#include "rl/answer.h"
#include "rl/fields.h"
#include "rl/random.h"

namespace seek::rl {
namespace {

int64_t power10(int64_t n) {
  int64_t p = 1;
  for (int64_t i = 0; i < n; ++i) p *= 10;
  return p;
}

// Rejection sampling into the split: about 1/heldout_fraction draws for a held-out problem.
std::optional<ArithmeticProblem> draw(const ArithmeticOptions& o, Split s, int64_t i, uint64_t max_attempts) {
  const bool heldout = s == Split::kHeldOut;
  for (uint64_t attempt = 0; attempt < max_attempts; ++attempt) {
    Rng rng(hash_key({o.seed, static_cast<uint64_t>(s), static_cast<uint64_t>(i), attempt}));
    auto operand = [&] {
      const int64_t digits = rng.uniform(o.min_digits, o.max_digits);
      return rng.uniform(digits == 1 ? 0 : power10(digits - 1), power10(digits) - 1);
    };
    ArithmeticProblem p;
    p.op = o.ops[rng.uniform(0, static_cast<int64_t>(o.ops.size()) - 1)];
    p.a = operand();
    p.b = operand();
    if (p.op == '-' && p.a < p.b) std::swap(p.a, p.b);
    const uint64_t key = hash_key({static_cast<uint64_t>(p.a), static_cast<uint64_t>(p.op), static_cast<uint64_t>(p.b)});
    if (in_heldout(key, o.seed, o.heldout_fraction) == heldout) return p;
  }
  return std::nullopt;
}

class ArithmeticTask final : public Task {
 public:
  explicit ArithmeticTask(const ArithmeticOptions& o) : o_(o) {}
  std::string_view name() const override { return "arithmetic"; }
  int64_t size(Split) const override { return -1; }
  Problem problem(Split s, int64_t i) const override {
    const ArithmeticProblem p = arithmetic_problem(o_, s, i);
    return Problem{arithmetic_question(p), std::to_string(p.result()), {}};
  }
  double score(const Problem& p, std::string_view answer) const override { return numbers_equal(answer, p.answer) ? 1 : 0; }

 private:
  ArithmeticOptions o_;
};

}  // namespace

Result<ArithmeticOptions> parse_arithmetic_options(const Json& spec) {
  ArithmeticOptions o;
  std::string type;
  int64_t seed = static_cast<int64_t>(o.seed);
  Fields f("[task] arithmetic");
  f.string("type", &type);
  f.integer("min_digits", &o.min_digits, 1, 9);
  f.integer("max_digits", &o.max_digits, 1, 9);
  f.string("ops", &o.ops);
  f.integer("seed", &seed, 0, INT64_MAX);
  f.real("heldout_fraction", &o.heldout_fraction, 0.001, 0.999);
  SEEK_RETURN_IF_ERROR(f.read(spec));
  if (o.min_digits > o.max_digits) return f.error("min_digits", fmt::format("is {}, above max_digits {}", o.min_digits, o.max_digits));
  for (char c : o.ops) {
    if (c != '+' && c != '-' && c != '*') return f.error("ops", fmt::format("is \"{}\", expected characters of \"+-*\"", o.ops));
  }
  o.seed = static_cast<uint64_t>(seed);
  for (Split s : {Split::kTrain, Split::kHeldOut}) {
    if (!draw(o, s, 0, 1 << 16)) {
      return f.error("heldout_fraction", fmt::format("leaves the {} split empty: {}..{} digits with \"{}\" make too few "
                                                     "distinct problems", split_name(s), o.min_digits, o.max_digits, o.ops));
    }
  }
  return o;
}

int64_t ArithmeticProblem::result() const { return op == '+' ? a + b : op == '-' ? a - b : a * b; }

ArithmeticProblem arithmetic_problem(const ArithmeticOptions& o, Split s, int64_t i) {
  // parse_arithmetic_options checked that both splits hold problems, so this ends.
  return *draw(o, s, i, UINT64_MAX);
}

std::string arithmetic_question(const ArithmeticProblem& p) { return fmt::format("What is {} {} {}?", p.a, p.op, p.b); }

std::unique_ptr<Task> make_arithmetic_task(const ArithmeticOptions& o) { return std::make_unique<ArithmeticTask>(o); }

}  // namespace seek::rl
