// seek chat MODEL: an interactive conversation. Renders the model's chat template each turn,
// reuses the cached prefix of the conversation, streams the answer, shows R1-style
// reasoning apart from it (dimmed on a terminal, fenced by "<think>" lines otherwise), and
// lets Ctrl-C stop the current answer without ending the session.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/session.h"
#include "infer/reasoning.h"
#include "tokenizer/chat_template.h"

namespace seek::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted.store(true); }

struct ChatCommand {
  ModelOptions model;
  GenerateOptions gen;
  std::string system;
};

// Prints reasoning and answer text as they stream.
class Printer {
 public:
  Printer() : tty_(isatty(STDOUT_FILENO)) {}
  void reasoning(std::string_view s) {
    if (s.empty()) return;
    if (!in_reasoning_) std::fputs(tty_ ? "\x1b[2m" : "<think>\n", stdout), in_reasoning_ = true;
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  }
  void answer(std::string_view s) {
    if (s.empty()) return;
    end_reasoning();
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  }
  void end_reasoning() {
    if (in_reasoning_) std::fputs(tty_ ? "\x1b[0m\n" : "\n</think>\n", stdout), in_reasoning_ = false;
  }

 private:
  bool tty_;
  bool in_reasoning_ = false;
};

int run_chat(ChatCommand c) {
  Result<Session> s = open_session(c.model);
  if (!s.is_ok()) return fail(s.status().to_string());
  if (s->tokenizer.config().chat_template.empty()) return fail("[chat] the model has no chat_template");
  Result<ChatTemplate> tmpl = ChatTemplate::parse(s->tokenizer.config().chat_template, c.model.path);
  if (!tmpl.is_ok()) return fail(tmpl.status().to_string());

  Sequence seq(s->engine->config(), c.model.ctx, s->cache);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!c.system.empty()) messages.push_back({{"role", "system"}, {"content", c.system}});
  std::fprintf(stderr, "seek chat: %s. Type a message; /reset starts over, /exit quits, Ctrl-C stops an answer.\n",
               c.model.path.c_str());
  std::string line;
  for (;;) {
    std::fputs("> ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      messages.erase(messages.begin() + (c.system.empty() ? 0 : 1), messages.end());
      continue;
    }
    if (line.empty()) continue;
    messages.push_back({{"role", "user"}, {"content", line}});
    Result<jinja::Dict> vars = chat_variables(s->tokenizer, messages, /*add_generation_prompt=*/true);
    Result<std::string> prompt = vars.is_ok() ? tmpl->render(std::move(vars).value()) : Result<std::string>(vars.status());
    Result<std::vector<int32_t>> ids = prompt.is_ok() ? s->tokenizer.encode(*prompt) : Result<std::vector<int32_t>>(prompt.status());
    if (!ids.is_ok()) {
      fail(ids.status().to_string());
      messages.erase(messages.end() - 1);
      continue;
    }
    ReasoningSplitter splitter(ReasoningSplitter::prompt_opens_reasoning(*prompt));
    Printer printer;
    std::string reasoning, answer;
    auto show = [&](size_t r0, size_t a0) {
      printer.reasoning(std::string_view(reasoning).substr(r0));
      printer.answer(std::string_view(answer).substr(a0));
    };
    g_interrupted.store(false);
    struct sigaction act {}, old {};
    act.sa_handler = on_sigint;
    sigaction(SIGINT, &act, &old);
    Result<GenerateResult> r = generate(*s->engine, s->tokenizer, seq, *ids, c.gen, [&](std::string_view piece) {
      const size_t r0 = reasoning.size(), a0 = answer.size();
      splitter.push(piece, &reasoning, &answer);
      show(r0, a0);
      return !g_interrupted.load();
    });
    sigaction(SIGINT, &old, nullptr);
    const size_t r0 = reasoning.size(), a0 = answer.size();
    splitter.finish(&reasoning, &answer);
    show(r0, a0);
    printer.end_reasoning();
    std::fputs("\n", stdout);
    if (!r.is_ok()) {
      fail(r.status().to_string());
      messages.erase(messages.end() - 1);
      continue;
    }
    if (r->finish == FinishReason::kCancelled) std::fputs("[stopped]\n", stderr);
    std::fprintf(stderr, "[%lld prompt tokens (%lld cached), %lld generated, %.1f tok/s]\n", (long long)r->prompt_tokens,
                 (long long)r->cached_tokens, (long long)r->tokens.size(), r->tokens.size() / std::max(r->decode_seconds, 1e-9));
    messages.push_back({{"role", "assistant"}, {"content", answer}});
  }
  return 0;
}

}  // namespace

void add_chat(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("chat", "Talk with a model interactively");
  auto c = std::make_shared<ChatCommand>();
  add_model_options(cmd, &c->model);
  add_generate_options(cmd, &c->gen);
  cmd->add_option("--system", c->system, "System prompt");
  cmd->callback([=] { *run = [=] { return run_chat(*c); }; });
}

}  // namespace seek::cli
