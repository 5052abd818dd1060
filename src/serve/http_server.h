// HttpServer: HTTP/1.1 on Boost.Beast and Asio. A few I/O threads serve every connection
// asynchronously (no thread per connection), so thousands of open streams cost sockets and
// buffers, not threads, and a client that stops reading stalls only its own connection: the
// generation side never waits on a socket (Generation buffers text), and a write that does
// not complete within the write timeout closes that connection and cancels its work.
//
// Each connection: read one request (header and body limits, a read/idle timeout, 100-continue
// answered), hand it to the handler, write the response (whole, or streamed as chunked SSE
// from a ResponseProducer with keep-alive pings), repeat while keep-alive. While a producer
// runs, the socket is watched so that a client that disconnects cancels its work at once.
// Errors the handler never sees (oversized or unparsable requests) get OpenAI-shaped JSON.
//
// Thread safety: start/stop from one thread; the handler runs on I/O threads concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "serve/metrics.h"

namespace seek::serve {

struct HttpLimits {
  size_t max_body_bytes = size_t{4} << 20;
  size_t max_header_bytes = size_t{16} << 10;
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};       // one request, or idle keep-alive
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};      // a client must accept each write
  std::chrono::milliseconds request_timeout{std::chrono::seconds(600)};   // a whole generation
  std::chrono::milliseconds ping_interval{std::chrono::seconds(15)};      // ": keep-alive" on a silent stream
  int64_t max_connections = 1024;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `name` (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
  // The target without its query string.
  std::string_view path() const;
};

enum class CancelReason { kClientGone, kTimeout, kShutdown };

// A response body that is produced over time (a generation).
class ResponseProducer {
 public:
  virtual ~ResponseProducer() = default;
  // Called once on the connection's strand before poll(). `wake` may be called from any
  // thread whenever poll() has something new; the connection then calls poll() on its strand.
  virtual void start(std::function<void()> wake) = 0;
  // Appends the bytes that are ready to *out; returns true once the body is complete. May be
  // called again after that (returns true, appends nothing).
  virtual bool poll(std::string* out) = 0;
  // Stops the work. After kTimeout the producer finishes at once with a final error in the
  // body; after kClientGone or kShutdown nothing more is read.
  virtual void cancel(CancelReason why) = 0;
  // For a non-streamed response: the status, read once poll() returned true.
  virtual int status() const { return 200; }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the body comes from the producer. Streamed (chunked, sent as it is produced) when
  // `stream`, else sent in one piece with the producer's status once complete.
  std::shared_ptr<ResponseProducer> producer;
  bool stream = false;
};

// A complete response.
inline HttpResponse make_response(int status, std::string body, std::string content_type = "application/json") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // `metrics` (optional) counts every response status.
  HttpServer(Handler handler, const HttpLimits& limits, Metrics* metrics = nullptr);
  ~HttpServer();

  // Binds host:port (port 0: an ephemeral port) and starts `threads` I/O threads. Returns the
  // bound port.
  Result<int> start(const std::string& host, int port, int threads);
  // Closes the listener and every connection, cancelling their producers; joins the threads.
  void stop();

  int64_t connections() const;

 private:
  friend class Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seek::serve
