#include "serve/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "serve/api_error.h"

namespace seek::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

std::string_view HttpRequest::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

class Connection;

struct HttpServer::Impl {
  Impl(Handler h, const HttpLimits& l, Metrics* m) : handler(std::move(h)), limits(l), metrics(m) {}

  void accept();
  void count(int status) {
    if (metrics) metrics->count_http(status);
  }

  // Declared before ioc: connections still queued in ioc when it is destroyed use them.
  Handler handler;
  HttpLimits limits;
  Metrics* metrics;
  std::atomic<int64_t> connections{0};
  std::mutex mu;
  std::list<std::weak_ptr<Connection>> live;  // guarded by mu; for stop()
  bool stopped = false;                       // guarded by mu
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
};

namespace {

// "HTTP/1.1 chunked" framing of one piece of a streamed body.
std::string chunk(std::string_view data) { return fmt::format("{:x}\r\n{}\r\n", data.size(), data); }
constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

// One client connection. Every handler runs on the connection's strand, so members need no
// locks; only the producer's wake callback comes from another thread, and it only posts.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), limits_(server.limits), stream_(std::move(socket)), deadline_(stream_.get_executor()),
        ping_(stream_.get_executor()) {
    server_.connections++;
  }
  ~Connection() {
    if (producer_) producer_->cancel(CancelReason::kClientGone);
    server_.connections--;
  }

