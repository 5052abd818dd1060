#include "serve/api_error.h"

#include "serve/json_text.h"

namespace seek::serve {

ApiError ApiError::invalid(std::string message, std::string param) {
  return {400, "invalid_request_error", std::move(message), std::move(param), ""};
}

ApiError ApiError::unauthorized() {
  return {401, "authentication_error", "Invalid API key: send 'Authorization: Bearer <key>'", "", "invalid_api_key"};
}

ApiError ApiError::not_found(std::string message) { return {404, "not_found_error", std::move(message), "", ""}; }

ApiError ApiError::method_not_allowed(std::string message) {
  return {405, "invalid_request_error", std::move(message), "", "method_not_allowed"};
}

ApiError ApiError::too_large(std::string message) {
  return {413, "invalid_request_error", std::move(message), "", "request_too_large"};
}

ApiError ApiError::overloaded(std::string message) {
  return {503, "server_overloaded", std::move(message), "", "server_overloaded"};
}

ApiError ApiError::internal(std::string message) { return {500, "server_error", std::move(message), "", ""}; }

ApiError ApiError::from_status(const Status& s, std::string param) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnsupported:
      return invalid(s.message(), std::move(param));
    case StatusCode::kNotFound:
      return not_found(s.message());
    default:
      return internal(s.message());
  }
}

std::string ApiError::body() const {
  Json e = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) e["param"] = param;
  if (!code.empty()) e["code"] = code;
  return json_text(Json{{"error", e}});
}

}  // namespace seek::serve
