#include "tokenizer/jinja_interpreter.h"

#include <cmath>

#include "tokenizer/jinja_builtins.h"

namespace seek::jinja {
namespace {

bool is_float(const Value& v) { return v.kind() == Value::Kind::kFloat; }

Status type_error(std::string_view op, const Value& a, const Value& b) {
  return Status::invalid_argument(
      fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(), b.type_name()));
}

// Python's +, -, *, /, //, %, ** on two evaluated operands (neither Undefined).
Result<Value> arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (op == "+" && a.is_string() && b.is_string()) return Value(a.str() + b.str());
  if (op == "+" && a.is_list() && b.is_list()) {
    List l = a.list();
    l.insert(l.end(), b.list().begin(), b.list().end());
    return Value(std::move(l));
  }
  if (op == "*" && (a.is_string() || a.is_list()) && b.is_int() && !is_float(b)) {
    const int64_t n = std::max<int64_t>(b.as_int(), 0);
    const size_t unit = a.is_string() ? a.str().size() : a.list().size();
    if (unit > 0 && static_cast<uint64_t>(n) > kMaxBuiltinBytes / unit) {
      return Status::out_of_range(fmt::format("repeating a {} of {} items {} times is too large", a.type_name(), unit, n));
    }
    if (a.is_string()) {
      std::string s;
      for (int64_t i = 0; i < n; ++i) s += a.str();
      return Value(std::move(s));
    }
    List l;
    for (int64_t i = 0; i < n; ++i) l.insert(l.end(), a.list().begin(), a.list().end());
    return Value(std::move(l));
  }
  if (!a.is_number() || !b.is_number()) return type_error(op, a, b);
  if (op == "/") {
    if (b.as_float() == 0) return Status::invalid_argument("division by zero");
    return Value(a.as_float() / b.as_float());
  }
  if (is_float(a) || is_float(b)) {
    const double x = a.as_float(), y = b.as_float();
    if (op == "+") return Value(x + y);
    if (op == "-") return Value(x - y);
    if (op == "*") return Value(x * y);
    if (op == "**") return Value(std::pow(x, y));
    if (y == 0) return Status::invalid_argument("float division by zero");
    if (op == "//") return Value(std::floor(x / y));
    const double m = std::fmod(x, y);  // Python's % takes the sign of the divisor
    return Value(m != 0 && ((m < 0) != (y < 0)) ? m + y : m);
  }
  const int64_t x = a.as_int(), y = b.as_int();
  int64_t r = 0;
  const auto overflow = [&] { return Status::out_of_range(fmt::format("integer overflow in {} {} {}", x, op, y)); };
  if (op == "+") return __builtin_add_overflow(x, y, &r) ? overflow() : Result<Value>(Value(r));
  if (op == "-") return __builtin_sub_overflow(x, y, &r) ? overflow() : Result<Value>(Value(r));
  if (op == "*") return __builtin_mul_overflow(x, y, &r) ? overflow() : Result<Value>(Value(r));
  if (op == "**") {
    if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
    r = 1;
    for (int64_t i = 0; i < y; ++i) {
      if (__builtin_mul_overflow(r, x, &r)) return overflow();
      if (r == 0 || r == 1) break;
      if (r == -1) {
        r = (y % 2 == 0) ? 1 : -1;
        break;
      }
    }
    return Value(r);
  }
  if (y == 0) return Status::invalid_argument("integer division or modulo by zero");
  if (x == INT64_MIN && y == -1) return overflow();
  int64_t q = x / y, m = x % y;
  if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;  // floor division, as Python
  return Value(op == "//" ? q : m);
}

}  // namespace

Status Interpreter::located(const Status& s, int line) const {
  if (s.is_ok() || s.message().rfind("[template]", 0) == 0) return s;
  return Status(s).with_context(fmt::format("[template] '{}' line {}", source_, line));
}

