// Attribute and item access, iteration, the methods of str/dict/list, and the globals.
#include <algorithm>
#include <chrono>
#include <ctime>

#include "tokenizer/jinja_builtins.h"
#include "tokenizer/utf8.h"

namespace seek::jinja {
namespace {

// Python's str.isspace for one code point.
bool is_py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// The code points of s as byte ranges (an ill-formed byte counts as one).
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const int len = utf8::decode(s, i).len;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

char32_t cp_of(std::string_view c) {
  const utf8::Step st = utf8::decode(c, 0);
  return st.ok ? st.cp : utf8::kReplacement;
}

const Value* arg(const CallArgs& a, size_t pos, std::string_view name) {
  if (pos < a.args.size()) return &a.args[pos];
  for (const auto& [k, v] : a.kwargs) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<std::string> string_arg(const CallArgs& a, size_t pos, std::string_view name, std::string_view method) {
  const Value* v = arg(a, pos, name);
  if (v == nullptr || !v->is_string()) {
    return Status::invalid_argument(fmt::format("{}() needs a string argument '{}', got {}", method, name,
                                                v ? v->type_name() : "nothing"));
  }
  return v->str();
}

// strip/lstrip/rstrip: `chars` absent or None means whitespace.
std::string strip(const std::string& s, const Value* chars, bool left, bool right) {
  const std::vector<std::string_view> cps = code_points(s);
  std::vector<std::string_view> set;
  const bool ws = chars == nullptr || !chars->is_string();
  if (!ws) set = code_points(chars->str());
  const auto strip_it = [&](std::string_view c) {
    return ws ? is_py_space(cp_of(c)) : std::find(set.begin(), set.end(), c) != set.end();
  };
  size_t b = 0, e = cps.size();
  while (left && b < e && strip_it(cps[b])) ++b;
  while (right && e > b && strip_it(cps[e - 1])) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) out += cps[i];
  return out;
}

Result<Value> split(const std::string& s, const Value* sep, const Value* maxsplit_v) {
  int64_t maxsplit = maxsplit_v && maxsplit_v->is_int() ? maxsplit_v->as_int() : -1;
  List parts;
  if (sep == nullptr || sep->is_none()) {  // runs of whitespace, no empty parts
    const std::vector<std::string_view> cps = code_points(s);
    size_t i = 0;
    while (true) {
      while (i < cps.size() && is_py_space(cp_of(cps[i]))) ++i;
      if (i >= cps.size()) break;
      std::string word;
      if (maxsplit == 0) {
        for (; i < cps.size(); ++i) word += cps[i];
        parts.push_back(Value(strip(word, nullptr, false, true)));
        break;
      }
      while (i < cps.size() && !is_py_space(cp_of(cps[i]))) word += cps[i++];
      parts.push_back(Value(std::move(word)));
      --maxsplit;
    }
    return Value(std::move(parts));
  }
  if (!sep->is_string()) return Status::invalid_argument(fmt::format("split() separator must be str or None, not {}", sep->type_name()));
  if (sep->str().empty()) return Status::invalid_argument("split(): empty separator");
  size_t start = 0;
  while (maxsplit != 0) {
    const size_t at = s.find(sep->str(), start);
    if (at == std::string::npos) break;
    parts.push_back(Value(s.substr(start, at - start)));
    start = at + sep->str().size();
    --maxsplit;
  }
  parts.push_back(Value(s.substr(start)));
  return Value(std::move(parts));
}

// Python's str.upper/lower/title/capitalize, for ASCII letters only (other scripts unchanged).
std::string ascii_case(const std::string& s, char mode) {
  std::string out = s;
  bool prev_letter = false;
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool up = mode == 'U';
    if (mode == 'T') up = !prev_letter;
    if (mode == 'C') up = i == 0;
    if (letter) c = up ? static_cast<char>(std::toupper(c)) : static_cast<char>(std::tolower(c));
    prev_letter = letter;
  }
  return out;
}

Result<bool> affix_match(const std::string& s, const Value* affix, bool prefix, std::string_view method) {
  if (affix != nullptr && affix->is_list()) {  // a tuple of candidates
    for (const Value& a : affix->list()) {
      SEEK_ASSIGN_OR_RETURN(bool m, affix_match(s, &a, prefix, method));
      if (m) return true;
    }
    return false;
  }
  if (affix == nullptr || !affix->is_string()) return Status::invalid_argument(fmt::format("{}() needs a string", method));
  const std::string& a = affix->str();
  if (a.size() > s.size()) return false;
  return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
}

Result<Value> string_method(const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return Value(strip(s, arg(a, 0, "chars"), name != "rstrip", name != "lstrip"));
  }
  if (name == "split") return split(s, arg(a, 0, "sep"), arg(a, 1, "maxsplit"));
  if (name == "splitlines") {
    List lines;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\n' || s[i] == '\r') {
        lines.push_back(Value(s.substr(start, i - start)));
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        start = i + 1;
      }
    }
    if (start < s.size()) lines.push_back(Value(s.substr(start)));
    return Value(std::move(lines));
  }
  if (name == "startswith" || name == "endswith") {
    SEEK_ASSIGN_OR_RETURN(bool m, affix_match(s, arg(a, 0, "prefix"), name == "startswith", name));
    return Value(m);
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    return Value(ascii_case(s, name == "upper" ? 'U' : name == "lower" ? 'L' : name == "title" ? 'T' : 'C'));
  }
  if (name == "replace") {
    SEEK_ASSIGN_OR_RETURN(std::string from, string_arg(a, 0, "old", name));
    SEEK_ASSIGN_OR_RETURN(std::string to, string_arg(a, 1, "new", name));
    const Value* count_v = arg(a, 2, "count");
    int64_t count = count_v && count_v->is_int() ? count_v->as_int() : -1;
    std::string out;
    if (from.empty()) {  // Python inserts `to` between every character and at both ends
      const std::vector<std::string_view> cps = code_points(s);
      for (size_t i = 0; i <= cps.size(); ++i) {
        if (count != 0) out += to, --count;
        if (i < cps.size()) out += cps[i];
        if (out.size() > kMaxBuiltinBytes) return Status::out_of_range("replace(): result too large");
      }
      return Value(std::move(out));
    }
    size_t start = 0;
    for (size_t at; count != 0 && (at = s.find(from, start)) != std::string::npos; --count) {
      out.append(s, start, at - start);
      out += to;
      start = at + from.size();
      if (out.size() > kMaxBuiltinBytes) return Status::out_of_range("replace(): result too large");
    }
    out.append(s, start);
    return Value(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "count" || name == "index") {
    SEEK_ASSIGN_OR_RETURN(std::string sub, string_arg(a, 0, "sub", name));
    if (name == "count") {
      if (sub.empty()) return Value(static_cast<int64_t>(utf8::length(s) + 1));
      int64_t n = 0;
      for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
      return Value(n);
    }
    const size_t at = name == "rfind" ? s.rfind(sub) : s.find(sub);
    if (at == std::string::npos) {
      if (name == "index") return Status::invalid_argument("index(): substring not found");
      return Value(int64_t{-1});
    }
    return Value(static_cast<int64_t>(utf8::length(s.substr(0, at))));
  }
  if (name == "join") {
    const Value* items = arg(a, 0, "iterable");
    if (items == nullptr) return Status::invalid_argument("join() needs an iterable");
    SEEK_ASSIGN_OR_RETURN(List list, iterate(*items));
    std::string out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) return Status::invalid_argument(fmt::format("join(): item {} is {}, expected str", i, list[i].type_name()));
      out += (i ? s : "") + list[i].str();
      if (out.size() > kMaxBuiltinBytes) return Status::out_of_range("join(): result too large");
    }
    return Value(std::move(out));
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" || name == "islower" ||
      name == "isupper") {
    if (s.empty()) return Value(false);
    bool all = true, cased = false;
    for (std::string_view c : code_points(s)) {
      const char32_t cp = cp_of(c);
      const bool digit = cp >= '0' && cp <= '9', lower = cp >= 'a' && cp <= 'z', upper = cp >= 'A' && cp <= 'Z';
      cased = cased || lower || upper;
      if (name == "isdigit") all = all && digit;
      if (name == "isalpha") all = all && (lower || upper);
      if (name == "isalnum") all = all && (lower || upper || digit);
      if (name == "isspace") all = all && is_py_space(cp);
      if (name == "islower") all = all && !upper;
      if (name == "isupper") all = all && !lower;
    }
    return Value(all && (name == "islower" || name == "isupper" ? cased : true));
  }
  return Status::unsupported(fmt::format("str has no supported method '{}'", name));
}

