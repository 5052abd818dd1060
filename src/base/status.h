// Status and Result<T>: how fallible operations at the edges (files, configs, user options)
// report failure. Library code never exits or throws; cli/ turns a Status into an exit code.
//
// Messages name the function in brackets and carry the offending values, e.g.
//   "[safetensors] 'model.safetensors': tensor 'lm_head.weight' has shape (300, 64), expected (256, 64)"
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace seek {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller (or user) asked for something malformed
  kNotFound,         // a file or named item does not exist
  kCorruption,       // a file exists but its bytes are inconsistent
  kUnsupported,      // well-formed, but a feature or value seek does not implement
  kIoError,          // the operating system refused (open, mmap, write)
  kOutOfRange,       // an index or size past a fixed limit
};

const char* status_code_name(StatusCode code);

class Status {
 public:
  Status() = default;  // OK

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status io_error(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status out_of_range(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: [safetensors] ..." or "ok".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; used to add the file or tensor
  // name as an error travels outwards.
  Status with_context(std::string_view context) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status (C++20 has no std::expected).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like expected<T>
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool is_ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace seek

#define SEEK_CONCAT_INNER(a, b) a##b
#define SEEK_CONCAT(a, b) SEEK_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not OK.
#define SEEK_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::seek::Status seek_status_ = (expr);       \
    if (!seek_status_.is_ok()) return seek_status_; \
  } while (0)

// `SEEK_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result, or returns its Status.
#define SEEK_ASSIGN_OR_RETURN(lhs, expr) \
  SEEK_ASSIGN_OR_RETURN_IMPL(SEEK_CONCAT(seek_result_, __LINE__), lhs, expr)
#define SEEK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.status();           \
  lhs = std::move(tmp).value()
