#include "serve_load.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "io/json.h"

namespace seek::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Shared {
  const LoadOptions& o;
  LoadResult& r;
  int next = 0;     // the next request index to send
  int settled = 0;  // requests completed or failed
  Clock::time_point last_done;

  void fail(const std::string& why) {
    r.failed++;
    settled++;
    if (r.errors.size() < 10) r.errors.push_back(why);
  }
};

// One client: a keep-alive connection that sends requests until none are left.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(net::io_context& ioc, Shared& s, net::ip::tcp::endpoint ep) : ioc_(ioc), s_(s), ep_(ep), stream_(ioc) {}

  void start() { connect(); }

 private:
  void connect() {
    beast::error_code ignored;
    stream_.socket().close(ignored);  // async_connect opens it again
    buffer_.clear();
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        // Nothing was sent: count it against the request it was opened for.
        if (self->s_.next < self->s_.o.requests) {
          self->s_.next++;
          self->s_.fail("connect: " + ec.message());
        }
        return;
      }
      self->send();
    });
  }

  void send() {
    if (s_.next >= s_.o.requests) return;
    const int index = s_.o.first_request + s_.next++;
    Json body = {{"messages", Json::array({{{"role", "user"}, {"content", prompt(index)}}})},
                 {"max_tokens", s_.o.max_tokens},
                 {"temperature", s_.o.temperature},
                 {"seed", index},
                 {"stream", true},
                 {"stream_options", {{"include_usage", true}}}};
    if (s_.o.ignore_eos) body["ignore_eos"] = true;
    if (!s_.o.model.empty()) body["model"] = s_.o.model;
    req_ = {http::verb::post, "/v1/chat/completions", 11};
    req_.set(http::field::host, ep_.address().to_string());
    req_.set(http::field::content_type, "application/json");
    if (!s_.o.api_key.empty()) req_.set(http::field::authorization, "Bearer " + s_.o.api_key);
    req_.keep_alive(true);
    req_.body() = body.dump();
    req_.prepare_payload();
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    consumed_ = 0;
    events_.clear();
    token_times_.clear();
    sent_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->broken("write: " + ec.message());
      self->read();
    });
  }

  std::string prompt(int index) const {
    static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
    std::string p = fmt::format("Request {}:", index);
    for (int i = 0; i < s_.o.prompt_words; ++i) p += std::string(" ") + kWords[(index + i * 7) % 8];
    return p;
  }

  void read() {
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->broken("read: " + ec.message());
      self->on_bytes(Clock::now());
      if (self->parser_->is_done()) return self->done();
      self->read();
    });
  }

  // Splits newly arrived body bytes into SSE events, timing the ones that carry text.
  void on_bytes(Clock::time_point now) {
    const std::string& body = parser_->get().body();
    for (size_t end; (end = body.find("\n\n", consumed_)) != std::string::npos; consumed_ = end + 2) {
      const std::string_view event(body.data() + consumed_, end - consumed_);
      if (!event.starts_with("data: ")) continue;  // ": keep-alive" comments
      std::string data(event.substr(6));
      if (data != "[DONE]") {
        Result<Json> j = parse_json(data, "chunk");
        if (j.is_ok() && j->contains("choices") && (*j)["choices"].is_array() && !(*j)["choices"].empty()) {
          const Json& d = (*j)["choices"][0].value("delta", Json::object());
          auto text = [&](const char* k) { return d.contains(k) && d[k].is_string() && !d[k].get<std::string>().empty(); };
          if (text("content") || text("reasoning_content")) token_times_.push_back(now);
        }
      }
      events_.push_back(std::move(data));
    }
  }

  void done() {
    const auto end = Clock::now();
    const std::string why = validate();
    if (!why.empty()) {
      s_.fail(why);
    } else {
      LoadResult& r = s_.r;
      r.completed++;
      s_.settled++;
      r.e2e_ms.push_back(ms(end - sent_));
      r.ttft_ms.push_back(ms(token_times_.front() - sent_));
      for (size_t i = 1; i < token_times_.size(); ++i) r.itl_ms.push_back(ms(token_times_[i] - token_times_[i - 1]));
    }
    s_.last_done = end;
    if (parser_->get().keep_alive()) return send();
    connect();
  }

  // "" when the response is complete and well formed.
  std::string validate() {
    const auto& res = parser_->get();
    if (res.result_int() != 200) return fmt::format("HTTP {}: {}", res.result_int(), res.body().substr(0, 200));
    if (res[http::field::content_type] != "text/event-stream") return "content-type is not text/event-stream";
    if (events_.empty() || events_.back() != "[DONE]") return "the stream did not end with [DONE]";
    std::string id;
    int finishes = 0;
    std::optional<Json> usage;
    std::string finish;
    for (size_t i = 0; i + 1 < events_.size(); ++i) {
      Result<Json> j = parse_json(events_[i], "chunk");
      if (!j.is_ok()) return "a chunk is not JSON: " + events_[i].substr(0, 100);
      if (j->contains("error")) return "error event: " + events_[i].substr(0, 200);
      if ((*j).value("object", "") != "chat.completion.chunk") return "a chunk's object is not chat.completion.chunk";
      const std::string cid = (*j).value("id", "");
      if (id.empty()) id = cid;
      if (cid.empty() || cid != id) return "chunk ids differ";
      if ((*j).contains("usage") && (*j)["usage"].is_object()) usage = (*j)["usage"];
      for (const Json& c : (*j).value("choices", Json::array())) {
        if (c.contains("finish_reason") && c["finish_reason"].is_string()) finishes++, finish = c["finish_reason"];
      }
    }
    if (finishes != 1) return fmt::format("{} finish_reasons", finishes);
    if (!usage) return "no usage chunk";
    const int64_t completion = usage->value("completion_tokens", int64_t{-1});
    if (completion < 1 || token_times_.empty()) return "no tokens";
    if (s_.o.ignore_eos && (finish != "length" || completion != s_.o.max_tokens)) {
      return fmt::format("finish_reason {} after {} tokens; expected length after {}", finish, completion, s_.o.max_tokens);
    }
    s_.r.prompt_tokens += usage->value("prompt_tokens", int64_t{0});
    s_.r.completion_tokens += completion;
    s_.r.cached_tokens += usage->value("prompt_tokens_details", Json::object()).value("cached_tokens", int64_t{0});
    return "";
  }

  void broken(const std::string& why) {
    s_.fail(why);
    beast::error_code ec;
    stream_.socket().close(ec);
    connect();
  }

  net::io_context& ioc_;
  Shared& s_;
  net::ip::tcp::endpoint ep_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  size_t consumed_ = 0;
  std::vector<std::string> events_;
  std::vector<Clock::time_point> token_times_;
  Clock::time_point sent_;
};

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100 * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(rank);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

