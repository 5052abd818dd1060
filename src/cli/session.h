// What the inference subcommands share: the options that pick a model and run it, the
// sampling options, and loading a model, its engine and its tokenizer together.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "infer/engine.h"
#include "infer/generate.h"
#include "tokenizer/tokenizer.h"

namespace CLI {
class App;
}

namespace seek::cli {

struct ModelOptions {
  std::string path;           // Hugging Face directory or .gguf file; empty: default_model_dir()
  std::string quant = "none"; // weight type at load (none: as stored)
  int threads = 0;
  int64_t ctx = 4096;         // context length of each sequence
  std::string cache_type = "f32";  // latent cache rows: f32, bf16 or q8_0
};

void add_model_options(CLI::App* cmd, ModelOptions* o);
void add_generate_options(CLI::App* cmd, GenerateOptions* o);

struct Session {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Engine> engine;
  Tokenizer tokenizer;
  CacheType cache = CacheType::kF32;  // for the sequences the command makes
};

// The model used when a command names none: $SEEK_DEFAULT_MODEL, else the R1-Zero model
// committed in the source tree (models/default, docs/rl.md).
std::string default_model_dir();

// Loads the model, prepares the engine and loads the tokenizer from the model directory.
Result<Session> open_session(const ModelOptions& o);

}  // namespace seek::cli
