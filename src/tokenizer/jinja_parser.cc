#include "tokenizer/jinja_parser.h"

#include <cstdlib>
#include <initializer_list>

namespace seek::jinja {
namespace {

using TK = Token::Kind;

// Nesting limit for expressions and blocks, so that hostile input cannot overflow the stack.
constexpr int kMaxDepth = 200;

ExprPtr make(Expr::Kind kind, int line, std::string name = {}) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  e->name = std::move(name);
  return e;
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, std::string_view source) : t_(tokens), source_(source) {}

  Result<std::unique_ptr<Node>> run() {
    auto root = std::make_unique<Node>();
    root->kind = Node::Kind::kBody;
    std::string end;
    SEEK_RETURN_IF_ERROR(body(&root->body, {}, &end));
    return root;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  bool is_op(const char* op, size_t ahead = 0) const { return peek(ahead).kind == TK::kOp && peek(ahead).text == op; }
  bool is_name(const char* name, size_t ahead = 0) const {
    return peek(ahead).kind == TK::kName && peek(ahead).text == name;
  }
  bool skip_op(const char* op) { return is_op(op) ? (++i_, true) : false; }
  bool skip_name(const char* name) { return is_name(name) ? (++i_, true) : false; }

  Status error(const std::string& msg) const {
    return Status::invalid_argument(fmt::format("[template] '{}' line {}: {}", source_, peek().line, msg));
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TK::kEof: return "the end of the template";
      case TK::kBlockEnd: return "'%}'";
      case TK::kVarEnd: return "'}}'";
      case TK::kText: return "text";
      default: return "'" + t.text + "'";
    }
  }
  Status expect_op(const char* op) {
    if (skip_op(op)) return Status::ok();
    return error(fmt::format("expected '{}', found {}", op, describe(peek())));
  }
  Status expect(TK kind, const char* what) {
    if (peek().kind == kind) return ++i_, Status::ok();
    return error(fmt::format("expected {}, found {}", what, describe(peek())));
  }
  Result<std::string> expect_name() {
    if (peek().kind != TK::kName) return error(fmt::format("expected a name, found {}", describe(peek())));
    return next().text;
  }

  struct DepthGuard {
    int* depth;
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
  };
  Status check_depth() const {
    return depth_ > kMaxDepth ? error(fmt::format("nesting deeper than {} levels", kMaxDepth)) : Status::ok();
  }

  // ---- statements ----

  // Parses nodes until a block tag whose keyword is in `ends` (consumed; its name is stored in
  // *end) or, with empty `ends`, until the end of the template.
  Status body(Body* out, std::initializer_list<const char*> ends, std::string* end) {
    DepthGuard guard(&depth_);
    SEEK_RETURN_IF_ERROR(check_depth());
    while (true) {
      const Token& t = peek();
      if (t.kind == TK::kEof) {
        if (ends.size() == 0) return Status::ok();
        return error(fmt::format("missing {{% {} %}}", std::data(ends)[ends.size() - 1]));
      }
      if (t.kind == TK::kText) {
        auto n = std::make_unique<Node>();
        n->kind = Node::Kind::kText, n->line = t.line, n->text = t.text;
        out->push_back(std::move(n));
        ++i_;
        continue;
      }
      if (t.kind == TK::kVarBegin) {
        ++i_;
        auto n = std::make_unique<Node>();
        n->kind = Node::Kind::kOutput, n->line = t.line;
        SEEK_ASSIGN_OR_RETURN(n->expr, tuple_expression());
        SEEK_RETURN_IF_ERROR(expect(TK::kVarEnd, "'}}'"));
        out->push_back(std::move(n));
        continue;
      }
      if (t.kind != TK::kBlockBegin) return error(fmt::format("unexpected {}", describe(t)));
      if (peek(1).kind == TK::kName) {
        for (const char* e : ends) {
          if (peek(1).text == e) {
            *end = e;
            i_ += 2;
            return Status::ok();
          }
        }
      }
      ++i_;
      SEEK_ASSIGN_OR_RETURN(std::unique_ptr<Node> n, statement());
      out->push_back(std::move(n));
    }
  }

