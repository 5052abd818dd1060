// seek generate MODEL -p TEXT: complete a prompt (raw, or as one chat turn with --chat),
// streaming the text to stdout and the speed to stderr.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/session.h"
#include "tokenizer/chat_template.h"

namespace seek::cli {
namespace {

struct GenerateCommand {
  ModelOptions model;
  GenerateOptions gen;
  std::string prompt;
  bool chat = false;
};

// The prompt's token ids: the text as is (with BOS when the tokenizer adds one), or rendered
// as a single user turn with the model's chat template.
Result<std::vector<int32_t>> prompt_ids(const Session& s, const GenerateCommand& c) {
  if (!c.chat) return s.tokenizer.encode(c.prompt, EncodeOptions{.add_special_tokens = true});
  if (s.tokenizer.config().chat_template.empty()) {
    return Status::invalid_argument("[generate] --chat: the model has no chat_template");
  }
  SEEK_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::parse(s.tokenizer.config().chat_template, "chat_template"));
  nlohmann::ordered_json messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", c.prompt}}});
  SEEK_ASSIGN_OR_RETURN(jinja::Dict vars, chat_variables(s.tokenizer, messages, /*add_generation_prompt=*/true));
  SEEK_ASSIGN_OR_RETURN(std::string text, tmpl.render(std::move(vars)));
  return s.tokenizer.encode(text);
}

int run_generate(const GenerateCommand& c) {
  Result<Session> s = open_session(c.model);
  if (!s.is_ok()) return fail(s.status().to_string());
  Result<std::vector<int32_t>> ids = prompt_ids(*s, c);
  if (!ids.is_ok()) return fail(ids.status().to_string());
  Sequence seq(s->engine->config(), c.model.ctx, s->cache);
  Result<GenerateResult> r = generate(*s->engine, s->tokenizer, seq, *ids, c.gen, [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::printf("\n");
  std::fflush(stdout);  // the answer's last line before the stats on stderr, also through a pipe
  if (!r.is_ok()) return fail(r.status().to_string());
  std::fprintf(stderr, "seek: prompt %lld tokens in %.2fs (%.1f tok/s), generated %lld tokens in %.2fs (%.1f tok/s), finish: %s\n",
               (long long)r->prompt_tokens, r->prefill_seconds, r->prompt_tokens / std::max(r->prefill_seconds, 1e-9),
               (long long)r->tokens.size(), r->decode_seconds, r->tokens.size() / std::max(r->decode_seconds, 1e-9),
               std::string(finish_reason_name(r->finish)).c_str());
  return 0;
}

}  // namespace

void add_generate(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("generate", "Complete a prompt, streaming the text");
  auto c = std::make_shared<GenerateCommand>();
  add_model_options(cmd, &c->model);
  add_generate_options(cmd, &c->gen);
  cmd->add_option("-p,--prompt", c->prompt, "Prompt text")->required();
  cmd->add_flag("--chat", c->chat, "Render the prompt as one user turn with the model's chat template");
  cmd->callback([=] { *run = [=] { return run_generate(*c); }; });
}

}  // namespace seek::cli
