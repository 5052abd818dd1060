// JSON parsing for everything seek reads (config.json, safetensors headers, shard indexes,
// tokenizer files). Wraps nlohmann::json so that no exception escapes and duplicate object
// keys, which nlohmann would silently collapse, are an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace seek {

using Json = nlohmann::json;

// Parses `text`; `source` names the file for error messages. Rejects duplicate keys,
// reports the byte offset of syntax errors, and nests no deeper than `max_depth`.
Result<Json> parse_json(std::string_view text, std::string_view source, int max_depth = 64);

// "object", "string", "number", ... for error messages.
std::string_view json_type_name(const Json& j);

// A JSON value that must be a non-negative integer that fits in int64; `what` names it.
Result<int64_t> json_to_index(const Json& j, std::string_view what);

}  // namespace seek
