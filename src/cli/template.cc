// seek template MODEL_DIR --messages F.json [--generation-prompt]: the prompt the model's chat
// template makes of a conversation, byte for byte as transformers' apply_chat_template.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "base/mmap_file.h"
#include "cli/commands.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace seek::cli {
namespace {

struct TemplateArgs {
  std::string dir, messages, template_file;
  bool generation_prompt = false, ids = false;
};

int run_template(const TemplateArgs& a) {
  Result<Tokenizer> tok = load_model_tokenizer(a.dir);
  if (!tok.is_ok()) return fail(tok.status().to_string());
  std::string text = tok->config().chat_template, source = is_gguf_path(a.dir) ? a.dir : a.dir + "/tokenizer_config.json";
  if (!a.template_file.empty()) {
    Result<std::string> t = read_text_file(a.template_file, size_t{16} << 20);
    if (!t.is_ok()) return fail(t.status().to_string());
    text = std::move(t).value(), source = a.template_file;
  }
  if (text.empty()) {
    return fail(fmt::format("[template] '{}' has no chat_template (hint: pass one with --template FILE.jinja)", source));
  }
  Result<ChatTemplate> tmpl = ChatTemplate::parse(text, source);
  if (!tmpl.is_ok()) return fail(tmpl.status().to_string());
  Result<nlohmann::ordered_json> request = read_chat_request(a.messages);
  if (!request.is_ok()) return fail(request.status().to_string());
  Result<jinja::Dict> vars = chat_variables(*tok, *request, a.generation_prompt);
  if (!vars.is_ok()) return fail(vars.status().with_context(a.messages).to_string());
  Result<std::string> prompt = tmpl->render(std::move(vars).value());
  if (!prompt.is_ok()) return fail(prompt.status().to_string());
  if (a.ids) {
    // The rendered prompt already holds BOS, so nothing is added here.
    Result<std::vector<int32_t>> ids = tok->encode(*prompt);
    if (!ids.is_ok()) return fail(ids.status().to_string());
    std::string line;
    for (size_t i = 0; i < ids->size(); ++i) line += (i ? "," : "") + std::to_string((*ids)[i]);
    std::printf("%s\n", line.c_str());
    return 0;
  }
  std::fwrite(prompt->data(), 1, prompt->size(), stdout);  // exact bytes, no newline added
  return 0;
}

}  // namespace

void add_template(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("template", "Render a conversation with the model's chat template");
  auto a = std::make_shared<TemplateArgs>();
  cmd->add_option("MODEL", a->dir, "Directory with tokenizer.json and tokenizer_config.json, or a .gguf file")->required();
  cmd->add_option("--messages", a->messages,
                  "JSON file: an array of messages, or an object with \"messages\" and other template variables (e.g. \"tools\")")
      ->required();
  cmd->add_flag("--generation-prompt", a->generation_prompt, "Set add_generation_prompt: end with the assistant's turn opener");
  cmd->add_option("--template", a->template_file, "Use this Jinja file instead of the model's chat template");
  cmd->add_flag("--ids", a->ids, "Print the token ids of the rendered prompt instead of its text");
  cmd->callback([=] { *run = [=] { return run_template(*a); }; });
}

}  // namespace seek::cli
