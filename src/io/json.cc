#include "io/json.h"

#include <set>
#include <vector>

namespace seek {

Result<Json> parse_json(std::string_view text, std::string_view source, int max_depth) {
  // The parser callback sees every key; a stack of key sets finds duplicates at any depth.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  bool too_deep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > max_depth) too_deep = true;
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.emplace_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      default:
        break;
    }
    return !too_deep;  // stop building deep values; reported below
  };
  Json j;
  try {
    j = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Json::exception& e) {
    if (too_deep) {
      return Status::corruption(fmt::format("[json] '{}': nesting deeper than {} levels", source, max_depth));
    }
    return Status::corruption(fmt::format("[json] '{}': {}", source, e.what()));
  }
  if (too_deep) return Status::corruption(fmt::format("[json] '{}': nesting deeper than {} levels", source, max_depth));
  if (!duplicate.empty()) {
    return Status::corruption(fmt::format("[json] '{}': duplicate key \"{}\"", source, duplicate));
  }
  return j;
}

std::string_view json_type_name(const Json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "integer";
  return j.type_name();
}

Result<int64_t> json_to_index(const Json& j, std::string_view what) {
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) {
      return Status::out_of_range(fmt::format("{} is {}, larger than 2^63-1", what, v));
    }
    return static_cast<int64_t>(v);
  }
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if (v < 0) return Status::corruption(fmt::format("{} is {}, expected a non-negative integer", what, v));
    return v;
  }
  return Status::corruption(fmt::format("{} is {} ({}), expected a non-negative integer", what, j.dump(), json_type_name(j)));
}

}  // namespace seek
