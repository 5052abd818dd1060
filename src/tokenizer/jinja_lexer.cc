#include "tokenizer/jinja_lexer.h"

#include <algorithm>

#include "tokenizer/utf8.h"

namespace seek::jinja {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string src, std::string_view source) : src_(std::move(src)), source_(source) {}

  Result<std::vector<Token>> run() {
    while (pos_ < src_.size()) {
      const size_t tag = find_tag(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      apply_pending(&text);
      if (tag == std::string::npos) {
        emit_text(std::move(text), src_.size());
        break;
      }
      const char kind = src_[tag + 1];
      const char mod = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (mod == '-') {
        text.erase(std::find_if_not(text.rbegin(), text.rend(), is_space).base(), text.end());
      } else if (mod != '+' && kind != '{') {
        lstrip_block(&text);
      }
      emit_text(std::move(text), tag);
      size_t p = tag + 2 + (mod == '-' || mod == '+' ? 1 : 0);
      if (kind == '#') {
        SEEK_RETURN_IF_ERROR(comment(p));
      } else if (kind == '%' && is_raw(p)) {
        SEEK_RETURN_IF_ERROR(raw(p));
      } else {
        SEEK_RETURN_IF_ERROR(tag_body(kind, p));
      }
    }
    out_.push_back({Token::Kind::kEof, "", line_});
    return std::move(out_);
  }

 private:
  Status error(std::string msg) const {
    return Status::invalid_argument(fmt::format("[template] '{}' line {}: {}", source_, line_, msg));
  }

  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  // What the previous tag's end asks of the text after it: `-` strips all whitespace,
  // trim_blocks one newline. Jinja's lstrip_blocks then treats the text as starting a line
  // only if what was stripped ended with a newline.
  void apply_pending(std::string* text) {
    size_t n = 0;
    if (pending_ == Pending::kAll) {
      while (n < text->size() && is_space((*text)[n])) ++n;
    } else if (pending_ == Pending::kNewline && !text->empty() && (*text)[0] == '\n') {
      n = 1;
    }
    if (pending_ != Pending::kNone) line_starting_ = n > 0 && (*text)[n - 1] == '\n';
    text->erase(0, n);
    pending_ = Pending::kNone;
  }

  // lstrip_blocks: spaces between the start of a line and a block or comment tag go.
  void lstrip_block(std::string* text) const {
    const size_t nl = text->rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if ((l_pos > 0 || line_starting_) && l_pos < text->size() &&
        std::all_of(text->begin() + l_pos, text->end(), is_space)) {
      text->erase(l_pos);
    }
  }

  void emit_text(std::string text, size_t end) {
    const int line = line_;
    count_lines(src_.substr(pos_, std::min(end, src_.size()) - pos_));
    if (!text.empty()) out_.push_back({Token::Kind::kText, std::move(text), line});
    pos_ = end;
    line_starting_ = false;
  }

  void count_lines(std::string_view s) {
    line_ += static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }

  // The right-hand whitespace control of a tag ending at `close` (the index of '%}' etc.).
  void set_pending(char before_close, bool block) {
    if (before_close == '-') {
      pending_ = Pending::kAll;
    } else if (block && before_close != '+') {
      pending_ = Pending::kNewline;
    } else {
      pending_ = Pending::kNone;
    }
    line_starting_ = false;
  }

  Status comment(size_t p) {
    const size_t close = src_.find("#}", p);
    if (close == std::string::npos) return error("comment '{#' is never closed with '#}'");
    count_lines(std::string_view(src_).substr(p, close - p));
    set_pending(close > p ? src_[close - 1] : '\0', true);
    pos_ = close + 2;
    return Status::ok();
  }

  bool is_raw(size_t p) const {
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    return src_.compare(p, 2, "%}") == 0;
  }

  // {% raw %}...{% endraw %}: the body is text, with the tags' whitespace control applied.
  Status raw(size_t p) {
    const size_t open_end = src_.find("%}", p);
    set_pending(src_[open_end - 1], true);
    size_t body = open_end + 2;
    for (size_t t = src_.find("{%", body); t != std::string::npos; t = src_.find("{%", t + 2)) {
      size_t q = t + 2;
      const char mod = q < src_.size() ? src_[q] : '\0';
      if (mod == '-' || mod == '+') ++q;
      while (q < src_.size() && is_space(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      while (q < src_.size() && is_space(src_[q])) ++q;
      const char close_mod = q < src_.size() ? src_[q] : '\0';
      if (close_mod == '-' || close_mod == '+') ++q;
      if (src_.compare(q, 2, "%}") != 0) continue;
      pos_ = body;
      std::string text = src_.substr(body, t - body);
      apply_pending(&text);
      if (mod == '-') text.erase(std::find_if_not(text.rbegin(), text.rend(), is_space).base(), text.end());
      emit_text(std::move(text), t);
      count_lines(std::string_view(src_).substr(t, q + 2 - t));
      set_pending(close_mod, true);
      pos_ = q + 2;
      return Status::ok();
    }
    return error("{% raw %} is never closed with {% endraw %}");
  }

  Status tag_body(char kind, size_t p) {
    const bool block = kind == '%';
    const char close = block ? '%' : '}';
    out_.push_back({block ? Token::Kind::kBlockBegin : Token::Kind::kVarBegin, "", line_});
    while (true) {
      while (p < src_.size() && is_space(src_[p])) line_ += src_[p++] == '\n';
      if (p >= src_.size()) return error(fmt::format("'{}' is never closed", block ? "{%" : "{{"));
      const char c = src_[p];
      const bool closing = (c == close && p + 1 < src_.size() && src_[p + 1] == '}');
      const bool closing_mod = (c == '-' || (block && c == '+')) && src_.compare(p + 1, 2, std::string{close, '}'}) == 0;
      if (closing || closing_mod) {
        out_.push_back({block ? Token::Kind::kBlockEnd : Token::Kind::kVarEnd, "", line_});
        set_pending(closing_mod ? c : '\0', block);
        pos_ = p + (closing_mod ? 3 : 2);
        return Status::ok();
      }
      SEEK_RETURN_IF_ERROR(expression_token(&p));
    }
  }

  Status expression_token(size_t* pp) {
    size_t& p = *pp;
    const char c = src_[p];
    if (is_name_start(c)) {
      const size_t b = p;
      while (p < src_.size() && is_name_char(src_[p])) ++p;
      out_.push_back({Token::Kind::kName, src_.substr(b, p - b), line_});
      return Status::ok();
    }
    if (is_digit(c)) return number(pp);
    if (c == '\'' || c == '"') return string_literal(pp);
    static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwo) {
      if (src_.compare(p, 2, op) == 0) {
        out_.push_back({Token::Kind::kOp, std::string(op), line_});
        p += 2;
        return Status::ok();
      }
    }
    if (std::string_view("+-*/%~<>()[]{},.:|=").find(c) != std::string_view::npos) {
      out_.push_back({Token::Kind::kOp, std::string(1, c), line_});
      ++p;
      return Status::ok();
    }
    return error(fmt::format("unexpected character '{}' inside a tag", utf8::sanitize(src_.substr(p, utf8::decode(src_, p).len))));
  }

  Status number(size_t* pp) {
    size_t& p = *pp;
    std::string digits;
    const auto take_digits = [&] {
      while (p < src_.size() && (is_digit(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])))) {
        if (src_[p] != '_') digits += src_[p];
        ++p;
      }
    };
    take_digits();
    bool is_float = false;
    if (p + 1 < src_.size() && src_[p] == '.' && is_digit(src_[p + 1])) {
      is_float = true;
      digits += src_[p++];
      take_digits();
    }
    if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && is_digit(src_[q])) {
        is_float = true;
        digits += 'e';
        digits.append(src_, p + 1, q - p - 1);
        p = q;
        take_digits();
      }
    }
    out_.push_back({is_float ? Token::Kind::kFloat : Token::Kind::kInt, digits, line_});
    return Status::ok();
  }

  // A Python string literal, escapes decoded as Jinja does (unicode-escape).
  Status string_literal(size_t* pp) {
    size_t& p = *pp;
    const char quote = src_[p++];
    const int line = line_;
    std::string value;
    while (true) {
      if (p >= src_.size()) return error("string literal is never closed");
      const char c = src_[p++];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (p >= src_.size()) return error("string literal is never closed");
      const char e = src_[p++];
      static constexpr std::string_view kSimple = "\\'\"abfnrtv";
      static constexpr std::string_view kDecoded = "\\'\"\a\b\f\n\r\t\v";
      if (const size_t k = kSimple.find(e); k != std::string_view::npos) {
        value += kDecoded[k];
      } else if (e == '\n') {
        ++line_;  // line continuation
      } else if (e >= '0' && e <= '7') {
        int v = e - '0';
        for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k) v = v * 8 + (src_[p++] - '0');
        utf8::append(&value, static_cast<char32_t>(v));
      } else if (e == 'x' || e == 'u' || e == 'U') {
        const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        char32_t v = 0;
        for (int k = 0; k < n; ++k) {
          const int h = p < src_.size() ? hex_value(src_[p]) : -1;
          if (h < 0) return error(fmt::format("truncated \\{} escape in a string literal", e));
          v = v * 16 + static_cast<char32_t>(h);
          ++p;
        }
        if (v > 0x10FFFF) return error(fmt::format("\\U escape {:x} is above U+10FFFF", static_cast<uint32_t>(v)));
        utf8::append(&value, v);
      } else {
        value += '\\';  // Python keeps unknown escapes as written
        value += e;
      }
    }
    out_.push_back({Token::Kind::kString, std::move(value), line});
    return Status::ok();
  }

  enum class Pending { kNone, kNewline, kAll };
  std::string src_;
  std::string_view source_;
  std::vector<Token> out_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  Pending pending_ = Pending::kNone;
};

}  // namespace

Result<std::vector<Token>> lex(std::string_view template_text, std::string_view source) {
  std::string src;
  src.reserve(template_text.size());
  for (size_t i = 0; i < template_text.size(); ++i) {
    if (template_text[i] == '\r') {
      src += '\n';
      if (i + 1 < template_text.size() && template_text[i + 1] == '\n') ++i;
    } else {
      src += template_text[i];
    }
  }
  if (!src.empty() && src.back() == '\n') src.pop_back();
  return Lexer(std::move(src), source).run();
}

}  // namespace seek::jinja
