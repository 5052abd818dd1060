#include "cli/session.h"

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "tokenizer/gguf_tokenizer.h"

namespace seek::cli {

void add_model_options(CLI::App* cmd, ModelOptions* o) {
  cmd->add_option("MODEL", o->path, "Hugging Face model directory or .gguf file (default: the embedded default model)");
  cmd->add_option("--quant", o->quant, "Weight type at load: none (as stored), f32, bf16, q8_0, q4_0, q4_k, q6_k, q4_k_m");
  cmd->add_option("-t,--threads", o->threads, "Threads (default: one per CPU)")->check(CLI::Range(0, 1024));
  cmd->add_option("-c,--ctx", o->ctx, "Context length in tokens")->check(CLI::Range(int64_t{16}, int64_t{1} << 20));
  cmd->add_option("--cache-type", o->cache_type, "Latent KV cache rows: f32; bf16 (2x smaller); or q8_0 (3.8x smaller, logits within ~1%)");
}

void add_generate_options(CLI::App* cmd, GenerateOptions* o) {
  SamplingOptions& s = o->sampling;
  cmd->add_option("-n,--max-tokens", o->max_tokens, "Most tokens to generate")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--temp,--temperature", s.temperature, "Sampling temperature; 0 = greedy");
  cmd->add_option("--top-k", s.top_k, "Keep the k most likely tokens (0: off)");
  cmd->add_option("--top-p", s.top_p, "Nucleus sampling mass (1: off)");
  cmd->add_option("--min-p", s.min_p, "Drop tokens below min_p * p(best) (0: off)");
  cmd->add_option("--repeat-penalty", s.repetition_penalty, "Penalty for tokens already generated (1: off)");
  cmd->add_option("--presence-penalty", s.presence_penalty, "Subtracted from logits of tokens already generated");
  cmd->add_option("--frequency-penalty", s.frequency_penalty, "Subtracted per earlier occurrence");
  cmd->add_option("--seed", s.seed, "Random seed");
  cmd->add_option("--stop", o->stop, "Stop string (repeatable)");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Keep generating past the end-of-sequence token");
}

std::string default_model_dir() {
  if (const char* env = std::getenv("SEEK_DEFAULT_MODEL"); env != nullptr && *env != '\0') return env;
  return SEEK_DEFAULT_MODEL_DIR;
}

Result<Session> open_session(const ModelOptions& o) {
  SEEK_ASSIGN_OR_RETURN(QuantScheme quant, parse_quant_scheme(o.quant));
  Session s;
  SEEK_ASSIGN_OR_RETURN(s.cache, parse_cache_type(o.cache_type));
  const std::string path = o.path.empty() ? default_model_dir() : o.path;
  SEEK_ASSIGN_OR_RETURN(Model model, Model::load(path));
  s.model = std::make_shared<const Model>(std::move(model));
  SEEK_ASSIGN_OR_RETURN(s.tokenizer, load_model_tokenizer(path));
  SEEK_ASSIGN_OR_RETURN(s.engine, Engine::create(s.model, EngineOptions{quant, o.threads}));
  return s;
}

}  // namespace seek::cli
