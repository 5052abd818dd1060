// seek logits MODEL_DIR --tokens ... --out F.npy: the reference forward pass, every position.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "io/npy.h"
#include "model/model.h"

namespace seek::cli {
namespace {

struct LogitsOptions {
  std::string dir;
  std::string tokens;
  std::string attn = "absorb";
  bool incremental = false;
  std::string out;
};

// "0,17,4242" -> ids. Rejects empty items, signs, non-digits and values past int32.
Result<std::vector<int32_t>> parse_token_list(const std::string& text) {
  std::vector<int32_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    if (item.empty() || item.size() > 10 || item.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(item) > INT32_MAX) {
      return Status::invalid_argument(fmt::format("--tokens: item {} \"{}\" is not a token id (expected e.g. 0,17,4242)",
                                                  ids.size(), item));
    }
    ids.push_back(static_cast<int32_t>(std::stoll(item)));
    start = end + 1;
  }
  return ids;
}

int run_logits(const LogitsOptions& o) {
  Result<std::vector<int32_t>> tokens = parse_token_list(o.tokens);
  if (!tokens.is_ok()) return fail(tokens.status().to_string());
  Result<Model> model = Model::load(o.dir);
  if (!model.is_ok()) return fail(model.status().to_string());
  const int64_t T = static_cast<int64_t>(tokens->size()), V = model->config.vocab_size;
  const AttentionMode mode = o.attn == "naive" ? AttentionMode::kNaive : AttentionMode::kAbsorbed;
  KvCache cache(model->config, mode, T);
  std::vector<float> logits(T * V);
  if (o.incremental) {
    for (int64_t t = 0; t < T; ++t) {
      Status s = model_forward(*model, std::span(tokens->data() + t, 1), &cache, &logits[t * V]);
      if (!s.is_ok()) return fail(s.to_string());
    }
  } else {
    Status s = model_forward(*model, *tokens, &cache, logits.data());
    if (!s.is_ok()) return fail(s.to_string());
  }
  Status s = write_npy(o.out, {T, V}, logits.data());
  if (!s.is_ok()) return fail(s.to_string());
  std::fprintf(stderr, "seek: wrote %s: logits (%lld, %lld), %s attention%s\n", o.out.c_str(), (long long)T,
               (long long)V, o.attn.c_str(), o.incremental ? ", one token at a time" : "");
  return 0;
}

}  // namespace

void add_logits(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("logits", "Write the logits at every position of a token sequence to a .npy file");
  auto o = std::make_shared<LogitsOptions>();
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory")->required();
  cmd->add_option("--tokens", o->tokens, "Comma-separated token ids, e.g. 0,17,4242")->required();
  cmd->add_option("--attn", o->attn, "MLA formulation: naive (per-head K/V) or absorb (latent cache)")
      ->check(CLI::IsMember({"naive", "absorb"}));
  cmd->add_flag("--incremental", o->incremental, "Feed one token at a time through the KV cache");
  cmd->add_option("--out", o->out, "Output .npy file: float32 (T, vocab)")->required();
  cmd->callback([=] { *run = [=] { return run_logits(*o); }; });
}

}  // namespace seek::cli
