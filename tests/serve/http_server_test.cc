// HttpServer alone, with handlers and producers written here: a client that stops reading is
// cut off by the write timeout and its producer cancelled, while other clients are served
// without delay; a handler that throws costs one 500, not the server; stop() ends open streams.
#include "serve/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "serve/http_client.h"

namespace seek::serve {
namespace {

using testing::connect_loopback;
using testing::get;
using testing::request_text;

// An endless stream of 256 KiB pieces, as fast as the socket takes them.
class Firehose final : public ResponseProducer {
 public:
  explicit Firehose(std::atomic<int>* cancelled) : cancelled_(cancelled) {}
  void start(std::function<void()> wake) override { wake_ = std::move(wake); }
  bool poll(std::string* out) override {
    if (done_) return true;
    out->append(256 << 10, 'x');
    return false;
  }
  void cancel(CancelReason why) override {
    done_ = true;
    if (why == CancelReason::kClientGone) cancelled_->fetch_add(1);
  }

 private:
  std::atomic<int>* cancelled_;
  std::function<void()> wake_;
  bool done_ = false;
};

// Never produces anything until cancelled.
class Silent final : public ResponseProducer {
 public:
  void start(std::function<void()>) override {}
  bool poll(std::string*) override { return done_; }
  void cancel(CancelReason) override { done_ = true; }

 private:
  bool done_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpLimits limits = {}) {
    server_ = std::make_unique<HttpServer>(
        [this](const HttpRequest& r) {
          HttpResponse res;
          if (r.path() == "/firehose") {
            res.producer = std::make_shared<Firehose>(&cancelled_);
            res.stream = true;
          } else if (r.path() == "/silent") {
            res.producer = std::make_shared<Silent>();
            res.stream = true;
          } else if (r.path() == "/throw") {
            throw std::runtime_error("boom");
          } else {
            res.body = R"({"ok": true})";
          }
          return res;
        },
        limits);
    Result<int> port = server_->start("127.0.0.1", 0, 2);
    ASSERT_TRUE(port.is_ok()) << port.status().to_string();
    port_ = *port;
  }

  std::atomic<int> cancelled_{0};
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, StalledReaderIsCutOffWithoutSlowingOthers) {
  HttpLimits limits;
  // Others must be answered well within the time the stalled write may block (a server that
  // waited on it would answer them only after the timeout), with slack for a busy machine.
  limits.write_timeout = std::chrono::milliseconds(2000);
  start(limits);
  const int stalled = connect_loopback(port_);
  const int small = 4096;
  setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  const std::string req = request_text("GET", "/firehose");
  ASSERT_EQ(::send(stalled, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  // While that client reads nothing, others get answers at once.
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(get(port_, "/ok").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  }
  for (int i = 0; i < 2000 && cancelled_.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(cancelled_.load(), 1) << "the write timeout closed the stalled stream and cancelled its producer";
  ::close(stalled);
}

TEST_F(HttpServerTest, HandlerExceptionIsA500) {
  start();
  const testing::HttpReply r = get(port_, "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("boom"), std::string::npos);
  EXPECT_EQ(get(port_, "/ok").status, 200);
}

TEST_F(HttpServerTest, IdleConnectionsTimeOut) {
  HttpLimits limits;
  limits.read_timeout = std::chrono::milliseconds(100);
  start(limits);
  const int fd = connect_loopback(port_);
  char c;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "closed by the server";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ::close(fd);
  for (int i = 0; i < 100 && server_->connections() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->connections(), 0);
}

TEST_F(HttpServerTest, StopEndsOpenStreams) {
  start();
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    fds.push_back(connect_loopback(port_));
    const std::string req = request_text("GET", "/silent");
    ASSERT_EQ(::send(fds.back(), req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  }
  for (int i = 0; i < 100 && server_->connections() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->connections(), 8);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(server_->connections(), 0);
  for (int fd : fds) ::close(fd);
}

TEST_F(HttpServerTest, PortInUseIsAnError) {
  start();
  HttpServer other([](const HttpRequest&) { return HttpResponse{}; }, HttpLimits{});
  Result<int> r = other.start("127.0.0.1", port_, 1);
  EXPECT_FALSE(r.is_ok());
  HttpServer third([](const HttpRequest&) { return HttpResponse{}; }, HttpLimits{});
  EXPECT_FALSE(third.start("300.1.2.3", 0, 1).is_ok());
}

}  // namespace
}  // namespace seek::serve
