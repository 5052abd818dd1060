// JSON Lines input for the RL and SFT data (tasks, chat transcripts): one JSON object per
// line, blank lines skipped, every error naming file:line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "io/json.h"

namespace seek::rl {

// Files above this are refused before anything is read (1 GiB).
inline constexpr int64_t kMaxJsonlBytes = int64_t{1} << 30;

// Calls fn(object, "file:line") for each line; stops at the first error (fn's or a parse error).
Status for_each_json_line(const std::string& path, const std::function<Status(const Json&, const std::string&)>& fn);

// Appends `j` as one line to a string (for writers).
void append_json_line(std::string* out, const Json& j);

}  // namespace seek::rl
