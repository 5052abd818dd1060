// Jinja's filters and tests, with the semantics of jinja2 (and transformers' tojson).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "tokenizer/jinja_builtins.h"
#include "tokenizer/utf8.h"

namespace seek::jinja {
namespace {

const Value* arg(const CallArgs& a, size_t pos, std::string_view name) {
  if (pos < a.args.size()) return &a.args[pos];
  for (const auto& [k, v] : a.kwargs) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool flag(const CallArgs& a, size_t pos, std::string_view name) {
  const Value* v = arg(a, pos, name);
  return v != nullptr && v->truthy();
}

// attribute="a.b" or an integer index, as jinja2's make_attrgetter resolves it.
Result<Value> attribute(const Value& item, const Value& path) {
  if (path.is_int()) return get_item(item, path);
  Value v = item;
  const std::string& p = path.str();
  for (size_t start = 0;;) {
    const size_t dot = p.find('.', start);
    const std::string part = p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    SEEK_ASSIGN_OR_RETURN(v, get_item(v, Value(part)));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

// A copy of `a` without its first `skip` positional arguments (for select's test arguments).
CallArgs rest(const CallArgs& a, size_t skip) {
  CallArgs r;
  r.args.assign(a.args.begin() + std::min(skip, a.args.size()), a.args.end());
  return r;
}

// select/reject/selectattr/rejectattr.
Result<Value> select(const Value& seq, const CallArgs& a, bool by_attr, bool keep) {
  SEEK_ASSIGN_OR_RETURN(List items, iterate(seq));
  const Value* attr = by_attr ? arg(a, 0, "attribute") : nullptr;
  if (by_attr && attr == nullptr) return Status::invalid_argument("selectattr/rejectattr need an attribute name");
  const size_t test_pos = by_attr ? 1 : 0;
  const Value* test = arg(a, test_pos, "test");
  List out;
  for (const Value& item : items) {
    Value subject = item;
    if (by_attr) {
      SEEK_ASSIGN_OR_RETURN(subject, attribute(item, *attr));
    }
    bool ok = subject.truthy();
    if (test != nullptr) {
      if (!test->is_string()) return Status::invalid_argument("the test name must be a string");
      CallArgs test_args = rest(a, test_pos + 1);
      SEEK_ASSIGN_OR_RETURN(ok, apply_test(test->str(), subject, test_args));
    }
    if (ok == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> sort_items(List items, const CallArgs& a) {
  const bool reverse = flag(a, 0, "reverse");
  const bool case_sensitive = flag(a, 1, "case_sensitive");
  const Value* attr = arg(a, 2, "attribute");
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) {
    Value key = item;
    if (attr != nullptr) {
      SEEK_ASSIGN_OR_RETURN(key, attribute(item, *attr));
    }
    if (key.is_string() && !case_sensitive) {
      std::string lower = key.str();
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      key = Value(std::move(lower));
    }
    keyed.emplace_back(std::move(key), std::move(item));
  }
  Status failed;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    Result<int> c = compare(x.first, y.first);
    if (!c.is_ok()) failed = c.status();
    return c.is_ok() && (reverse ? *c > 0 : *c < 0);
  });
  SEEK_RETURN_IF_ERROR(failed);
  List out;
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return Value(std::move(out));
}

Result<Value> to_number(const Value& v, const CallArgs& a, bool want_int) {
  const Value* fallback = arg(a, 0, "default");
  const Value def = fallback ? *fallback : want_int ? Value(int64_t{0}) : Value(0.0);
  if (v.is_number()) return want_int ? Value(static_cast<int64_t>(v.as_float())) : Value(v.as_float());
  if (!v.is_string()) return def;
  const std::string s = v.str();
  char* end = nullptr;
  errno = 0;
  if (want_int) {
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (end != s.c_str() && *end == '\0' && errno == 0) return Value(static_cast<int64_t>(i));
  }
  const double f = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return def;
  return want_int ? Value(static_cast<int64_t>(f)) : Value(f);
}

Result<Value> min_max(const Value& seq, const CallArgs& a, bool want_max) {
  SEEK_ASSIGN_OR_RETURN(List items, iterate(seq));
  const Value* attr = arg(a, 1, "attribute");
  Value best, best_key;
  for (const Value& item : items) {
    Value key = item;
    if (attr != nullptr) {
      SEEK_ASSIGN_OR_RETURN(key, attribute(item, *attr));
    }
    if (!best.is_undefined()) {
      SEEK_ASSIGN_OR_RETURN(int c, compare(key, best_key));
      if (want_max ? c <= 0 : c >= 0) continue;
    }
    best = item, best_key = key;
  }
  return items.empty() ? Value::undefined("No aggregated item, sequence was empty.") : best;
}

Result<Value> indent(const std::string& s, const CallArgs& a) {
  const Value* width_v = arg(a, 0, "width");
  const std::string pad = width_v && width_v->is_string() ? width_v->str()
                                                         : std::string(width_v && width_v->is_int() ? std::clamp<int64_t>(width_v->as_int(), 0, 1024) : 4, ' ');
  const bool first = flag(a, 1, "first"), blank = flag(a, 2, "blank");
  std::string out;
  size_t start = 0;
  for (bool is_first = true; start <= s.size(); is_first = false) {
    const size_t nl = s.find('\n', start);
    const std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if ((is_first ? first : true) && (blank || !line.empty())) out += pad;
    out += line;
    if (out.size() > kMaxBuiltinBytes) return Status::out_of_range("indent(): result too large");
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return Value(std::move(out));
}

}  // namespace

Result<Value> apply_filter(std::string_view name, const Value& v, CallArgs& a) {
  if (name == "default" || name == "d") {
    const Value* fallback = arg(a, 0, "default_value");
    const bool use = flag(a, 1, "boolean") ? !v.truthy() : v.is_undefined();
    return use ? (fallback ? *fallback : Value(std::string())) : v;
  }
  if (name == "length" || name == "count") {
    SEEK_ASSIGN_OR_RETURN(int64_t n, length_of(v));
    return Value(n);
  }
  if (name == "safe") return v;
  if (name == "string") return Value(to_str(v));
  if (name == "tojson") {
    const Value* ind = arg(a, 0, "indent");
    SEEK_ASSIGN_OR_RETURN(std::string json, to_json(v, ind && ind->is_int() ? static_cast<int>(std::clamp<int64_t>(ind->as_int(), 0, 64)) : -1,
                                                     flag(a, 1, "sort_keys")));
    return Value(std::move(json));
  }
  if (name == "items") {
    if (v.is_undefined()) return Value(List{});
    if (!v.is_mapping()) return Status::invalid_argument(fmt::format("items filter needs a mapping, got {}", v.type_name()));
    List out;
    for (const auto& [k, x] : v.dict().items) out.push_back(Value(List{Value(k), x}));
    return Value(std::move(out));
  }
  if (name == "list") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    return Value(std::move(items));
  }
  if (name == "first" || name == "last") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    if (items.empty()) return Value::undefined(fmt::format("{} of an empty sequence", name));
    return name == "first" ? items.front() : items.back();
  }
  if (name == "reverse") {
    if (v.is_string()) return get_slice(v, Value(), Value(), Value(int64_t{-1}));
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "join") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    const Value* sep = arg(a, 0, "d");
    const Value* attr = arg(a, 1, "attribute");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      Value item = items[i];
      if (attr != nullptr) {
        SEEK_ASSIGN_OR_RETURN(item, attribute(item, *attr));
      }
      if (i > 0 && sep != nullptr) out += to_str(*sep);
      out += to_str(item);
      if (out.size() > kMaxBuiltinBytes) return Status::out_of_range("join: result too large");
    }
    return Value(std::move(out));
  }
  if (name == "map") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    const Value* attr = a.args.empty() ? arg(a, 99, "attribute") : nullptr;
    List out;
    for (const Value& item : items) {
      if (attr != nullptr) {
        SEEK_ASSIGN_OR_RETURN(Value x, attribute(item, *attr));
        if (x.is_undefined()) {
          if (const Value* def = arg(a, 99, "default")) x = *def;
        }
        out.push_back(std::move(x));
        continue;
      }
      if (a.args.empty() || !a.args[0].is_string()) return Status::invalid_argument("map needs a filter name or attribute=");
      CallArgs sub = rest(a, 1);
      SEEK_ASSIGN_OR_RETURN(Value x, apply_filter(a.args[0].str(), item, sub));
      out.push_back(std::move(x));
    }
    return Value(std::move(out));
  }
  if (name == "select" || name == "reject") return select(v, a, false, name == "select");
  if (name == "selectattr" || name == "rejectattr") return select(v, a, true, name == "selectattr");
  if (name == "sort") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    return sort_items(std::move(items), a);
  }
  if (name == "dictsort") {
    if (!v.is_mapping()) return Status::invalid_argument(fmt::format("dictsort needs a mapping, got {}", v.type_name()));
    CallArgs items_args;
    SEEK_ASSIGN_OR_RETURN(Value pairs, apply_filter("items", v, items_args));
    CallArgs sort_args;
    sort_args.kwargs = {{"case_sensitive", Value(flag(a, 0, "case_sensitive"))},
                        {"attribute", Value(int64_t{arg(a, 1, "by") && to_str(*arg(a, 1, "by")) == "value" ? 1 : 0})},
                        {"reverse", Value(flag(a, 2, "reverse"))}};
    return sort_items(pairs.list(), sort_args);
  }
  if (name == "unique") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    List out;
    for (const Value& item : items) {
      if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return equals(o, item); })) out.push_back(item);
    }
    return Value(std::move(out));
  }
  if (name == "min" || name == "max") return min_max(v, a, name == "max");
  if (name == "sum") {
    SEEK_ASSIGN_OR_RETURN(List items, iterate(v));
    const Value* attr = arg(a, 0, "attribute");
    const Value* start = arg(a, 1, "start");
    int64_t isum = start && start->is_int() ? start->as_int() : 0;
    double fsum = start ? start->as_float() : 0;
    bool is_float = start && start->kind() == Value::Kind::kFloat;
    for (const Value& item : items) {
      Value x = item;
      if (attr != nullptr) {
        SEEK_ASSIGN_OR_RETURN(x, attribute(item, *attr));
      }
      if (!x.is_number()) return Status::invalid_argument(fmt::format("sum: cannot add {}", x.type_name()));
      is_float = is_float || x.kind() == Value::Kind::kFloat;
      fsum += x.as_float();
      if (!is_float && __builtin_add_overflow(isum, x.as_int(), &isum)) return Status::out_of_range("sum: integer overflow");
    }
    return is_float ? Value(fsum) : Value(isum);
  }
  if (name == "abs") {
    if (v.kind() == Value::Kind::kFloat) return Value(std::fabs(v.as_float()));
    if (!v.is_int() || v.as_int() == INT64_MIN) return Status::invalid_argument(fmt::format("abs of {}", v.type_name()));
    return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (name == "round") {
    if (!v.is_number()) return Status::invalid_argument(fmt::format("round of {}", v.type_name()));
    const Value* prec = arg(a, 0, "precision");
    const Value* method = arg(a, 1, "method");
    const double scale = std::pow(10.0, prec && prec->is_int() ? static_cast<double>(std::clamp<int64_t>(prec->as_int(), -30, 30)) : 0.0);
    const std::string m = method ? to_str(*method) : "common";
    const double x = v.as_float() * scale;
    const double r = m == "floor" ? std::floor(x) : m == "ceil" ? std::ceil(x) : std::round(x);
    return Value(r / scale);
  }
  if (name == "int" || name == "float") return to_number(v, a, name == "int");
  if (name == "attr") {
    const Value* n = arg(a, 0, "name");
    if (n == nullptr || !n->is_string()) return Status::invalid_argument("attr needs a name");
    return get_attr(v, n->str());
  }
  if (v.is_undefined() && (name == "trim" || name == "upper" || name == "lower" || name == "title" ||
                           name == "capitalize" || name == "replace" || name == "indent" || name == "wordcount")) {
    return apply_filter(name, Value(std::string()), a);
  }
  if (name == "trim" || name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "replace") {
    const Value s(to_str(v));
    SEEK_ASSIGN_OR_RETURN(Value method, get_attr(s, name == "trim" ? "strip" : name == "title" ? "title" : std::string(name)));
    CallArgs margs = a;
    return method.fn().call(margs);
  }
  if (name == "indent") return indent(to_str(v), a);
  if (name == "wordcount") {
    CallArgs none;
    SEEK_ASSIGN_OR_RETURN(Value split, get_attr(Value(to_str(v)), "split"));
    SEEK_ASSIGN_OR_RETURN(Value words, split.fn().call(none));
    return Value(static_cast<int64_t>(words.list().size()));
  }
  return Status::unsupported(fmt::format("unknown filter '{}'", name));
}

