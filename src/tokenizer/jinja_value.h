// The values a chat template computes with: Python's None, bool, int, float, str, list and
// dict, plus Jinja's Undefined, namespace objects and callables. Lists and dicts are shared
// and immutable once built (transformers renders with an ImmutableSandboxedEnvironment);
// only namespace attributes change, through {% set ns.x = ... %}.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace seek::jinja {

class Value;
using List = std::vector<Value>;

// A dict keeps insertion order, as Python's does; keys are strings (what JSON can hold).
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value v);
};

struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

struct Function {
  std::string name;
  std::function<Result<Value>(CallArgs&)> call;
};

class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kNamespace, kFunction };

  Value() = default;  // Undefined
  static Value undefined(std::string hint) {
    Value v;
    v.s_ = std::move(hint);
    return v;
  }
  static Value none() { return Value(Kind::kNone); }
  Value(bool b) : kind_(Kind::kBool), i_(b) {}  // NOLINT: literals convert implicitly
  Value(int64_t i) : kind_(Kind::kInt), i_(i) {}  // NOLINT
  Value(int i) : Value(static_cast<int64_t>(i)) {}  // NOLINT
  Value(double f) : kind_(Kind::kFloat), f_(f) {}  // NOLINT
  Value(std::string s) : kind_(Kind::kString), s_(std::move(s)) {}  // NOLINT
  Value(const char* s) : Value(std::string(s)) {}  // NOLINT
  Value(List l) : kind_(Kind::kList), list_(std::make_shared<const List>(std::move(l))) {}  // NOLINT
  Value(Dict d) : kind_(Kind::kDict), dict_(std::make_shared<Dict>(std::move(d))) {}  // NOLINT
  static Value make_namespace(Dict d);
  static Value function(std::string name, std::function<Result<Value>(CallArgs&)> fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt || kind_ == Kind::kBool; }  // Python: bool is an int
  bool is_number() const { return is_int() || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_mapping() const { return kind_ == Kind::kDict || kind_ == Kind::kNamespace; }
  bool is_callable() const { return kind_ == Kind::kFunction; }

  int64_t as_int() const { return i_; }
  double as_float() const { return kind_ == Kind::kFloat ? f_ : static_cast<double>(i_); }
  const std::string& str() const { return s_; }  // the string, or an Undefined's hint
  const List& list() const { return *list_; }
  const Dict& dict() const { return *dict_; }
  Dict& mutable_namespace() const { return *dict_; }
  const Function& fn() const { return *fn_; }

  bool truthy() const;
  // Python type name for messages ("str", "int", "NoneType", "undefined", ...).
  std::string_view type_name() const;

 private:
  explicit Value(Kind k) : kind_(k) {}

  Kind kind_ = Kind::kUndefined;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<const List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<const Function> fn_;
};

// str(v) as Jinja prints it: Undefined -> "", None -> "None", True -> "True", 1.0 -> "1.0",
// lists and dicts as Python's repr.
std::string to_str(const Value& v);
// Python's repr(v).
std::string repr(const Value& v);
// Python's ==, with Jinja's rule that two Undefineds are equal.
bool equals(const Value& a, const Value& b);
// Python's <, <=, >, >= ordering: -1, 0, 1, or an error for unorderable types.
Result<int> compare(const Value& a, const Value& b);
// json.dumps(v, ensure_ascii=False, indent=indent) as transformers' tojson filter calls it;
// indent < 0 means none. Undefined and callables are an error.
Result<std::string> to_json(const Value& v, int indent, bool sort_keys = false);
// A JSON document as a Value (objects keep their key order).
Value from_json(const nlohmann::ordered_json& j);
// Python's float repr: shortest round-trip digits, always with a '.' or an exponent.
std::string float_repr(double f);

}  // namespace seek::jinja
