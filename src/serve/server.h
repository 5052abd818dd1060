// Server: seek serve's parts wired together: the HTTP server (I/O threads), the Api that
// validates requests and renders prompts on those threads, and the Scheduler thread that runs
// every admitted generation through the model in continuous batches.
//
// Shutdown order matters and is fixed here: the HTTP side stops first (no new requests, open
// streams cancelled), then the scheduler (whatever remains ends with an error).
#pragma once

#include <memory>
#include <string>

#include "serve/api.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/prompt.h"
#include "serve/runner.h"
#include "serve/scheduler.h"

namespace seek::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback unless the user says otherwise
  int port = 8080;
  int http_threads = 2;
  HttpLimits http;
  SchedulerOptions scheduler;
  ApiOptions api;
};

class Server {
 public:
  // `runner` and `tokenizer` must outlive the server.
  static Result<std::unique_ptr<Server>> create(Runner& runner, const Tokenizer& tokenizer, const ServeOptions& options);
  ~Server();

  // Starts the scheduler and the listener; returns the bound port (an ephemeral one for port 0).
  Result<int> start();
  void stop();

  Metrics& metrics() { return metrics_; }
  Scheduler& scheduler() { return *scheduler_; }

 private:
  Server(const ServeOptions& options, PromptBuilder prompts) : options_(options), prompts_(std::move(prompts)) {}

  ServeOptions options_;
  Metrics metrics_;
  PromptBuilder prompts_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace seek::serve