  Result<std::unique_ptr<Node>> statement() {
    const Token& t = peek();
    if (t.kind != TK::kName) return error(fmt::format("expected a statement name after '{{%', found {}", describe(t)));
    const std::string kw = next().text;
    auto n = std::make_unique<Node>();
    n->line = t.line;
    std::string end;
    if (kw == "if") {
      n->kind = Node::Kind::kIf;
      SEEK_ASSIGN_OR_RETURN(ExprPtr cond, expression());
      while (true) {
        SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
        Body b;
        SEEK_RETURN_IF_ERROR(body(&b, {"elif", "else", "endif"}, &end));
        n->branches.emplace_back(std::move(cond), std::move(b));
        if (end == "endif") break;
        if (end == "else") {
          cond = nullptr;
          SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
          Body e;
          SEEK_RETURN_IF_ERROR(body(&e, {"endif"}, &end));
          n->branches.emplace_back(nullptr, std::move(e));
          break;
        }
        SEEK_ASSIGN_OR_RETURN(cond, expression());
      }
    } else if (kw == "for") {
      n->kind = Node::Kind::kFor;
      SEEK_RETURN_IF_ERROR(targets(&n->targets));
      if (!skip_name("in")) return error(fmt::format("expected 'in' in the for statement, found {}", describe(peek())));
      SEEK_ASSIGN_OR_RETURN(n->expr, tuple_expression(/*allow_condition=*/false));
      if (skip_name("if")) {
        SEEK_ASSIGN_OR_RETURN(n->filter, expression());
      }
      if (is_name("recursive")) return error("recursive for loops are not supported");
      SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
      SEEK_RETURN_IF_ERROR(body(&n->body, {"else", "endfor"}, &end));
      if (end == "else") {
        SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
        SEEK_RETURN_IF_ERROR(body(&n->else_body, {"endfor"}, &end));
      }
    } else if (kw == "set") {
      SEEK_RETURN_IF_ERROR(targets(&n->targets));
      if (n->targets.size() == 1 && skip_op(".")) {
        SEEK_ASSIGN_OR_RETURN(n->attr, expect_name());
      }
      if (skip_op("=")) {
        n->kind = Node::Kind::kSet;
        SEEK_ASSIGN_OR_RETURN(n->expr, tuple_expression());
      } else {
        if (n->targets.size() != 1 || !n->attr.empty()) return error("a block {% set %} assigns exactly one name");
        n->kind = Node::Kind::kSetBlock;
        SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
        SEEK_RETURN_IF_ERROR(body(&n->body, {"endset"}, &end));
      }
    } else if (kw == "macro") {
      n->kind = Node::Kind::kMacro;
      SEEK_ASSIGN_OR_RETURN(n->text, expect_name());
      SEEK_RETURN_IF_ERROR(expect_op("("));
      while (!skip_op(")")) {
        if (!n->params.empty()) SEEK_RETURN_IF_ERROR(expect_op(","));
        SEEK_ASSIGN_OR_RETURN(std::string p, expect_name());
        ExprPtr def;
        if (skip_op("=")) {
          SEEK_ASSIGN_OR_RETURN(def, expression());
        }
        n->params.emplace_back(std::move(p), std::move(def));
      }
      SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
      SEEK_RETURN_IF_ERROR(body(&n->body, {"endmacro"}, &end));
    } else if (kw == "filter") {
      n->kind = Node::Kind::kFilterBlock;
      SEEK_ASSIGN_OR_RETURN(n->expr, filter(nullptr));
      SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
      SEEK_RETURN_IF_ERROR(body(&n->body, {"endfilter"}, &end));
    } else if (kw == "generation") {
      n->kind = Node::Kind::kBody;  // transformers' assistant-mask marker: renders its body
      SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
      SEEK_RETURN_IF_ERROR(body(&n->body, {"endgeneration"}, &end));
    } else if (kw == "break" || kw == "continue") {
      n->kind = kw == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
    } else {
      i_--;
      return error(fmt::format("unsupported statement '{{% {} %}}' (seek's template engine supports if, for, set, macro, "
                               "filter, raw, break, continue, generation)", kw));
    }
    SEEK_RETURN_IF_ERROR(expect(TK::kBlockEnd, "'%}'"));
    return n;
  }

  // Assignment targets: `x`, `a, b` or `(a, b)`.
  Status targets(std::vector<std::string>* out) {
    const bool paren = skip_op("(");
    do {
      SEEK_ASSIGN_OR_RETURN(std::string name, expect_name());
      out->push_back(std::move(name));
    } while (skip_op(","));
    return paren ? expect_op(")") : Status::ok();
  }