LoadResult run_load(const LoadOptions& o) {
  LoadResult r;
  net::io_context ioc;
  Shared s{o, r, 0, 0, Clock::now()};
  beast::error_code ec;
  const auto addr = net::ip::make_address(o.host, ec);
  if (ec) {
    r.failed = o.requests;
    r.errors.push_back("bad host: " + o.host);
    return r;
  }
  const net::ip::tcp::endpoint ep(addr, static_cast<unsigned short>(o.port));
  net::steady_timer deadline(ioc);
  deadline.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s)));
  deadline.async_wait([&](beast::error_code e) {
    if (!e) ioc.stop();
  });
  const auto t0 = Clock::now();
  s.last_done = t0;
  for (int i = 0; i < o.clients; ++i) std::make_shared<Client>(ioc, s, ep)->start();
  // The deadline timer keeps run() going; stop it once every request has settled.
  net::steady_timer poll(ioc);
  std::function<void()> check = [&] {
    if (s.settled >= o.requests) return (void)deadline.cancel();
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](beast::error_code e) {
      if (!e) check();
    });
  };
  check();
  ioc.run();
  if (s.settled < o.requests) {
    const int missing = o.requests - s.settled;
    r.failed += missing;
    r.errors.push_back(fmt::format("{} requests unfinished at the {} s timeout", missing, o.timeout_s));
  }
  r.wall_s = std::chrono::duration<double>(s.last_done - t0).count();
  return r;
}

std::string format_report(const LoadOptions& o, const LoadResult& r) {
  std::string out = fmt::format(
      "{} clients, {} requests ({} completed, {} failed), max_tokens {}, {} s\n"
      "| metric | value |\n| --- | --- |\n"
      "| aggregate generation | {:.1f} tok/s ({} tokens) |\n"
      "| requests/s | {:.2f} |\n"
      "| TTFT p50 / p99 | {:.1f} / {:.1f} ms |\n"
      "| ITL p50 / p99 | {:.2f} / {:.2f} ms |\n"
      "| end-to-end p50 / p99 | {:.1f} / {:.1f} ms |\n"
      "| prompt tokens (cached) | {} ({}) |\n",
      o.clients, o.requests, r.completed, r.failed, o.max_tokens, r.wall_s,
      r.wall_s > 0 ? static_cast<double>(r.completion_tokens) / r.wall_s : 0.0, r.completion_tokens,
      r.wall_s > 0 ? r.completed / r.wall_s : 0.0, percentile(r.ttft_ms, 50), percentile(r.ttft_ms, 99),
      percentile(r.itl_ms, 50), percentile(r.itl_ms, 99), percentile(r.e2e_ms, 50), percentile(r.e2e_ms, 99), r.prompt_tokens,
      r.cached_tokens);
  for (const std::string& e : r.errors) out += "error: " + e + "\n";
  return out;
}

}  // namespace seek::bench
