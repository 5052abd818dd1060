#include "rl/countdown.h"

#include <algorithm>
#include <climits>
#include <numeric>

#include <fmt/ranges.h>

#include "rl/answer.h"
#include "rl/fields.h"
#include "rl/random.h"

namespace seek::rl {
namespace {

constexpr size_t kMaxEquationBytes = 512;
constexpr int kMaxDepth = 32;

struct Fraction {
  int64_t num = 0, den = 1;
};

// a / b reduced with den > 0; nullopt when it does not fit in 64 bits or b is 0.
std::optional<Fraction> make_fraction(__int128 n, __int128 d) {
  if (d == 0) return std::nullopt;
  if (d < 0) n = -n, d = -d;
  __int128 a = n < 0 ? -n : n, b = d;
  while (b != 0) a %= b, std::swap(a, b);
  if (a > 1) n /= a, d /= a;
  if (n > INT64_MAX || n < -INT64_MAX || d > INT64_MAX) return std::nullopt;
  return Fraction{static_cast<int64_t>(n), static_cast<int64_t>(d)};
}

std::optional<Fraction> apply(char op, Fraction x, Fraction y) {
  const __int128 a = x.num, b = x.den, c = y.num, d = y.den;
  switch (op) {
    case '+': return make_fraction(a * d + c * b, b * d);
    case '-': return make_fraction(a * d - c * b, b * d);
    case '*': return make_fraction(a * c, b * d);
    default: return make_fraction(a * d, b * c);  // '/', nullopt when y is 0
  }
}

// Recursive descent over expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
// factor := integer | '(' expr ')'.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::optional<Equation> parse() {
    std::optional<Fraction> v = expr(0);
    skip();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return Equation{v->num, v->den, numbers_};
  }

 private:
  void skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool take(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  std::optional<Fraction> expr(int depth) {
    std::optional<Fraction> v = term(depth);
    for (char op; v && (take(op = '+') || take(op = '-'));) {
      std::optional<Fraction> r = term(depth);
      v = r ? apply(op, *v, *r) : std::nullopt;
    }
    return v;
  }
  std::optional<Fraction> term(int depth) {
    std::optional<Fraction> v = factor(depth);
    for (char op; v && (take(op = '*') || take(op = '/'));) {
      std::optional<Fraction> r = factor(depth);
      v = r ? apply(op, *v, *r) : std::nullopt;
    }
    return v;
  }
  std::optional<Fraction> factor(int depth) {
    if (take('(')) {
      if (depth >= kMaxDepth) return std::nullopt;
      std::optional<Fraction> v = expr(depth + 1);
      return v && take(')') ? v : std::nullopt;
    }
    skip();
    int64_t n = 0;
    size_t digits = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (++digits > 9) return std::nullopt;
      n = n * 10 + (s_[pos_++] - '0');
    }
    if (digits == 0) return std::nullopt;
    numbers_.push_back(n);
    return Fraction{n, 1};
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<int64_t> numbers_;
};

// Numbers 1..max and a target built by combining all of them in a random order with random
// operations whose results stay positive integers.
std::optional<Problem> try_make(const CountdownOptions& o, Rng& rng) {
  std::vector<int64_t> numbers(static_cast<size_t>(o.numbers));
  for (int64_t& n : numbers) n = rng.uniform(1, o.max_number);
  std::vector<int64_t> pool = numbers;
  while (pool.size() > 1) {
    const size_t i = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(pool.size()) - 1));
    std::swap(pool[i], pool.back());
    const int64_t b = pool.back();
    pool.pop_back();
    const size_t j = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(pool.size()) - 1));
    int64_t& a = pool[j];
    const char op = "+-*/"[rng.uniform(0, 3)];
    if (op == '+') a += b;
    else if (op == '-' && a != b) a = a > b ? a - b : b - a;
    else if (op == '*' && a * b <= o.max_target * 4) a *= b;
    else if (op == '/' && a % b == 0) a /= b;
    else if (op == '/' && b % a == 0) a = b / a;
    else a += b;
  }
  if (pool[0] < 1 || pool[0] > o.max_target) return std::nullopt;
  Problem p;
  p.question = fmt::format("Using the numbers [{}], create an equation that equals {}. You can use +, -, * and / and "
                           "each number exactly once.", fmt::join(numbers, ", "), pool[0]);
  p.answer = std::to_string(pool[0]);
  p.numbers = numbers;
  return p;
}