  // ---- expressions, loosest binding first (Jinja's precedence) ----

  Result<ExprPtr> tuple_expression(bool allow_condition = true) {
    const int line = peek().line;
    SEEK_ASSIGN_OR_RETURN(ExprPtr first, allow_condition ? expression() : or_expr());
    if (!is_op(",")) return first;
    ExprPtr tuple = make(Expr::Kind::kTuple, line);
    tuple->args.push_back(std::move(first));
    while (skip_op(",")) {
      if (peek().kind == TK::kBlockEnd || peek().kind == TK::kVarEnd) break;
      SEEK_ASSIGN_OR_RETURN(ExprPtr e, allow_condition ? expression() : or_expr());
      tuple->args.push_back(std::move(e));
    }
    return tuple;
  }

  Result<ExprPtr> expression() {
    DepthGuard guard(&depth_);
    SEEK_RETURN_IF_ERROR(check_depth());
    SEEK_ASSIGN_OR_RETURN(ExprPtr e, or_expr());
    while (is_name("if")) {
      ExprPtr cond = make(Expr::Kind::kCond, next().line);
      cond->args.push_back(std::move(e));
      SEEK_ASSIGN_OR_RETURN(ExprPtr test, or_expr());
      cond->args.push_back(std::move(test));
      ExprPtr otherwise;
      if (skip_name("else")) {
        SEEK_ASSIGN_OR_RETURN(otherwise, expression());
      }
      cond->args.push_back(std::move(otherwise));
      e = std::move(cond);
    }
    return e;
  }

  Result<ExprPtr> binary_chain(Expr::Kind kind, const char* keyword, Result<ExprPtr> (Parser::*operand)()) {
    SEEK_ASSIGN_OR_RETURN(ExprPtr left, (this->*operand)());
    while (is_name(keyword)) {
      ExprPtr e = make(kind, next().line);
      SEEK_ASSIGN_OR_RETURN(ExprPtr right, (this->*operand)());
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }
  Result<ExprPtr> or_expr() { return binary_chain(Expr::Kind::kOr, "or", &Parser::and_expr); }
  Result<ExprPtr> and_expr() { return binary_chain(Expr::Kind::kAnd, "and", &Parser::not_expr); }

  Result<ExprPtr> not_expr() {
    if (!is_name("not")) return comparison();
    DepthGuard guard(&depth_);
    SEEK_RETURN_IF_ERROR(check_depth());
    ExprPtr e = make(Expr::Kind::kUnary, next().line, "not");
    SEEK_ASSIGN_OR_RETURN(ExprPtr operand, not_expr());
    e->args.push_back(std::move(operand));
    return e;
  }

  // a < b < c is one node, evaluated left to right as Python does.
  Result<ExprPtr> comparison() {
    SEEK_ASSIGN_OR_RETURN(ExprPtr left, additive());
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (peek().kind == TK::kOp && (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
                                     peek().text == "<=" || peek().text == ">" || peek().text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        op = "in", ++i_;
      } else if (is_name("not") && is_name("in", 1)) {
        op = "not in", i_ += 2;
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Expr::Kind::kCompare, left->line);
        cmp->args.push_back(std::move(left));
      }
      cmp->ops.push_back(std::move(op));
      SEEK_ASSIGN_OR_RETURN(ExprPtr right, additive());
      cmp->args.push_back(std::move(right));
    }
    return cmp ? std::move(cmp) : std::move(left);
  }

  Result<ExprPtr> binary_ops(std::initializer_list<const char*> ops, Result<ExprPtr> (Parser::*operand)()) {
    SEEK_ASSIGN_OR_RETURN(ExprPtr left, (this->*operand)());
    while (true) {
      const char* found = nullptr;
      for (const char* op : ops) {
        if (is_op(op)) found = op;
      }
      if (found == nullptr) return left;
      ExprPtr e = make(Expr::Kind::kBinary, next().line, found);
      SEEK_ASSIGN_OR_RETURN(ExprPtr right, (this->*operand)());
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      left = std::move(e);
    }
  }
  Result<ExprPtr> additive() { return binary_ops({"+", "-"}, &Parser::concat); }
  Result<ExprPtr> concat() { return binary_ops({"~"}, &Parser::multiplicative); }
  Result<ExprPtr> multiplicative() { return binary_ops({"*", "/", "//", "%"}, &Parser::power); }
  Result<ExprPtr> power() { return binary_ops({"**"}, &Parser::unary_filtered); }
  Result<ExprPtr> unary_filtered() { return unary(true); }

