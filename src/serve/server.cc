#include "serve/server.h"

namespace seek::serve {

Result<std::unique_ptr<Server>> Server::create(Runner& runner, const Tokenizer& tokenizer, const ServeOptions& o) {
  SEEK_RETURN_IF_ERROR(validate(o.scheduler));
  SEEK_RETURN_IF_ERROR(validate(o.api.defaults));
  SEEK_ASSIGN_OR_RETURN(PromptBuilder prompts, PromptBuilder::create(tokenizer, runner.vocab_size()));
  std::unique_ptr<Server> s(new Server(o, std::move(prompts)));
  s->scheduler_ = std::make_unique<Scheduler>(runner, tokenizer, o.scheduler, &s->metrics_);
  Server* self = s.get();
  s->api_ = std::make_unique<Api>(o.api, s->prompts_, *s->scheduler_, s->metrics_, [self] {
    const SchedulerStats st = self->scheduler_->stats();
    return Gauges{.running = st.running,
                  .waiting = st.waiting,
                  .kv_active_bytes = st.kv_active_bytes,
                  .kv_cached_bytes = st.kv_cached_bytes,
                  .kv_budget_bytes = self->options_.scheduler.kv_cache_bytes,
                  .connections = self->http_ ? self->http_->connections() : 0};
  });
  s->http_ = std::make_unique<HttpServer>([self](const HttpRequest& r) { return self->api_->handle(r); }, o.http, &s->metrics_);
  return s;
}

Server::~Server() { stop(); }

Result<int> Server::start() {
  scheduler_->start();
  return http_->start(options_.host, options_.port, options_.http_threads);
}

void Server::stop() {
  if (http_) http_->stop();
  if (scheduler_) scheduler_->stop();
}

}  // namespace seek::serve