uint64_t problem_key(const Problem& p) {
  std::vector<int64_t> sorted = p.numbers;
  std::sort(sorted.begin(), sorted.end());
  uint64_t h = hash_key({static_cast<uint64_t>(std::stoll(p.answer))});
  for (int64_t n : sorted) h = hash_key({h, static_cast<uint64_t>(n)});
  return h;
}

std::optional<Problem> draw(const CountdownOptions& o, Split s, int64_t i, uint64_t max_attempts) {
  for (uint64_t attempt = 0; attempt < max_attempts; ++attempt) {
    Rng rng(hash_key({o.seed, static_cast<uint64_t>(s), static_cast<uint64_t>(i), attempt}));
    std::optional<Problem> p = try_make(o, rng);
    if (p && in_heldout(problem_key(*p), o.seed, o.heldout_fraction) == (s == Split::kHeldOut)) return p;
  }
  return std::nullopt;
}

class CountdownTask final : public Task {
 public:
  explicit CountdownTask(const CountdownOptions& o) : o_(o) {}
  std::string_view name() const override { return "countdown"; }
  int64_t size(Split) const override { return -1; }
  Problem problem(Split s, int64_t i) const override { return countdown_problem(o_, s, i); }
  double score(const Problem& p, std::string_view answer) const override { return score_countdown(p, answer); }

 private:
  CountdownOptions o_;
};

}  // namespace

Result<CountdownOptions> parse_countdown_options(const Json& spec) {
  CountdownOptions o;
  std::string type;
  int64_t seed = static_cast<int64_t>(o.seed);
  Fields f("[task] countdown");
  f.string("type", &type);
  f.integer("numbers", &o.numbers, 2, 6);
  f.integer("max_number", &o.max_number, 1, 1000);
  f.integer("max_target", &o.max_target, 1, 1000000);
  f.integer("seed", &seed, 0, INT64_MAX);
  f.real("heldout_fraction", &o.heldout_fraction, 0.001, 0.999);
  SEEK_RETURN_IF_ERROR(f.read(spec));
  o.seed = static_cast<uint64_t>(seed);
  for (Split s : {Split::kTrain, Split::kHeldOut}) {
    if (!draw(o, s, 0, 1 << 16)) {
      return f.error("max_target", fmt::format("{} with {} numbers of 1..{} leaves the {} split empty", o.max_target,
                                               o.numbers, o.max_number, split_name(s)));
    }
  }
  return o;
}

Problem countdown_problem(const CountdownOptions& o, Split s, int64_t i) {
  return *draw(o, s, i, UINT64_MAX);  // parse_countdown_options checked both splits are reachable
}

std::optional<Equation> evaluate_equation(std::string_view text) {
  if (text.size() > kMaxEquationBytes) return std::nullopt;
  return Parser(text).parse();
}

double score_countdown(const Problem& p, std::string_view answer) {
  // "expr = target" is accepted when the right side is the target.
  const size_t eq = answer.find('=');
  if (eq != std::string_view::npos) {
    if (!numbers_equal(answer.substr(eq + 1), p.answer)) return 0;
    answer = answer.substr(0, eq);
  }
  const std::optional<Equation> e = evaluate_equation(trim(answer));
  const std::optional<std::string> target = canonical_number(p.answer);
  if (!e || !target || e->den != 1 || std::to_string(e->num) != *target) return 0;
  std::vector<int64_t> used = e->numbers, given = p.numbers;
  std::sort(used.begin(), used.end());
  std::sort(given.begin(), given.end());
  return used == given ? 1 : 0;
}

std::unique_ptr<Task> make_countdown_task(const CountdownOptions& o) { return std::make_unique<CountdownTask>(o); }

}  // namespace seek::rl
