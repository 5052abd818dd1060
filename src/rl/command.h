// A reward computed by an external program, for checks seek does not build in (running unit
// tests on generated code, a domain-specific verifier): `/bin/sh -c COMMAND` receives one JSON
// object on stdin and prints a score on stdout.
//
//   stdin:  {"prompt": "...", "response": "...", "answer": "..."}\n
//   stdout: a finite number, e.g. "1" or "0.25" (surrounding whitespace is ignored)
//
// The program runs in its own process group with a wall-clock timeout; when it runs over, the
// whole group is killed. It never hangs the caller: a program that does not read its stdin,
// writes endlessly, exits non-zero or prints something else fails with a message saying which.
#pragma once

#include <string>

#include "base/status.h"
#include "io/json.h"

namespace seek::rl {

inline constexpr size_t kMaxCommandOutputBytes = 4096;

// Runs `command` with `input` on stdin; returns the number it printed.
Result<double> run_score_command(const std::string& command, const Json& input, double timeout_s);

}  // namespace seek::rl
