// The seek subcommands. Each add_* registers its options on `app` and, when the user picks
// it, sets *run to the function that executes it and returns the process exit code.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace seek::cli {

using RunFn = std::function<int()>;

void add_inspect(CLI::App& app, RunFn* run);
void add_logits(CLI::App& app, RunFn* run);
void add_generate(CLI::App& app, RunFn* run);
void add_chat(CLI::App& app, RunFn* run);
void add_bench(CLI::App& app, RunFn* run);
void add_perplexity(CLI::App& app, RunFn* run);
void add_tokenize(CLI::App& app, RunFn* run);
void add_template(CLI::App& app, RunFn* run);
void add_quantize(CLI::App& app, RunFn* run);
void add_serve(CLI::App& app, RunFn* run);
void add_train(CLI::App& app, RunFn* run);
void add_tokenizer(CLI::App& app, RunFn* run);
void add_rl(CLI::App& app, RunFn* run);
void add_r1zero(CLI::App& app, RunFn* run);
void add_sft(CLI::App& app, RunFn* run);  // also `seek distill`
void add_eval(CLI::App& app, RunFn* run);

// Prints "seek: error: ..." for a failed Status-like message and returns exit code 1.
int fail(const std::string& message);

}  // namespace seek::cli