bool is_string_method(const std::string& n) {
  static const char* const kNames[] = {"strip", "lstrip", "rstrip", "split", "splitlines", "startswith", "endswith",
                                       "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count",
                                       "index", "join", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper",
                                       "format"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

bool is_mutating_method(const std::string& n) {
  static const char* const kNames[] = {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
                                       "update", "setdefault", "popitem"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

Value bound(const Value& self, const std::string& name) {
  return Value::function(std::string(self.type_name()) + "." + name, [self, name](CallArgs& a) -> Result<Value> {
    if (is_mutating_method(name)) {
      return Status::invalid_argument(fmt::format("{}.{}() modifies its object, which the immutable sandbox forbids",
                                                  self.type_name(), name));
    }
    if (self.is_string()) return string_method(self.str(), name, a);
    if (self.is_mapping()) {
      if (name == "get") {
        const Value* key = arg(a, 0, "key");
        const Value* v = key && key->is_string() ? self.dict().find(key->str()) : nullptr;
        if (v) return *v;
        const Value* fallback = arg(a, 1, "default");
        return fallback ? *fallback : Value::none();
      }
      List out;
      for (const auto& [k, v] : self.dict().items) {
        if (name == "keys") out.push_back(Value(k));
        if (name == "values") out.push_back(v);
        if (name == "items") out.push_back(Value(List{Value(k), v}));
      }
      return Value(std::move(out));
    }
    // list.count / list.index
    const Value* x = arg(a, 0, "x");
    if (x == nullptr) return Status::invalid_argument(fmt::format("list.{}() needs an argument", name));
    int64_t count = 0;
    for (size_t i = 0; i < self.list().size(); ++i) {
      if (!equals(self.list()[i], *x)) continue;
      if (name == "index") return Value(static_cast<int64_t>(i));
      ++count;
    }
    if (name == "index") return Status::invalid_argument("list.index(x): x not in list");
    return Value(count);
  });
}

}  // namespace

Status undefined_error(const Value& v) {
  return Status::invalid_argument(v.str().empty() ? "use of an undefined value" : v.str());
}

Result<int64_t> length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return 0;
    case Value::Kind::kString: return static_cast<int64_t>(utf8::length(v.str()));
    case Value::Kind::kList: return static_cast<int64_t>(v.list().size());
    case Value::Kind::kDict:
    case Value::Kind::kNamespace: return static_cast<int64_t>(v.dict().items.size());
    default: return Status::invalid_argument(fmt::format("object of type '{}' has no len()", v.type_name()));
  }
}

Result<Value> get_attr(const Value& obj, const std::string& name) {
  const auto missing = [&] {
    return Value::undefined(fmt::format("'{} object' has no attribute '{}'", obj.type_name(), name));
  };
  switch (obj.kind()) {
    case Value::Kind::kUndefined: return undefined_error(obj);
    case Value::Kind::kNamespace: {
      const Value* v = obj.dict().find(name);
      return v ? *v : missing();
    }
    case Value::Kind::kDict: {
      // Jinja tries Python attributes first, so d.items is the method even if a key "items" exists.
      if (name == "items" || name == "keys" || name == "values" || name == "get" || is_mutating_method(name)) {
        return bound(obj, name);
      }
      const Value* v = obj.dict().find(name);
      return v ? *v : missing();
    }
    case Value::Kind::kString: return is_string_method(name) ? bound(obj, name) : missing();
    case Value::Kind::kList:
      return name == "count" || name == "index" || is_mutating_method(name) ? bound(obj, name) : missing();
    default: return missing();
  }
}

Result<Value> get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (obj.is_mapping() && key.is_string()) {
    const Value* v = obj.dict().find(key.str());
    if (v) return *v;
    if (obj.kind() == Value::Kind::kDict) return get_attr(obj, key.str());  // d['items'] falls back to the method
    return Value::undefined(fmt::format("'{} object' has no attribute '{}'", obj.type_name(), key.str()));
  }
  if ((obj.is_list() || obj.is_string()) && key.is_int() && key.kind() != Value::Kind::kFloat) {
    std::vector<std::string_view> cps;
    if (obj.is_string()) cps = code_points(obj.str());
    const auto n = static_cast<int64_t>(obj.is_list() ? obj.list().size() : cps.size());
    int64_t i = key.as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
      return Value::undefined(fmt::format("{} object has no element {}", obj.type_name(), key.as_int()));
    }
    return obj.is_list() ? obj.list()[i] : Value(std::string(cps[i]));
  }
  if (key.is_string()) return get_attr(obj, key.str());
  return Value::undefined(fmt::format("'{} object' has no item {}", obj.type_name(), repr(key)));
}

