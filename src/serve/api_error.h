// ApiError: how the server says no. Every rejected request gets an HTTP status in the 4xx/5xx
// range and the JSON body OpenAI's SDKs parse into their APIError types:
//   {"error": {"message": "...", "type": "invalid_request_error", "param": "messages", "code": null}}
// (llama-server and vLLM use the same shape; DeepSeek's API uses the same status codes).
#pragma once

#include <string>

#include "base/status.h"

namespace seek::serve {

struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  std::string param;  // the request field at fault; "" -> null
  std::string code;   // a machine-readable reason such as "context_length_exceeded"; "" -> null

  // 400 invalid_request_error naming the field at fault.
  static ApiError invalid(std::string message, std::string param = {});
  static ApiError unauthorized();                            // 401 authentication_error
  static ApiError not_found(std::string message);            // 404 not_found_error
  static ApiError method_not_allowed(std::string message);   // 405
  static ApiError too_large(std::string message);            // 413
  static ApiError overloaded(std::string message);           // 503 server_overloaded
  static ApiError internal(std::string message);             // 500 server_error
  // Maps a library Status: invalid argument/out of range/not found are the client's fault.
  static ApiError from_status(const Status& s, std::string param = {});

  // The JSON body, one line.
  std::string body() const;
};

}  // namespace seek::serve
