#include "cli/app.h"

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace seek::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "seek: error: %s\n", message.c_str());
  return 1;
}

int seek_main(int argc, char** argv) {
  CLI::App app{"seek: DeepSeek-V3-architecture models on commodity CPUs", "seek"};
  app.require_subcommand(1);
  RunFn run;
  add_inspect(app, &run);
  add_logits(app, &run);
  add_generate(app, &run);
  add_chat(app, &run);
  add_bench(app, &run);
  add_perplexity(app, &run);
  add_tokenize(app, &run);
  add_template(app, &run);
  add_quantize(app, &run);
  add_serve(app, &run);
  add_train(app, &run);
  add_tokenizer(app, &run);
  add_rl(app, &run);
  add_r1zero(app, &run);
  add_sft(app, &run);
  add_eval(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return run ? run() : 2;
}

}  // namespace seek::cli