Status Interpreter::step(int line) {
  if (++steps_ <= limits_.max_steps) return Status::ok();
  return Status::out_of_range(fmt::format("[template] '{}' line {}: rendering took more than {} steps (an endless loop?)",
                                          source_, line, limits_.max_steps));
}

Value Interpreter::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    if (const Value* v = it->find(name)) return *v;
  }
  return Value::undefined(fmt::format("'{}' is undefined", name));
}

Result<std::string> Interpreter::render(const Node& root, Dict globals) {
  scopes_.assign(1, std::move(globals));
  std::string out;
  out_ = &out;
  const Result<Flow> flow = exec(root.body);  // a stray break outside a loop just ends the template, as in Jinja
  for (const auto& [dict, ns] : written_namespaces_) ns.mutable_namespace().items.clear();
  written_namespaces_.clear();
  scopes_.clear();
  if (!flow.is_ok()) return flow.status();
  return out;
}

Result<Interpreter::Flow> Interpreter::exec(const Body& body) {
  for (const auto& n : body) {
    SEEK_ASSIGN_OR_RETURN(Flow flow, exec_node(*n));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Result<std::string> Interpreter::capture(const Body& body) {
  std::string text;
  std::string* saved = out_;
  out_ = &text;
  Result<Flow> flow = exec(body);
  out_ = saved;
  if (!flow.is_ok()) return flow.status();
  return text;
}

Result<Interpreter::Flow> Interpreter::exec_node(const Node& n) {
  SEEK_RETURN_IF_ERROR(step(n.line));
  switch (n.kind) {
    case Node::Kind::kText:
      *out_ += n.text;
      break;
    case Node::Kind::kOutput: {
      SEEK_ASSIGN_OR_RETURN(Value v, eval(*n.expr));
      *out_ += to_str(v);
      break;
    }
    case Node::Kind::kIf:
      for (const auto& [cond, body] : n.branches) {
        bool take = cond == nullptr;
        if (!take) {
          SEEK_ASSIGN_OR_RETURN(Value c, eval(*cond));
          take = c.truthy();
        }
        if (take) return exec(body);
      }
      break;
    case Node::Kind::kFor: return exec_for(n);
    case Node::Kind::kSet: {
      SEEK_ASSIGN_OR_RETURN(Value v, eval(*n.expr));
      SEEK_RETURN_IF_ERROR(located(exec_set(n, std::move(v)), n.line));
      break;
    }
    case Node::Kind::kSetBlock: {
      SEEK_ASSIGN_OR_RETURN(std::string text, capture(n.body));
      assign(n.targets[0], Value(std::move(text)));
      break;
    }
    case Node::Kind::kMacro: assign(n.text, make_macro(n)); break;
    case Node::Kind::kFilterBlock: {
      SEEK_ASSIGN_OR_RETURN(std::string text, capture(n.body));
      SEEK_ASSIGN_OR_RETURN(CallArgs args, eval_args(*n.expr, 1));
      Result<Value> v = apply_filter(n.expr->name, Value(std::move(text)), args);
      if (!v.is_ok()) return located(v.status(), n.line);
      *out_ += to_str(*v);
      break;
    }
    case Node::Kind::kBreak: return Flow::kBreak;
    case Node::Kind::kContinue: return Flow::kContinue;
    case Node::Kind::kBody: return exec(n.body);
  }
  if (out_->size() > limits_.max_output_bytes) {
    return Status::out_of_range(fmt::format("[template] '{}' line {}: output is larger than {} bytes", source_, n.line,
                                            limits_.max_output_bytes));
  }
  return Flow::kNormal;
}

Status Interpreter::exec_set(const Node& n, Value v) {
  if (!n.attr.empty()) {
    const Value target = lookup(n.targets[0]);
    if (target.kind() != Value::Kind::kNamespace) {
      return Status::invalid_argument(fmt::format("cannot assign attribute '{}' on '{}', a {} (only namespace() objects "
                                                  "have settable attributes)", n.attr, n.targets[0], target.type_name()));
    }
    target.mutable_namespace().set(n.attr, std::move(v));
    written_namespaces_.emplace(&target.mutable_namespace(), target);
    return Status::ok();
  }
  if (n.targets.size() == 1) {
    assign(n.targets[0], std::move(v));
    return Status::ok();
  }
  if (!v.is_list() || v.list().size() != n.targets.size()) {
    return Status::invalid_argument(fmt::format("cannot unpack {} into {} names", v.type_name(), n.targets.size()));
  }
  for (size_t i = 0; i < n.targets.size(); ++i) assign(n.targets[i], v.list()[i]);
  return Status::ok();
}

Result<Interpreter::Flow> Interpreter::exec_for(const Node& n) {
  SEEK_ASSIGN_OR_RETURN(Value seq, eval(*n.expr));
  Result<List> all = iterate(seq);
  if (!all.is_ok()) return located(all.status(), n.line);
  const auto bind = [&](Dict* scope, const Value& item) -> Status {
    if (n.targets.size() == 1) return scope->set(n.targets[0], item), Status::ok();
    if (!item.is_list() || item.list().size() != n.targets.size()) {
      return located(Status::invalid_argument(fmt::format("cannot unpack {} into {} loop variables", item.type_name(),
                                                          n.targets.size())), n.line);
    }
    for (size_t i = 0; i < n.targets.size(); ++i) scope->set(n.targets[i], item.list()[i]);
    return Status::ok();
  };
  List items;
  if (n.filter) {  // `for x in xs if cond`: the loop sees only the items that pass
    for (const Value& item : *all) {
      scopes_.emplace_back();
      Status bound = bind(&scopes_.back(), item);
      Result<Value> keep = bound.is_ok() ? eval(*n.filter) : Result<Value>(bound);
      scopes_.pop_back();
      if (!keep.is_ok()) return keep.status();
      if (keep->truthy()) items.push_back(item);
    }
  } else {
    items = std::move(all).value();
  }
  if (items.empty()) return exec(n.else_body);
  const auto len = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < len; ++i) {
    SEEK_RETURN_IF_ERROR(step(n.line));  // an empty body must still count
    Dict loop;
    loop.set("index", Value(i + 1));
    loop.set("index0", Value(i));
    loop.set("revindex", Value(len - i));
    loop.set("revindex0", Value(len - i - 1));
    loop.set("first", Value(i == 0));
    loop.set("last", Value(i == len - 1));
    loop.set("length", Value(len));
    loop.set("depth", Value(int64_t{1}));
    loop.set("depth0", Value(int64_t{0}));
    loop.set("previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
    loop.set("nextitem", i + 1 < len ? items[i + 1] : Value::undefined("there is no next item"));
    loop.set("cycle", Value::function("loop.cycle", [i](CallArgs& a) -> Result<Value> {
      if (a.args.empty()) return Status::invalid_argument("loop.cycle() needs at least one value");
      return a.args[static_cast<size_t>(i) % a.args.size()];
    }));
    scopes_.emplace_back();
    SEEK_RETURN_IF_ERROR(bind(&scopes_.back(), items[i]));
    scopes_.back().set("loop", Value(std::move(loop)));
    Result<Flow> flow = exec(n.body);
    scopes_.pop_back();
    if (!flow.is_ok()) return flow.status();
    if (*flow == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

// A macro runs in a fresh scope above the globals, with its parameters bound.
Value Interpreter::make_macro(const Node& n) {
  return Value::function(n.text, [this, &n](CallArgs& a) -> Result<Value> {
    if (a.args.size() > n.params.size()) {
      return Status::invalid_argument(fmt::format("macro '{}' takes {} arguments, got {}", n.text, n.params.size(), a.args.size()));
    }
    if (call_depth_ >= limits_.max_call_depth) {
      return Status::out_of_range(fmt::format("macro calls nested deeper than {}", limits_.max_call_depth));
    }
    Dict params;
    for (size_t i = 0; i < n.params.size(); ++i) {
      const auto& [name, def] = n.params[i];
      Value v = Value::undefined(fmt::format("'{}' is undefined", name));
      if (i < a.args.size()) {
        v = a.args[i];
      } else if (def) {
        SEEK_ASSIGN_OR_RETURN(v, eval(*def));
      }
      for (const auto& [k, kv] : a.kwargs) {
        if (k == name) v = kv;
      }
      params.set(name, std::move(v));
    }
    std::vector<Dict> saved(std::make_move_iterator(scopes_.begin() + 1), std::make_move_iterator(scopes_.end()));
    scopes_.resize(1);
    scopes_.push_back(std::move(params));
    ++call_depth_;
    Result<std::string> text = capture(n.body);
    --call_depth_;
    scopes_.resize(1);
    scopes_.insert(scopes_.end(), std::make_move_iterator(saved.begin()), std::make_move_iterator(saved.end()));
    if (!text.is_ok()) return text.status();
    return Value(std::move(text).value());
  });
}

Result<CallArgs> Interpreter::eval_args(const Expr& e, size_t first) {
  CallArgs a;
  for (size_t i = first; i < e.args.size(); ++i) {
    SEEK_ASSIGN_OR_RETURN(Value v, eval(*e.args[i]));
    a.args.push_back(std::move(v));
  }
  for (const auto& [k, x] : e.kwargs) {
    SEEK_ASSIGN_OR_RETURN(Value v, eval(*x));
    a.kwargs.emplace_back(k, std::move(v));
  }
  return a;
}

Result<Value> Interpreter::eval_call(const Expr& e) {
  SEEK_ASSIGN_OR_RETURN(Value callee, eval(*e.args[0]));
  if (callee.is_undefined()) return located(undefined_error(callee), e.line);
  if (!callee.is_callable()) {
    return located(Status::invalid_argument(fmt::format("'{}' object is not callable", callee.type_name())), e.line);
  }
  SEEK_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1));
  Result<Value> r = callee.fn().call(args);
  if (!r.is_ok()) return located(r.status().with_context(callee.fn().name), e.line);
  return r;
}

Result<Value> Interpreter::eval_binary(const Expr& e) {
  SEEK_ASSIGN_OR_RETURN(Value a, eval(*e.args[0]));
  SEEK_ASSIGN_OR_RETURN(Value b, eval(*e.args[1]));
  if (e.name == "~") return Value(to_str(a) + to_str(b));
  if (a.is_undefined() || b.is_undefined()) return located(undefined_error(a.is_undefined() ? a : b), e.line);
  Result<Value> r = arithmetic(e.name, a, b);
  return r.is_ok() ? r : located(r.status(), e.line);
}

Result<Value> Interpreter::eval_compare(const Expr& e) {
  SEEK_ASSIGN_OR_RETURN(Value left, eval(*e.args[0]));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    SEEK_ASSIGN_OR_RETURN(Value right, eval(*e.args[i + 1]));
    const std::string& op = e.ops[i];
    bool ok;
    if (op == "==" || op == "!=") {
      ok = equals(left, right) == (op == "==");
    } else if (op == "in" || op == "not in") {
      Result<bool> c = contains(right, left);
      if (!c.is_ok()) return located(c.status(), e.line);
      ok = *c == (op == "in");
    } else {
      if (left.is_undefined() || right.is_undefined()) return located(undefined_error(left.is_undefined() ? left : right), e.line);
      Result<int> c = compare(left, right);
      if (!c.is_ok()) return located(c.status(), e.line);
      ok = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    }
    if (!ok) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Result<Value> Interpreter::eval(const Expr& e) {
  SEEK_RETURN_IF_ERROR(step(e.line));
  switch (e.kind) {
    case Expr::Kind::kLiteral: return e.value;
    case Expr::Kind::kName: return lookup(e.name);
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      List l;
      for (const auto& x : e.args) {
        SEEK_ASSIGN_OR_RETURN(Value v, eval(*x));
        l.push_back(std::move(v));
      }
      return Value(std::move(l));
    }
    case Expr::Kind::kDict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        SEEK_ASSIGN_OR_RETURN(Value k, eval(*e.args[i]));
        SEEK_ASSIGN_OR_RETURN(Value v, eval(*e.args[i + 1]));
        d.set(to_str(k), std::move(v));  // seek's dicts have string keys
      }
      return Value(std::move(d));
    }
    case Expr::Kind::kAttr: {
      SEEK_ASSIGN_OR_RETURN(Value obj, eval(*e.args[0]));
      Result<Value> r = get_attr(obj, e.name);
      return r.is_ok() ? r : located(r.status(), e.line);
    }
    case Expr::Kind::kItem: {
      SEEK_ASSIGN_OR_RETURN(Value obj, eval(*e.args[0]));
      SEEK_ASSIGN_OR_RETURN(Value key, eval(*e.args[1]));
      Result<Value> r = get_item(obj, key);
      return r.is_ok() ? r : located(r.status(), e.line);
    }
    case Expr::Kind::kSlice: {
      SEEK_ASSIGN_OR_RETURN(Value obj, eval(*e.args[0]));
      Value parts[3];
      for (int i = 0; i < 3; ++i) {
        if (e.args[i + 1]) {
          SEEK_ASSIGN_OR_RETURN(parts[i], eval(*e.args[i + 1]));
        }
      }
      Result<Value> r = get_slice(obj, parts[0], parts[1], parts[2]);
      return r.is_ok() ? r : located(r.status(), e.line);
    }
    case Expr::Kind::kCall: return eval_call(e);
    case Expr::Kind::kFilter:
    case Expr::Kind::kTest: {
      SEEK_ASSIGN_OR_RETURN(Value target, eval(*e.args[0]));
      SEEK_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1));
      if (e.kind == Expr::Kind::kFilter) {
        Result<Value> r = apply_filter(e.name, target, args);
        return r.is_ok() ? r : located(r.status(), e.line);
      }
      Result<bool> r = apply_test(e.name, target, args);
      if (!r.is_ok()) return located(r.status(), e.line);
      return Value(*r != e.negate);
    }
    case Expr::Kind::kUnary: {
      SEEK_ASSIGN_OR_RETURN(Value v, eval(*e.args[0]));
      if (e.name == "not") return Value(!v.truthy());
      if (v.is_undefined()) return located(undefined_error(v), e.line);
      if (!v.is_number()) {
        return located(Status::invalid_argument(fmt::format("bad operand type for unary {}: '{}'", e.name, v.type_name())), e.line);
      }
      if (e.name == "+") return is_float(v) ? v : Value(v.as_int());
      if (is_float(v)) return Value(-v.as_float());
      if (v.as_int() == INT64_MIN) return located(Status::out_of_range("integer overflow in unary -"), e.line);
      return Value(-v.as_int());
    }
    case Expr::Kind::kBinary: return eval_binary(e);
    case Expr::Kind::kCompare: return eval_compare(e);
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      SEEK_ASSIGN_OR_RETURN(Value a, eval(*e.args[0]));
      if (a.truthy() == (e.kind == Expr::Kind::kOr)) return a;
      return eval(*e.args[1]);
    }
    case Expr::Kind::kCond: {
      SEEK_ASSIGN_OR_RETURN(Value c, eval(*e.args[1]));
      if (c.truthy()) return eval(*e.args[0]);
      if (e.args[2]) return eval(*e.args[2]);
      return Value::undefined("the condition of an inline if was false and it has no else");
    }
  }
  return Status::invalid_argument("[template] unknown expression kind");
}

}  // namespace seek::jinja
