#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/check.h"
#include "tokenizer/utf8.h"

namespace seek {

// Oniguruma's Unicode `\s` (and Rust's char::is_whitespace): TAB..CR, NEL, and the Zs, Zl, Zp
// characters. PCRE2's own \s differs (it adds U+180E), and JavaScript's adds U+FEFF and drops
// NEL, so the set is spelled out.
static constexpr std::string_view kSpaceMembers =
    "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
static constexpr std::string_view kHexMembers = "0-9a-fA-F";

Result<std::string> onig_to_pcre2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 64);
  bool in_class = false;
  size_t class_body = 0;  // offset where the current class's members start
  const auto unsupported = [&](std::string_view what, size_t at) {
    return Status::unsupported(fmt::format("[tokenizer] regex '{}': {} at offset {} has no PCRE2 equivalent", p, what, at));
  };
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char d = p[++i];
      if (d == 's' || d == 'h') {
        const std::string_view members = d == 's' ? kSpaceMembers : kHexMembers;
        out += in_class ? std::string(members) : fmt::format("[{}]", members);
      } else if (d == 'S' || d == 'H') {
        if (in_class) return unsupported(fmt::format("'\\{}' inside a character class", d), i - 1);
        out += fmt::format("[^{}]", d == 'S' ? kSpaceMembers : kHexMembers);
      } else {
        out += c;
        out += d;
      }
      continue;
    }
    if (in_class) {
      if (c == '[') {
        if (i + 1 < p.size() && p[i + 1] == ':') {  // POSIX bracket [:alpha:] means the same in both
          const size_t close = p.find(":]", i + 2);
          if (close == std::string_view::npos) return unsupported("unterminated POSIX class", i);
          out += p.substr(i, close + 2 - i);
          i = close + 1;
          continue;
        }
        return unsupported("nested character class", i);
      }
      if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') return unsupported("class intersection '&&'", i);
      if (c == ']' && i > class_body) in_class = false;  // a ']' first in the class is literal
    } else if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      class_body = i + 1;
      continue;
    }
    out += c;
  }
  return out;
}

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

// Per-thread scratch for matching: one ovector pair is all find_all reads, and a JIT stack
// larger than PCRE2's 32 KiB default so that long runs of one class never exhaust it.
struct MatchScratch {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchScratch() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~MatchScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
};

static MatchScratch& match_scratch() {
  thread_local MatchScratch scratch;
  return scratch;
}

static std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

CodePointClass::CodePointClass(std::string_view pcre2_class) {
  const std::string anchored = fmt::format("^{}$", pcre2_class);
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(anchored.data()), anchored.size(), PCRE2_UTF | PCRE2_UCP,
                                   &error, &offset, nullptr);
  SEEK_CHECK(code != nullptr, "class {}: {}", pcre2_class, pcre2_message(error));
  code_ = std::shared_ptr<const void>(code, [](const void* c) { pcre2_code_free(static_cast<pcre2_code*>(const_cast<void*>(c))); });
}

bool CodePointClass::contains(char32_t c) const {
  MatchScratch& scratch = match_scratch();
  std::string s;
  utf8::append(&s, c);
  const auto* code = static_cast<const pcre2_code*>(code_.get());
  return pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, scratch.data, nullptr) >= 0;
}

Result<Regex> Regex::compile(std::string_view pattern) {
  SEEK_ASSIGN_OR_RETURN(std::string translated, onig_to_pcre2(pattern));
  // MULTILINE: in Oniguruma's Ruby syntax `^`/`$` are line anchors. MATCH_INVALID_UTF: the
  // subject may hold ill-formed bytes, which then never match.
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_MATCH_INVALID_UTF;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), options,
                                   &error, &offset, nullptr);
  if (code == nullptr) {
    return Status::corruption(fmt::format("[tokenizer] regex '{}' does not compile: {} (at offset {} of the PCRE2 form '{}')",
                                          pattern, pcre2_message(error), offset, translated));
  }
  auto owned = std::make_shared<Code>();
  owned->code = code;
  owned->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;  // no JIT: the interpreter gives the same matches
  Regex r;
  r.code_ = std::move(owned);
  r.pattern_ = std::string(pattern);
  return r;
}

Status Regex::find_all(std::string_view text, std::vector<Span>* out) const {
  MatchScratch& scratch = match_scratch();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  bool have_last = false;
  size_t last_end = 0;
  while (start <= text.size()) {
    const int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), start, 0, scratch.data, scratch.context)
                              : pcre2_match(code_->code, subject, text.size(), start, 0, scratch.data, scratch.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      return Status::out_of_range(fmt::format("[tokenizer] regex '{}' failed on a {}-byte piece at byte {}: {}", pattern_,
                                              text.size(), start, pcre2_message(rc)));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(scratch.data);
    const size_t b = ov[0], e = ov[1];
    // onig's find_iter: an empty match right where the previous match ended is skipped by
    // stepping one character; any other match is taken and the search resumes at its end.
    if (b == e && have_last && e == last_end) {
      if (start >= text.size()) break;
      start += utf8::decode(text, start).len;
      continue;
    }
    out->push_back({b, e});
    have_last = true;
    last_end = e;
    if (b == e) {
      if (e >= text.size()) break;
      start = e + utf8::decode(text, e).len;
    } else {
      start = e;
    }
  }
  return Status::ok();
}

}  // namespace seek
