// A small blocking HTTP/1.1 client for the serve tests (Boost.Beast, synchronous): whole
// exchanges, raw bytes for malformed requests, and SSE payload extraction.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/json.h"

namespace seek::serve::testing {

struct HttpReply {
  int status = 0;  // 0: the connection closed without a response
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

// Sends `raw` (a whole request, as bytes) on a new connection and reads one response.
HttpReply send_raw(int port, const std::string& raw);

// A request with Content-Length, "Connection: close" and any extra header lines ("Name: value").
std::string request_text(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::vector<std::string>& headers = {});

HttpReply get(int port, const std::string& target, const std::vector<std::string>& headers = {});
HttpReply post(int port, const std::string& target, const std::string& body, const std::vector<std::string>& headers = {});

// The payloads of the "data:" lines of an SSE body, in order ("[DONE]" included).
std::vector<std::string> sse_data(const std::string& body);

// A body's JSON (a test failure if it is not JSON).
Json body_json(const HttpReply& r);

// A connected socket (blocking), or -1.
int connect_loopback(int port);

}  // namespace seek::serve::testing
