// JSON serialisation for everything the server sends. nlohmann's dump() throws on invalid UTF-8;
// text reaching a response is valid by construction (requests are validated, generated text is
// repaired by StreamDecoder), but a server must not die if that ever fails, so bytes that are
// not UTF-8 become U+FFFD instead.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "io/json.h"

namespace seek::serve {

// Keeps insertion order, so responses read id, object, created, model, choices, usage.
using OJson = nlohmann::ordered_json;

inline std::string json_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
inline std::string json_text(const OJson& j) { return j.dump(-1, ' ', false, OJson::error_handler_t::replace); }

}  // namespace seek::serve