Result<Value> get_slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (!obj.is_list() && !obj.is_string()) {
    return Status::invalid_argument(fmt::format("'{}' object is not subscriptable with a slice", obj.type_name()));
  }
  for (const Value* v : {&start_v, &stop_v, &step_v}) {
    if (!v->is_undefined() && !v->is_none() && !(v->is_int() && v->kind() != Value::Kind::kFloat)) {
      return Status::invalid_argument(fmt::format("slice indices must be integers or None, not {}", v->type_name()));
    }
  }
  std::vector<std::string_view> cps;
  if (obj.is_string()) cps = code_points(obj.str());
  const auto n = static_cast<int64_t>(obj.is_list() ? obj.list().size() : cps.size());
  const bool has = [](const Value& v) { return v.is_int(); }(step_v);
  const int64_t step = has ? step_v.as_int() : 1;
  if (step == 0) return Status::invalid_argument("slice step cannot be zero");
  // Python's slice.indices().
  const auto clamp = [&](const Value& v, int64_t fallback) {
    if (!v.is_int()) return fallback;
    int64_t i = v.as_int();
    if (i < 0) i = std::max<int64_t>(i + n, step < 0 ? -1 : 0);
    return std::min<int64_t>(i, step < 0 ? n - 1 : n);
  };
  const int64_t start = clamp(start_v, step < 0 ? n - 1 : 0), stop = clamp(stop_v, step < 0 ? -1 : n);
  List items;
  std::string text;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_list()) {
      items.push_back(obj.list()[i]);
    } else {
      text += cps[i];
    }
  }
  return obj.is_list() ? Value(std::move(items)) : Value(std::move(text));
}