Result<bool> apply_test(std::string_view name, const Value& v, CallArgs& a) {
  const Value* other = arg(a, 0, "other");
  const auto need_other = [&]() -> Status {
    return other ? Status::ok() : Status::invalid_argument(fmt::format("test '{}' needs an argument", name));
  };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_int() != 0;
  if (name == "false") return v.is_bool() && v.as_int() == 0;
  if (name == "integer") return v.kind() == Value::Kind::kInt;
  if (name == "float") return v.kind() == Value::Kind::kFloat;
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_mapping();
  if (name == "iterable") return v.is_list() || v.is_string() || v.kind() == Value::Kind::kDict || v.is_undefined();
  if (name == "sequence") return v.is_list() || v.is_string() || v.kind() == Value::Kind::kDict;
  if (name == "callable") return v.is_callable();
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    CallArgs none;
    SEEK_ASSIGN_OR_RETURN(Value m, get_attr(v, name == "lower" ? "islower" : "isupper"));
    SEEK_ASSIGN_OR_RETURN(Value r, m.fn().call(none));
    return r.truthy();
  }
  if (name == "odd" || name == "even") {
    if (!v.is_int()) return Status::invalid_argument(fmt::format("test '{}' needs an integer, got {}", name, v.type_name()));
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    SEEK_RETURN_IF_ERROR(need_other());
    if (!v.is_int() || !other->is_int() || other->as_int() == 0) return Status::invalid_argument("divisibleby needs non-zero integers");
    return other->as_int() == -1 || v.as_int() % other->as_int() == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==") return need_other().is_ok() ? Result<bool>(equals(v, *other)) : need_other();
  if (name == "ne" || name == "!=") return need_other().is_ok() ? Result<bool>(!equals(v, *other)) : need_other();
  if (name == "sameas") {
    SEEK_RETURN_IF_ERROR(need_other());
    if ((v.is_none() && other->is_none()) || (v.is_bool() && other->is_bool())) return v.as_int() == other->as_int();
    return (v.is_mapping() || v.is_callable()) && equals(v, *other);
  }
  if (name == "in") {
    SEEK_RETURN_IF_ERROR(need_other());
    return contains(*other, v);
  }
  static const std::pair<const char*, const char*> kOrder[] = {{"lt", "<"}, {"lessthan", "<"}, {"<", "<"}, {"le", "<="},
                                                               {"<=", "<="}, {"gt", ">"}, {"greaterthan", ">"}, {">", ">"},
                                                               {"ge", ">="}, {">=", ">="}};
  for (const auto& [test, op] : kOrder) {
    if (name != test) continue;
    SEEK_RETURN_IF_ERROR(need_other());
    SEEK_ASSIGN_OR_RETURN(int c, compare(v, *other));
    const std::string_view o = op;
    return o == "<" ? c < 0 : o == "<=" ? c <= 0 : o == ">" ? c > 0 : c >= 0;
  }
  return Status::unsupported(fmt::format("unknown test '{}'", name));
}

}  // namespace seek::jinja
