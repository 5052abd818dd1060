// Reading a JSON object of options into a struct: each known key is declared with its type
// and range, and anything else is an error that names the object, the key and what is
// allowed. The RL configs (rl/config.h), task specs and SFT options all read through this.
//
//   Fields f("[rl config] 'run.json' grpo");
//   f.integer("group_size", &o.group_size, 2, 1024);
//   f.real("beta", &o.beta, 0, 10);
//   f.choice("advantage", &o.advantage, {"std", "mean"});
//   SEEK_RETURN_IF_ERROR(f.read(j));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/json.h"

namespace seek::rl {

class Fields {
 public:
  explicit Fields(std::string where) : where_(std::move(where)) {}

  void integer(std::string key, int64_t* out, int64_t lo, int64_t hi);
  void real(std::string key, double* out, double lo, double hi);
  void boolean(std::string key, bool* out);
  // Any string (choices empty) or one of `choices`; non_empty rejects "".
  void string(std::string key, std::string* out, bool non_empty = true);
  void choice(std::string key, std::string* out, std::vector<std::string> choices);
  void strings(std::string key, std::vector<std::string>* out);  // a string or a list of strings
  void json(std::string key, Json* out);                          // any value, checked by the caller

  // Applies `j` (must be an object). Keys not given keep their values.
  Status read(const Json& j) const;
  // An error about `key` in the same voice as read()'s.
  Status error(std::string_view key, std::string_view what) const;

 private:
  struct Field {
    std::string key;
    std::function<Status(const Json&)> set;
  };
  std::string where_;
  std::vector<Field> fields_;
};

}  // namespace seek::rl
