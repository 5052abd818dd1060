// seek perplexity MODEL --file F: how well the model predicts a text, and how far a weight
// scheme (--quant) moves its predictions from a reference scheme (--reference, f32 by
// default): KL divergence and top-1 agreement, as llama-perplexity --kl-divergence reports.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/session.h"
#include "infer/quality.h"

namespace seek::cli {
namespace {

struct PerplexityCommand {
  ModelOptions model;
  std::string file;
  std::string reference = "f32";
  int64_t max_tokens = 0;
  bool json = false;
};

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(fmt::format("[perplexity] cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run_perplexity(const PerplexityCommand& c) {
  Result<Session> s = open_session(c.model);
  if (!s.is_ok()) return fail(s.status().to_string());
  Result<std::string> text = read_text(c.file);
  if (!text.is_ok()) return fail(text.status().to_string());
  Result<std::vector<int32_t>> ids = s->tokenizer.encode(*text);
  if (!ids.is_ok()) return fail(ids.status().to_string());
  if (c.max_tokens > 0 && static_cast<int64_t>(ids->size()) > c.max_tokens) ids->resize(c.max_tokens);

  std::unique_ptr<Engine> reference;
  if (c.reference != "none") {
    Result<QuantScheme> q = parse_quant_scheme(c.reference);
    if (!q.is_ok()) return fail(q.status().to_string());
    Result<std::unique_ptr<Engine>> e = Engine::create(s->model, EngineOptions{*q, c.model.threads});
    if (!e.is_ok()) return fail(e.status().to_string());
    reference = std::move(e).value();
  }
  Result<QualityReport> r = measure_quality(*s->engine, reference.get(), *ids, c.model.ctx, s->cache);
  if (!r.is_ok()) return fail(r.status().to_string());
  if (c.json) {
    std::printf("{\"quant\": \"%s\", \"cache_type\": \"%s\", \"reference\": \"%s\", \"tokens\": %lld, \"perplexity\": %.6f, \"ref_perplexity\": %.6f, "
                "\"mean_kl\": %.6g, \"p99_kl\": %.6g, \"top1_agreement\": %.6f}\n",
                c.model.quant.c_str(), std::string(cache_type_name(s->cache)).c_str(), c.reference.c_str(), (long long)r->scored, r->perplexity, r->ref_perplexity, r->mean_kl,
                r->p99_kl, r->top1_agreement);
    return 0;
  }
  std::printf("scored      %lld predictions in windows of %lld tokens\n", (long long)r->scored, (long long)c.model.ctx);
  std::printf("perplexity  %.4f (%s weights, %s cache)\n", r->perplexity, c.model.quant.c_str(),
              std::string(cache_type_name(s->cache)).c_str());
  if (reference) {
    std::printf("reference   %.4f (%s)\n", r->ref_perplexity, c.reference.c_str());
    std::printf("KL          mean %.6f, p99 %.6f nats\n", r->mean_kl, r->p99_kl);
    std::printf("top-1 same  %.2f%%\n", 100 * r->top1_agreement);
  }
  return 0;
}

}  // namespace

void add_perplexity(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a text, and KL divergence of --quant against a reference scheme");
  auto c = std::make_shared<PerplexityCommand>();
  add_model_options(cmd, &c->model);
  c->model.ctx = 512;
  cmd->add_option("-f,--file", c->file, "Text file to score")->required();
  cmd->add_option("--reference", c->reference, "Scheme the KL is measured against (none: perplexity only)")->capture_default_str();
  cmd->add_option("--max-tokens", c->max_tokens, "Score only the first N tokens of the file (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", c->json, "One JSON object instead of text");
  cmd->callback([=] { *run = [=] { return run_perplexity(*c); }; });
}

}  // namespace seek::cli
