// seek serve MODEL: the OpenAI-compatible HTTP server (docs/serving.md). Loads the model,
// starts serve::Server and runs until SIGINT or SIGTERM, then shuts down cleanly: open streams
// end, the listener closes, the scheduler stops.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/session.h"
#include "serve/server.h"

namespace seek::cli {
namespace {

struct ServeCommand {
  ModelOptions model;
  GenerateOptions gen;
  serve::ServeOptions serve;
  std::string alias;
  int64_t kv_cache_mb = 4096;
  int64_t max_body_kb = 4096;
  double timeout_s = 600, read_timeout_s = 30, write_timeout_s = 30, ping_s = 15;
};

std::chrono::milliseconds ms(double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)); }

int run_serve(ServeCommand c) {
  serve::ServeOptions& o = c.serve;
  if (o.api.api_key.empty()) {
    if (const char* k = std::getenv("SEEK_API_KEY")) o.api.api_key = k;
  }
  o.api.model_name = c.alias.empty() ? std::filesystem::path(c.model.path).filename().string() : c.alias;
  o.api.defaults = c.gen;
  o.scheduler.context = c.model.ctx;
  o.scheduler.kv_cache_bytes = c.kv_cache_mb << 20;
  o.http.max_body_bytes = static_cast<size_t>(c.max_body_kb) << 10;
  o.http.request_timeout = ms(c.timeout_s);
  o.http.read_timeout = ms(c.read_timeout_s);
  o.http.write_timeout = ms(c.write_timeout_s);
  o.http.ping_interval = ms(c.ping_s);

  // Block the stop signals before any thread starts (the engine's pool, the server's), so
  // that only sigwait below sees them; the caller's mask comes back on return.
  sigset_t stop_signals, old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  struct RestoreMask {
    sigset_t* mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, mask, nullptr); }
  } restore{&old_mask};
  signal(SIGPIPE, SIG_IGN);

  Result<Session> s = open_session(c.model);
  if (!s.is_ok()) return fail(s.status().to_string());
  serve::EngineRunner runner(*s->engine, s->cache);
  Result<std::unique_ptr<serve::Server>> server = serve::Server::create(runner, s->tokenizer, o);
  if (!server.is_ok()) return fail(server.status().to_string());
  Result<int> port = (*server)->start();
  if (!port.is_ok()) return fail(port.status().to_string());
  std::fprintf(stderr, "seek serve: '%s' on http://%s:%d (chat page at /, API at /v1)%s\n", o.api.model_name.c_str(),
               o.host.c_str(), *port, o.api.api_key.empty() ? "" : ", API key required");
  std::fflush(stderr);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "seek serve: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->stop();
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API with a chat page");
  auto c = std::make_shared<ServeCommand>();
  add_model_options(cmd, &c->model);
  add_generate_options(cmd, &c->gen);
  serve::ServeOptions& o = c->serve;
  cmd->add_option("--host", o.host, "Address to listen on (default: loopback only)");
  cmd->add_option("--port", o.port, "Port (0: any free port)")->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key", o.api.api_key, "Require 'Authorization: Bearer KEY' (default: $SEEK_API_KEY)");
  cmd->add_option("--alias", c->alias, "Model id reported by /v1/models (default: the model directory's name)");
  cmd->add_option("--cors", o.api.cors_origins, "Origin allowed to call the API from a browser (repeatable; * for any)");
  cmd->add_option("--parallel", o.scheduler.max_running, "Requests decoded together (batch width)")->check(CLI::Range(1, 4096));
  cmd->add_option("--max-queue", o.scheduler.max_waiting, "Requests queued beyond --parallel before 503s")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--batch-tokens", o.scheduler.batch_tokens, "Tokens per forward pass (decode steps plus prompt chunks)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--kv-cache-mb", c->kv_cache_mb, "Latent KV cache budget for running and prefix-cached requests, MiB")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--max-body-kb", c->max_body_kb, "Largest request body, KiB")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--max-connections", o.http.max_connections, "Open connections before new ones get 503")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--timeout", c->timeout_s, "Seconds one generation may take before it is ended")->check(CLI::PositiveNumber);
  cmd->add_option("--read-timeout", c->read_timeout_s, "Seconds to receive a request, or to wait on an idle keep-alive connection")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--write-timeout", c->write_timeout_s, "Seconds a client may take to accept each write")->check(CLI::PositiveNumber);
  cmd->add_option("--sse-ping", c->ping_s, "Seconds of silence before a stream gets a ': keep-alive' comment")->check(CLI::PositiveNumber);
  cmd->add_option("--http-threads", o.http_threads, "HTTP I/O threads")->check(CLI::Range(1, 256));
  cmd->callback([=] { *run = [=] { return run_serve(*c); }; });
}

}  // namespace seek::cli
