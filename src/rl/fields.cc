#include "rl/fields.h"

#include <cmath>

#include <fmt/ranges.h>

namespace seek::rl {
namespace {

// A value as shown in an error: its JSON, cut to a readable length.
std::string shown(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

Status Fields::error(std::string_view key, std::string_view what) const {
  return Status::invalid_argument(fmt::format("{}: \"{}\" {}", where_, key, what));
}

void Fields::integer(std::string key, int64_t* out, int64_t lo, int64_t hi) {
  fields_.push_back({key, [this, key, out, lo, hi](const Json& v) {
                       if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
                         return error(key, fmt::format("is {}, expected an integer in [{}, {}]", shown(v), lo, hi));
                       }
                       *out = v.get<int64_t>();
                       return Status::ok();
                     }});
}

void Fields::real(std::string key, double* out, double lo, double hi) {
  fields_.push_back({key, [this, key, out, lo, hi](const Json& v) {
                       if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi) {
                         return error(key, fmt::format("is {}, expected a number in [{}, {}]", shown(v), lo, hi));
                       }
                       *out = v.get<double>();
                       return Status::ok();
                     }});
}

void Fields::boolean(std::string key, bool* out) {
  fields_.push_back({key, [this, key, out](const Json& v) {
                       if (!v.is_boolean()) return error(key, fmt::format("is {}, expected true or false", shown(v)));
                       *out = v.get<bool>();
                       return Status::ok();
                     }});
}

void Fields::string(std::string key, std::string* out, bool non_empty) {
  fields_.push_back({key, [this, key, out, non_empty](const Json& v) {
                       if (!v.is_string() || (non_empty && v.get_ref<const std::string&>().empty())) {
                         return error(key, fmt::format("is {}, expected a {}string", shown(v), non_empty ? "non-empty " : ""));
                       }
                       *out = v.get<std::string>();
                       return Status::ok();
                     }});
}

void Fields::choice(std::string key, std::string* out, std::vector<std::string> choices) {
  fields_.push_back({key, [this, key, out, choices](const Json& v) {
                       for (const std::string& c : choices) {
                         if (v.is_string() && v.get_ref<const std::string&>() == c) {
                           *out = c;
                           return Status::ok();
                         }
                       }
                       return error(key, fmt::format("is {}, expected one of: {}", shown(v), fmt::join(choices, ", ")));
                     }});
}

void Fields::strings(std::string key, std::vector<std::string>* out) {
  fields_.push_back({key, [this, key, out](const Json& v) {
                       std::vector<std::string> got;
                       const Json list = v.is_array() ? v : Json::array({v});
                       for (const Json& s : list) {
                         if (!s.is_string() || s.get_ref<const std::string&>().empty()) {
                           return error(key, fmt::format("holds {}, expected non-empty strings", shown(s)));
                         }
                         got.push_back(s.get<std::string>());
                       }
                       *out = std::move(got);
                       return Status::ok();
                     }});
}

void Fields::json(std::string key, Json* out) {
  fields_.push_back({key, [out](const Json& v) {
                       *out = v;
                       return Status::ok();
                     }});
}

Status Fields::read(const Json& j) const {
  if (!j.is_object()) return Status::invalid_argument(fmt::format("{}: is {}, expected an object", where_, json_type_name(j)));
  for (const auto& [key, value] : j.items()) {
    const Field* f = nullptr;
    for (const Field& x : fields_) {
      if (x.key == key) f = &x;
    }
    if (f == nullptr) {
      std::vector<std::string> known;
      for (const Field& x : fields_) known.push_back(x.key);
      return error(key, fmt::format("is not an option here (known: {})", fmt::join(known, ", ")));
    }
    SEEK_RETURN_IF_ERROR(f->set(value));
  }
  return Status::ok();
}

}  // namespace seek::rl