Result<bool> contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Value::Kind::kUndefined: return false;  // Python falls back to iterating, which yields nothing
    case Value::Kind::kString:
      if (!needle.is_string()) {
        return Status::invalid_argument(fmt::format("'in <string>' requires string as left operand, not {}", needle.type_name()));
      }
      return haystack.str().find(needle.str()) != std::string::npos;
    case Value::Kind::kList:
      return std::any_of(haystack.list().begin(), haystack.list().end(), [&](const Value& v) { return equals(v, needle); });
    case Value::Kind::kDict:
    case Value::Kind::kNamespace: return needle.is_string() && haystack.dict().find(needle.str()) != nullptr;
    default:
      return Status::invalid_argument(fmt::format("argument of type '{}' is not iterable", haystack.type_name()));
  }
}

Result<List> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return List{};
    case Value::Kind::kList: return v.list();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& [k, unused] : v.dict().items) keys.push_back(Value(k));
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (std::string_view c : code_points(v.str())) chars.push_back(Value(std::string(c)));
      return chars;
    }
    default: return Status::invalid_argument(fmt::format("'{}' object is not iterable", v.type_name()));
  }
}

Dict builtin_globals() {
  Dict g;
  g.set("range", Value::function("range", [](CallArgs& a) -> Result<Value> {
    int64_t bounds[3] = {0, 0, 1};
    if (a.args.empty() || a.args.size() > 3) return Status::invalid_argument("range() takes 1 to 3 integers");
    for (const Value& v : a.args) {
      if (!v.is_int()) return Status::invalid_argument(fmt::format("range() needs integers, got {}", v.type_name()));
    }
    if (a.args.size() == 1) bounds[1] = a.args[0].as_int();
    for (size_t i = 0; a.args.size() > 1 && i < a.args.size(); ++i) bounds[i] = a.args[i].as_int();
    if (bounds[2] == 0) return Status::invalid_argument("range() step must not be zero");
    List out;
    for (int64_t i = bounds[0]; bounds[2] > 0 ? i < bounds[1] : i > bounds[1]; i += bounds[2]) {
      if (out.size() >= kMaxBuiltinItems) return Status::out_of_range(fmt::format("range() of more than {} items", kMaxBuiltinItems));
      out.push_back(Value(i));
      if ((bounds[2] > 0 && i > INT64_MAX - bounds[2]) || (bounds[2] < 0 && i < INT64_MIN - bounds[2])) break;
    }
    return Value(std::move(out));
  }));
  const auto make_dict = [](CallArgs& a, bool ns) -> Result<Value> {
    Dict d;
    for (const Value& v : a.args) {  // namespace({'a': 1}) copies a mapping
      if (!v.is_mapping()) return Status::invalid_argument(fmt::format("expected a mapping argument, got {}", v.type_name()));
      for (const auto& [k, x] : v.dict().items) d.set(k, x);
    }
    for (auto& [k, v] : a.kwargs) d.set(k, v);
    return ns ? Value::make_namespace(std::move(d)) : Value(std::move(d));
  };
  g.set("namespace", Value::function("namespace", [make_dict](CallArgs& a) { return make_dict(a, true); }));
  g.set("dict", Value::function("dict", [make_dict](CallArgs& a) { return make_dict(a, false); }));
  g.set("raise_exception", Value::function("raise_exception", [](CallArgs& a) -> Result<Value> {
    return Status::invalid_argument(fmt::format("the template raised an exception: {}", a.args.empty() ? "" : to_str(a.args[0])));
  }));
  g.set("strftime_now", Value::function("strftime_now", [](CallArgs& a) -> Result<Value> {
    if (a.args.empty() || !a.args[0].is_string()) return Status::invalid_argument("strftime_now() needs a format string");
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[256];
    const size_t n = std::strftime(buf, sizeof buf, a.args[0].str().c_str(), &tm);
    return Value(std::string(buf, n));
  }));
  return g;
}

}  // namespace seek::jinja
