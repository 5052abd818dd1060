// Interpreter: renders a parsed template against a dict of variables, with Jinja2's rules for
// scopes (a for body or macro gets its own scope; if does not), Undefined, and loop variables.
// Every render is bounded: a step budget stops endless loops, an output cap stops runaway
// growth, and macro recursion is limited, so any template ends in text or an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_ast.h"

namespace seek::jinja {

struct RenderLimits {
  int64_t max_steps = 50'000'000;        // expression and statement evaluations
  size_t max_output_bytes = size_t{256} << 20;
  int max_call_depth = 16;                // nested macro calls
};

class Interpreter {
 public:
  Interpreter(std::string_view source, const RenderLimits& limits) : source_(source), limits_(limits) {}

  // Renders `root` (a kBody node) with `globals` as the outermost scope.
  Result<std::string> render(const Node& root, Dict globals);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Result<Flow> exec(const Body& body);
  Result<Flow> exec_node(const Node& n);
  Result<Flow> exec_for(const Node& n);
  Status exec_set(const Node& n, Value v);
  Result<std::string> capture(const Body& body);
  Value make_macro(const Node& n);

  Result<Value> eval(const Expr& e);
  Result<Value> eval_binary(const Expr& e);
  Result<Value> eval_compare(const Expr& e);
  Result<Value> eval_call(const Expr& e);
  Result<CallArgs> eval_args(const Expr& e, size_t first);

  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value v) { scopes_.back().set(name, std::move(v)); }
  Status step(int line);
  Status located(const Status& s, int line) const;

  std::string_view source_;
  RenderLimits limits_;
  std::vector<Dict> scopes_;  // [0] holds the globals and top-level sets
  // Namespaces a `set ns.attr` wrote to. Values share containers by reference counting, so
  // `set ns.me = ns` (or a longer loop) is a cycle no count frees; render() empties these
  // when it ends, which breaks every such cycle (only an assignment can close one).
  std::unordered_map<const Dict*, Value> written_namespaces_;
  std::string* out_ = nullptr;
  int64_t steps_ = 0;
  int call_depth_ = 0;
};

}  // namespace seek::jinja