  Result<ExprPtr> unary(bool with_filter) {
    DepthGuard guard(&depth_);
    SEEK_RETURN_IF_ERROR(check_depth());
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = make(Expr::Kind::kUnary, peek().line, next().text);
      SEEK_ASSIGN_OR_RETURN(ExprPtr operand, unary(false));
      e->args.push_back(std::move(operand));
    } else {
      SEEK_ASSIGN_OR_RETURN(e, primary());
      SEEK_ASSIGN_OR_RETURN(e, postfix(std::move(e)));
    }
    if (!with_filter) return e;
    while (true) {
      if (is_op("|")) {
        SEEK_ASSIGN_OR_RETURN(e, filter(std::move(e)));
      } else if (is_name("is")) {
        SEEK_ASSIGN_OR_RETURN(e, test(std::move(e)));
      } else if (is_op("(")) {
        SEEK_ASSIGN_OR_RETURN(e, call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> primary() {
    const Token& t = next();
    switch (t.kind) {
      case TK::kName: {
        if (t.text == "true" || t.text == "True") return literal(Value(true), t.line);
        if (t.text == "false" || t.text == "False") return literal(Value(false), t.line);
        if (t.text == "none" || t.text == "None") return literal(Value::none(), t.line);
        return make(Expr::Kind::kName, t.line, t.text);
      }
      case TK::kString: {
        std::string s = t.text;
        while (peek().kind == TK::kString) s += next().text;  // adjacent literals concatenate
        return literal(Value(std::move(s)), t.line);
      }
      case TK::kInt: {
        errno = 0;
        const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) return error(fmt::format("integer literal {} does not fit in 64 bits", t.text));
        return literal(Value(static_cast<int64_t>(v)), t.line);
      }
      case TK::kFloat: return literal(Value(std::strtod(t.text.c_str(), nullptr)), t.line);
      case TK::kOp:
        if (t.text == "(") {
          if (skip_op(")")) return make(Expr::Kind::kTuple, t.line);
          SEEK_ASSIGN_OR_RETURN(ExprPtr inner, tuple_expression());
          SEEK_RETURN_IF_ERROR(expect_op(")"));
          return inner;
        }
        if (t.text == "[") {
          ExprPtr list = make(Expr::Kind::kList, t.line);
          SEEK_RETURN_IF_ERROR(sequence(list.get(), "]", false));
          return list;
        }
        if (t.text == "{") {
          ExprPtr dict = make(Expr::Kind::kDict, t.line);
          SEEK_RETURN_IF_ERROR(sequence(dict.get(), "}", true));
          return dict;
        }
        break;
      default: break;
    }
    i_--;
    return error(fmt::format("expected an expression, found {}", describe(t)));
  }

  ExprPtr literal(Value v, int line) {
    ExprPtr e = make(Expr::Kind::kLiteral, line);
    e->value = std::move(v);
    return e;
  }

  // List items or dict `key: value` pairs up to `close` (a trailing comma is allowed).
  Status sequence(Expr* into, const char* close, bool pairs) {
    while (!skip_op(close)) {
      if (!into->args.empty()) {
        SEEK_RETURN_IF_ERROR(expect_op(","));
        if (skip_op(close)) break;
      }
      SEEK_ASSIGN_OR_RETURN(ExprPtr item, expression());
      into->args.push_back(std::move(item));
      if (pairs) {
        SEEK_RETURN_IF_ERROR(expect_op(":"));
        SEEK_ASSIGN_OR_RETURN(ExprPtr value, expression());
        into->args.push_back(std::move(value));
      }
    }
    return Status::ok();
  }

  Result<ExprPtr> postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const int line = next().line;
        if (peek().kind == TK::kInt) {  // x.0 is x[0]
          ExprPtr item = make(Expr::Kind::kItem, line);
          item->args.push_back(std::move(e));
          item->args.push_back(literal(Value(static_cast<int64_t>(std::strtoll(next().text.c_str(), nullptr, 10))), line));
          e = std::move(item);
          continue;
        }
        SEEK_ASSIGN_OR_RETURN(std::string name, expect_name());
        ExprPtr attr = make(Expr::Kind::kAttr, line, std::move(name));
        attr->args.push_back(std::move(e));
        e = std::move(attr);
      } else if (is_op("[")) {
        SEEK_ASSIGN_OR_RETURN(e, subscript(std::move(e)));
      } else if (is_op("(")) {
        SEEK_ASSIGN_OR_RETURN(e, call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> subscript(ExprPtr target) {
    const int line = next().line;  // '['
    ExprPtr parts[3];
    int n = 0;
    bool slice = false;
    while (true) {
      if (!is_op(":") && !is_op("]")) {
        SEEK_ASSIGN_OR_RETURN(parts[n], expression());
      }
      if (skip_op(":")) {
        slice = true;
        if (++n > 2) return error("a slice has at most three parts");
        continue;
      }
      SEEK_RETURN_IF_ERROR(expect_op("]"));
      break;
    }
    if (!slice && !parts[0]) return error("empty subscript '[]'");
    ExprPtr e = make(slice ? Expr::Kind::kSlice : Expr::Kind::kItem, line);
    e->args.push_back(std::move(target));
    e->args.push_back(std::move(parts[0]));
    if (slice) {
      e->args.push_back(std::move(parts[1]));
      e->args.push_back(std::move(parts[2]));
    }
    return e;
  }

  // Arguments `(a, b, key=c)` into e->args (after any already there) and e->kwargs.
  Status arguments(Expr* e) {
    SEEK_RETURN_IF_ERROR(expect_op("("));
    bool first = true;
    while (!skip_op(")")) {
      if (!first) {
        SEEK_RETURN_IF_ERROR(expect_op(","));
        if (skip_op(")")) break;
      }
      first = false;
      if (is_op("*") || is_op("**")) return error("*args and **kwargs in calls are not supported");
      if (peek().kind == TK::kName && is_op("=", 1)) {
        std::string key = next().text;
        ++i_;
        SEEK_ASSIGN_OR_RETURN(ExprPtr value, expression());
        e->kwargs.emplace_back(std::move(key), std::move(value));
      } else {
        if (!e->kwargs.empty()) return error("a positional argument follows a keyword argument");
        SEEK_ASSIGN_OR_RETURN(ExprPtr value, expression());
        e->args.push_back(std::move(value));
      }
    }
    return Status::ok();
  }

  Result<ExprPtr> call(ExprPtr callee) {
    ExprPtr e = make(Expr::Kind::kCall, peek().line);
    e->args.push_back(std::move(callee));
    SEEK_RETURN_IF_ERROR(arguments(e.get()));
    return e;
  }

  // `| name(args)`, or for a filter block just `name(args)` (target null).
  Result<ExprPtr> filter(ExprPtr target) {
    if (target) ++i_;  // '|'
    const int line = peek().line;
    SEEK_ASSIGN_OR_RETURN(std::string name, expect_name());
    while (skip_op(".")) {
      SEEK_ASSIGN_OR_RETURN(std::string part, expect_name());
      name += "." + part;
    }
    ExprPtr e = make(Expr::Kind::kFilter, line, std::move(name));
    e->args.push_back(std::move(target));
    if (is_op("(")) SEEK_RETURN_IF_ERROR(arguments(e.get()));
    return e;
  }

  Result<ExprPtr> test(ExprPtr target) {
    const int line = next().line;  // 'is'
    const bool negate = skip_name("not");
    SEEK_ASSIGN_OR_RETURN(std::string name, expect_name());
    ExprPtr e = make(Expr::Kind::kTest, line, std::move(name));
    e->negate = negate;
    e->args.push_back(std::move(target));
    if (is_op("(")) {
      SEEK_RETURN_IF_ERROR(arguments(e.get()));
    } else if ((peek().kind == TK::kName || peek().kind == TK::kString || peek().kind == TK::kInt ||
                peek().kind == TK::kFloat || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and") && !is_name("if") && !is_name("in") &&
               !is_name("not") && !is_name("is")) {
      SEEK_ASSIGN_OR_RETURN(ExprPtr arg, primary());  // `x is divisibleby 3`, `x is sameas none`
      SEEK_ASSIGN_OR_RETURN(arg, postfix(std::move(arg)));
      e->args.push_back(std::move(arg));
    }
    return e;
  }

  const std::vector<Token>& t_;
  std::string_view source_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> parse(const std::vector<Token>& tokens, std::string_view source) {
  return Parser(tokens, source).run();
}

}  // namespace seek::jinja
