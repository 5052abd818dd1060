#include "rl/task.h"

#include <set>

#include "rl/answer.h"
#include "rl/arithmetic.h"
#include "rl/countdown.h"
#include "rl/fields.h"
#include "rl/jsonl.h"
#include "rl/random.h"

namespace seek::rl {
namespace {

// User problems from JSON Lines: {"prompt": "...", "answer": "..." or a number}.
class JsonlTask final : public Task {
 public:
  JsonlTask(std::vector<Problem> train, std::vector<Problem> heldout, bool numeric)
      : train_(std::move(train)), heldout_(std::move(heldout)), numeric_(numeric) {}
  std::string_view name() const override { return "jsonl"; }
  int64_t size(Split s) const override { return static_cast<int64_t>(list(s).size()); }
  Problem problem(Split s, int64_t i) const override { return list(s)[static_cast<size_t>(i)]; }
  double score(const Problem& p, std::string_view answer) const override {
    return (numeric_ ? numbers_equal(answer, p.answer) : trim(answer) == trim(p.answer)) ? 1 : 0;
  }

 private:
  const std::vector<Problem>& list(Split s) const { return s == Split::kTrain ? train_ : heldout_; }
  std::vector<Problem> train_, heldout_;
  bool numeric_;
};

Result<std::vector<Problem>> read_problems(const std::string& path, bool numeric) {
  std::vector<Problem> out;
  SEEK_RETURN_IF_ERROR(for_each_json_line(path, [&](const Json& j, const std::string& where) -> Status {
    Problem p;
    Json answer;
    Fields f(fmt::format("[task] {}", where));
    f.string("prompt", &p.question);
    f.json("answer", &answer);
    SEEK_RETURN_IF_ERROR(f.read(j));
    if (p.question.empty()) return f.error("prompt", "is missing");
    if (answer.is_string()) {
      p.answer = answer.get<std::string>();
    } else if (answer.is_number()) {
      p.answer = answer.dump();
    } else {
      return f.error("answer", fmt::format("is {}, expected a string or a number", json_type_name(answer)));
    }
    if (numeric && !canonical_number(p.answer)) return f.error("answer", fmt::format("'{}' is not a number (match is numeric)", p.answer));
    out.push_back(std::move(p));
    return Status::ok();
  }));
  if (out.empty()) return Status::invalid_argument(fmt::format("[task] '{}' holds no problems", path));
  return out;
}

Result<std::unique_ptr<Task>> make_jsonl_task(const Json& spec, const std::string& base_dir) {
  std::string type, train, heldout, match = "exact";
  double fraction = 0.1;
  int64_t seed = 1;
  Fields f("[task] jsonl");
  f.string("type", &type);
  f.string("train", &train);
  f.string("heldout", &heldout);
  f.choice("match", &match, {"exact", "numeric"});
  f.real("heldout_fraction", &fraction, 0.001, 0.999);
  f.integer("seed", &seed, 0, INT64_MAX);
  SEEK_RETURN_IF_ERROR(f.read(spec));
  if (train.empty()) return f.error("train", "is missing (a JSONL file of {\"prompt\", \"answer\"} lines)");
  const bool numeric = match == "numeric";
  auto resolve = [&](const std::string& p) { return p.front() == '/' || base_dir.empty() ? p : base_dir + "/" + p; };
  SEEK_ASSIGN_OR_RETURN(std::vector<Problem> all, read_problems(resolve(train), numeric));
  std::vector<Problem> held;
  if (!heldout.empty()) {
    SEEK_ASSIGN_OR_RETURN(held, read_problems(resolve(heldout), numeric));
  } else {
    // No held-out file: hold out a fraction of the lines, chosen by a hash of their index.
    std::vector<Problem> kept;
    for (size_t i = 0; i < all.size(); ++i) {
      (in_heldout(i, static_cast<uint64_t>(seed), fraction) ? held : kept).push_back(std::move(all[i]));
    }
    all = std::move(kept);
    if (all.empty() || held.empty()) {
      return f.error("heldout_fraction", fmt::format("splits {} problems into {} for training and {} held out; both must be "
                                                     "non-empty (or give a \"heldout\" file)", all.size() + held.size(), all.size(), held.size()));
    }
  }
  return std::unique_ptr<Task>(new JsonlTask(std::move(all), std::move(held), numeric));
}

}  // namespace

std::string_view split_name(Split s) { return s == Split::kTrain ? "train" : "heldout"; }

bool in_heldout(uint64_t problem_key, uint64_t seed, double heldout_fraction) {
  return static_cast<double>(mix64(problem_key ^ mix64(seed)) >> 11) * 0x1.0p-53 < heldout_fraction;
}

Result<std::unique_ptr<Task>> make_task(const Json& spec, const std::string& base_dir) {
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string()) {
    return Status::invalid_argument("[task] a task is an object with a \"type\": \"arithmetic\", \"countdown\" or \"jsonl\"");
  }
  const std::string type = spec["type"].get<std::string>();
  if (type == "arithmetic") {
    SEEK_ASSIGN_OR_RETURN(ArithmeticOptions o, parse_arithmetic_options(spec));
    return make_arithmetic_task(o);
  }
  if (type == "countdown") {
    SEEK_ASSIGN_OR_RETURN(CountdownOptions o, parse_countdown_options(spec));
    return make_countdown_task(o);
  }
  if (type == "jsonl") return make_jsonl_task(spec, base_dir);
  return Status::invalid_argument(fmt::format("[task] unknown type \"{}\": expected arithmetic, countdown or jsonl", type));
}

std::vector<Problem> distinct_problems(const Task& t, Split s, int64_t n) {
  std::vector<Problem> out;
  std::set<std::pair<std::string, std::string>> seen;
  const int64_t size = t.size(s);
  // A generator may run out of new problems: give up after many repeats in a row.
  for (int64_t i = 0, misses = 0; static_cast<int64_t>(out.size()) < n && (size < 0 || i < size) && misses < 100 * n + 1000; ++i) {
    Problem p = t.problem(s, i);
    if (seen.insert({p.question, p.answer}).second) {
      out.push_back(std::move(p));
      misses = 0;
    } else {
      ++misses;
    }
  }
  return out;
}

}  // namespace seek::rl
