// libFuzzer: arbitrary bytes as a model's response and as an RL config. Reading a response
// (format, answer, numbers, Countdown equations) must give a definite result; a config must
// parse or give a Status. The first byte picks which.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rl/answer.h"
#include "rl/config.h"
#include "rl/countdown.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const seek::rl::ParsedResponse r = seek::rl::parse_response(text);
    if (r.format_ok && !r.answer) __builtin_trap();  // a well-formed response always has its answer
    const std::string answer = r.answer.value_or(text);
    const std::optional<std::string> n = seek::rl::canonical_number(answer);
    if (n && !seek::rl::numbers_equal(*n, answer)) __builtin_trap();  // canonical form is a fixed point
    const seek::rl::Problem p{"q", "24", {3, 4, 2}};
    const double s = seek::rl::score_countdown(p, answer);
    if (s != 0.0 && s != 1.0) __builtin_trap();
  } else {
    seek::Result<seek::rl::RlConfig> c = seek::rl::parse_rl_config(text, "/fuzz/run.json");
    (void)c;
  }
  return 0;
}