  // Begins serving, on the connection's strand.
  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->run(); });
  }

  // From any thread: closes the connection on its strand.
  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(CancelReason::kShutdown); });
  }

 private:
  void run() {
    if (server_.connections.load() > server_.limits.max_connections) {
      keep_alive_ = false;
      return write_error(ApiError::overloaded("too many open connections"));
    }
    read_request();
  }

  void read_request() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    stream_.expires_after(limits_.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    // curl and others wait (up to a second) for "100 Continue" before sending a large body.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(limits_.write_timeout);
      net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->close(CancelReason::kClientGone);
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(limits_.read_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_request();
    });
  }

  void on_read_error(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == http::error::body_limit) {
      return write_error(ApiError::too_large(fmt::format("the request body exceeds {} bytes", limits_.max_body_bytes)));
    }
    if (ec == http::error::header_limit) {
      return write_error(ApiError{431, "invalid_request_error",
                                  fmt::format("the request headers exceed {} bytes", limits_.max_header_bytes), "", ""});
    }
    // The client left, went idle past the read timeout, or the server is closing: no reply.
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::broken_pipe) {
      return close(CancelReason::kClientGone);
    }
    write_error(ApiError::invalid(fmt::format("malformed HTTP request: {}", ec.message())));
  }

  void on_request() {
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = std::move(req.body());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    HttpResponse res;
    try {
      res = server_.handler(r);
    } catch (const std::exception& e) {  // a bug must cost one request, never the server
      res = make_response(500, ApiError::internal(fmt::format("internal error: {}", e.what())).body());
    }
    if (!res.producer) return write_whole(res.status, res.content_type, std::move(res.body), res.headers);
    start_producer(std::move(res));
  }

  void write_error(const ApiError& e) { write_whole(e.status, "application/json", e.body(), {}); }

  void write_whole(int status, std::string_view content_type, std::string body,
                   const std::vector<std::pair<std::string, std::string>>& headers) {
    if (closed_) return;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(status));
    res_.set(http::field::server, "seek");
    res_.set(http::field::content_type, content_type);
    res_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : headers) res_.set(k, v);
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(body);
    res_.prepare_payload();
    server_.count(status);
    stream_.expires_after(limits_.write_timeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close(CancelReason::kClientGone);
      self->read_request();
    });
  }

  void start_producer(HttpResponse res) {
    producer_ = std::move(res.producer);
    streaming_ = res.stream;
    body_.clear();
    headers_ = std::move(res.headers);
    std::weak_ptr<Connection> weak = weak_from_this();
    producer_->start([weak, exec = stream_.get_executor()] {
      auto self = weak.lock();
      if (!self || self->wake_pending_.exchange(true)) return;
      net::post(exec, [self] {
        self->wake_pending_.store(false);
        self->pump();
      });
    });
    deadline_.expires_after(limits_.request_timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->producer_) return;
      self->producer_->cancel(CancelReason::kTimeout);
      self->pump();
    });
    watch_disconnect();
    if (!streaming_) return pump();
    head_ = {};
    head_.version(11);
    head_.result(http::status::ok);
    head_.set(http::field::server, "seek");
    head_.set(http::field::content_type, "text/event-stream");
    head_.set(http::field::cache_control, "no-cache");
    head_.set("X-Accel-Buffering", "no");  // tells reverse proxies not to buffer the stream
    head_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : headers_) head_.set(k, v);
    head_.keep_alive(keep_alive_);
    head_.chunked(true);
    serializer_.emplace(head_);
    server_.count(200);
    writing_ = true;
    stream_.expires_after(limits_.write_timeout);
    http::async_write_header(stream_, *serializer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close(CancelReason::kClientGone);
      self->last_write_ = Clock::now();
      self->arm_ping();
      self->pump();
    });
  }

  // Moves whatever the producer has to the socket; one write at a time.
  void pump() {
    if (!producer_ || writing_ || closed_) return;
    std::string out;
    const bool done = producer_->poll(&out);
    if (!streaming_) {
      body_ += out;
      if (!done) return;
      const int status = producer_->status();
      end_producer();
      return write_whole(status, "application/json", std::move(body_), headers_);
    }
    if (out.empty() && !done) return;
    chunk_ = out.empty() ? std::string() : chunk(out);
    if (done) chunk_ += kLastChunk;
    write_chunk(done);
  }

  void write_chunk(bool last) {
    writing_ = true;
    stream_.expires_after(limits_.write_timeout);
    net::async_write(stream_, net::buffer(chunk_), [self = shared_from_this(), last](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close(CancelReason::kClientGone);  // includes the write timeout
      self->last_write_ = Clock::now();
      if (!last) return self->pump();
      self->end_producer();
      if (!self->keep_alive_) return self->close(CancelReason::kClientGone);
      self->read_request();
    });
  }

  // SSE comments keep proxies and clients from timing out during a long prefill.
  void arm_ping() {
    ping_.expires_after(limits_.ping_interval);
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->producer_ || self->closed_) return;
      if (!self->writing_ && Clock::now() - self->last_write_ >= self->limits_.ping_interval) {
        self->chunk_ = chunk(": keep-alive\n\n");
        self->write_chunk(false);
      }
      self->arm_ping();
    });
  }

  // Readable while we only write means the peer closed (or pipelined another request): peek.
  void watch_disconnect() {
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->producer_ || self->closed_) return;
      char c;
      const ssize_t n = ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        return self->close(CancelReason::kClientGone);
      }
      if (n < 0) self->watch_disconnect();
    });
  }

  void end_producer() {
    producer_.reset();
    deadline_.cancel();
    ping_.cancel();
    beast::error_code ec;
    stream_.socket().cancel(ec);  // the disconnect watch
  }

  void close(CancelReason why) {
    if (closed_) return;
    closed_ = true;
    if (producer_) producer_->cancel(why);
    producer_.reset();
    deadline_.cancel();
    ping_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  HttpServer::Impl& server_;
  const HttpLimits& limits_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  http::response<http::empty_body> head_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  net::steady_timer deadline_, ping_;
  std::shared_ptr<ResponseProducer> producer_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_, chunk_;
  std::atomic<bool> wake_pending_{false};
  Clock::time_point last_write_;
  bool keep_alive_ = true, streaming_ = false, writing_ = false, closed_ = false;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      // Each SSE event is a small write that must leave at once: with Nagle's algorithm on, a
      // token waits for the ACK of the previous one, which the client delays (up to 40 ms on
      // Linux) because it has nothing to send.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<Connection>(*this, std::move(socket));
      {
        std::lock_guard lock(mu);
        if (stopped) return;  // c closes its socket as it goes
        live.remove_if([](const std::weak_ptr<Connection>& w) { return w.expired(); });
        live.push_back(c);
      }
      c->start();
    }
    accept();
  });
}

HttpServer::HttpServer(Handler handler, const HttpLimits& limits, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(handler), limits, metrics)) {}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::start(const std::string& host, int port, int threads) {
  Impl& s = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) return Status::invalid_argument(fmt::format("[serve] cannot resolve host '{}': {}", host, ec.message()));
  const tcp::endpoint ep = results.begin()->endpoint();
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error(fmt::format("[serve] cannot listen on {}:{}: {}", host, port, ec.message()));
  const int bound = s.acceptor.local_endpoint().port();
  s.accept();
  for (int i = 0; i < std::max(threads, 1); ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return bound;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  std::list<std::weak_ptr<Connection>> live;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    live.swap(s.live);
  }
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  for (auto& w : live) {
    if (auto c = w.lock()) c->shutdown();
  }
  s.work.reset();
  // Connections close on their strands; give them a moment, then stop whatever is left.
  for (int i = 0; i < 200 && s.connections.load() > 0 && !s.threads.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
}

int64_t HttpServer::connections() const { return impl_->connections.load(); }

}  // namespace seek::serve
