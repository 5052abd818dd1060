// SEEK_CHECK: internal invariants (programming errors, never bad user input). Stays on in
// release builds; prints file:line and aborts so a debugger or core dump lands on the spot.
#pragma once

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace seek::detail {
[[noreturn]] inline void check_failed(const char* file, int line, const char* cond, const std::string& msg) {
  std::fprintf(stderr, "%s:%d: SEEK_CHECK(%s) failed %s\n", file, line, cond, msg.c_str());
  std::abort();
}
}  // namespace seek::detail

// SEEK_CHECK(cond) or SEEK_CHECK(cond, "fmt {}", args...).
#define SEEK_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) ::seek::detail::check_failed(__FILE__, __LINE__, #cond, fmt::format("" __VA_ARGS__)); \
  } while (0)
