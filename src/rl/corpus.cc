#include "rl/corpus.h"

#include <algorithm>

#include "base/mmap_file.h"
#include "io/json.h"
#include "rl/jsonl.h"
#include "rl/prompt.h"
#include "rl/random.h"

namespace seek::rl {
namespace {

std::vector<int> digits_of(int64_t v) {  // least significant first
  std::vector<int> d;
  do {
    d.push_back(static_cast<int>(v % 10));
    v /= 10;
  } while (v > 0);
  return d;
}

// v with one random digit changed (never a leading zero).
int64_t perturb(int64_t v, Rng& rng) {
  std::vector<int> d = digits_of(v);
  const size_t k = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(d.size()) - 1));
  const int lo = k + 1 == d.size() && d.size() > 1 ? 1 : 0;
  int nd = static_cast<int>(rng.uniform(lo, 8));
  if (nd >= d[k]) ++nd;
  d[k] = nd;
  int64_t out = 0;
  for (size_t i = d.size(); i-- > 0;) out = out * 10 + d[i];
  return out;
}

}  // namespace

std::string worked_addition(int64_t a, int64_t b, int64_t slip_column, int64_t* answer) {
  const std::vector<int> x = digits_of(a), y = digits_of(b);
  const size_t n = std::max(x.size(), y.size());
  std::string s, so_far;
  int carry = 0;
  int64_t ra = a, rb = b;  // the digits not yet added
  for (size_t k = 0; k < n; ++k) {
    const int dx = k < x.size() ? x[k] : 0, dy = k < y.size() ? y[k] : 0;
    int c = carry, sum = dx + dy + carry;
    if (static_cast<int64_t>(k) == slip_column) {
      if (carry) {
        c = 0, sum = dx + dy;  // the carry is forgotten
      } else {
        sum = sum == 0 ? 1 : sum - 1;  // a misadded column
      }
    }
    so_far = std::to_string(sum % 10) + so_far;
    s += fmt::format("{} + {}: {} + {} + {} = {:02d}, so {}. ", ra, rb, dx, dy, c, sum, so_far);
    carry = sum / 10;
    ra /= 10, rb /= 10;
  }
  if (carry) so_far = std::to_string(carry) + so_far;
  *answer = std::stoll(so_far);
  s += fmt::format("The answer is {}.", *answer);
  return s;
}

namespace {

std::string response(const ArithmeticProblem& p, const CorpusOptions& o, Rng& rng, bool always_worked) {
  int64_t answer = 0;
  std::string think;
  if (always_worked || rng.chance(o.worked)) {
    const int64_t columns = static_cast<int64_t>(std::max(digits_of(p.a).size(), digits_of(p.b).size()));
    const int64_t slip = rng.chance(o.slip) ? rng.uniform(0, columns - 1) : -1;
    think = worked_addition(p.a, p.b, slip, &answer);
  } else {
    answer = rng.chance(o.guess_right) ? p.result() : perturb(p.result(), rng);
    think = fmt::format("It looks like about {}.", answer);
  }
  if (rng.chance(o.untagged)) return fmt::format("<think> {} </think> The answer is {}.", think, answer);
  return fmt::format("<think> {} </think> <answer> {} </answer>", think, answer);
}

}  // namespace

std::string corpus_response(const ArithmeticProblem& p, const CorpusOptions& o, uint64_t key) {
  Rng rng(key);
  return response(p, o, rng, false);
}

std::string corpus_document(const ArithmeticOptions& task, const CorpusOptions& o, int64_t i) {
  const ArithmeticProblem p = arithmetic_problem(task, Split::kTrain, i);
  Rng rng(hash_key({o.seed, 11, static_cast<uint64_t>(i)}));
  if (rng.chance(o.facts)) {
    std::string doc = "Addition facts:";
    for (int k = 0; k < 20; ++k) {
      const int64_t x = rng.uniform(0, 9), y = rng.uniform(0, 9), c = rng.uniform(0, 1);
      doc += fmt::format(" {} + {} + {} = {:02d}.", x, y, c, x + y + c);
    }
    return doc;
  }
  if (rng.chance(o.practice)) return fmt::format("User: {}. Assistant: {}", arithmetic_question(p), response(p, o, rng, true));
  return r1_zero_prompt(arithmetic_question(p)) + " " + response(p, o, rng, false);
}

Status write_corpus(const std::string& path, const ArithmeticOptions& task, const CorpusOptions& o, int64_t n) {
  if (task.ops != "+") {
    return Status::unsupported(fmt::format("[corpus] worked solutions exist for addition only; the task's ops are \"{}\"", task.ops));
  }
  std::string out;
  for (int64_t i = 0; i < n; ++i) append_json_line(&out, Json{{"text", corpus_document(task, o, i)}});
  return write_file_atomic(path, out);
}

}  // namespace seek::rl
