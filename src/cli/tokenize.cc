// seek tokenize MODEL_DIR (--text S | --file F) [--decode]: the model's tokenizer on the
// command line, as llama-tokenize and HF's tokenizer(text) behave: BOS is added when the
// tokenizer config asks for it, special-token text is matched, ids are printed on one line.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "base/mmap_file.h"
#include "cli/commands.h"
#include "io/json.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace seek::cli {
namespace {

struct TokenizeArgs {
  std::string dir, text, file;
  bool decode = false, json = false, no_bos = false, split_special = false, skip_special = false;
};

// "1, 2 3,4" -> {1, 2, 3, 4}; anything but digits, commas and whitespace is an error.
Result<std::vector<int32_t>> parse_ids(const std::string& s) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j - i > 9) {
      return Status::invalid_argument(fmt::format("[tokenize] --decode input at byte {}: expected a token id (0..999999999), "
                                                  "found '{}'", i, s.substr(i, std::min<size_t>(16, s.size() - i))));
    }
    ids.push_back(std::stoi(s.substr(i, j - i)));
    i = j;
  }
  return ids;
}

int run_tokenize(const TokenizeArgs& a) {
  std::string input = a.text;
  if (!a.file.empty()) {
    Result<std::string> f = read_text_file(a.file, size_t{1} << 30);
    if (!f.is_ok()) return fail(f.status().to_string());
    input = std::move(f).value();
  }
  Result<Tokenizer> tok = load_model_tokenizer(a.dir);
  if (!tok.is_ok()) return fail(tok.status().to_string());

  if (a.decode) {
    Result<std::vector<int32_t>> ids = parse_ids(input);
    if (!ids.is_ok()) return fail(ids.status().to_string());
    Result<std::string> text = tok->decode(*ids, {.skip_special_tokens = a.skip_special});
    if (!text.is_ok()) return fail(text.status().to_string());
    if (a.json) {
      std::printf("%s\n", Json(utf8::sanitize(*text)).dump().c_str());
    } else {
      std::fwrite(text->data(), 1, text->size(), stdout);  // the exact bytes, no newline added
    }
    return 0;
  }

  Result<std::vector<int32_t>> ids =
      tok->encode(input, {.add_special_tokens = !a.no_bos, .split_special_tokens = a.split_special});
  if (!ids.is_ok()) return fail(ids.status().to_string());
  if (a.json) {
    Json pieces = Json::array();
    for (int32_t id : *ids) pieces.push_back(utf8::sanitize(tok->token_bytes(id)));
    std::printf("%s\n", Json{{"ids", *ids}, {"pieces", pieces}}.dump().c_str());
    return 0;
  }
  std::string line;
  for (size_t i = 0; i < ids->size(); ++i) line += (i ? "," : "") + std::to_string((*ids)[i]);
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

void add_tokenize(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("tokenize", "Encode text to token ids, or decode ids to text, with the model's tokenizer");
  auto a = std::make_shared<TokenizeArgs>();
  cmd->add_option("MODEL", a->dir, "Directory with tokenizer.json (and tokenizer_config.json), or a .gguf file")->required();
  auto* text = cmd->add_option("--text", a->text, "Text to encode (or ids to decode)");
  auto* file = cmd->add_option("--file", a->file, "Read the text (or ids) from this file, byte for byte");
  text->excludes(file);
  file->excludes(text);
  cmd->add_flag("--decode", a->decode, "Input is ids (comma or space separated); print the text they stand for");
  cmd->add_flag("--json", a->json, "Print JSON: {\"ids\": [...], \"pieces\": [...]}, or the decoded text as a JSON string");
  cmd->add_flag("--no-bos", a->no_bos, "Do not add the BOS/EOS tokens the tokenizer config asks for");
  cmd->add_flag("--split-special", a->split_special, "Encode special-token text like <｜User｜> as plain text");
  cmd->add_flag("--skip-special", a->skip_special, "With --decode: leave special tokens out of the text");
  cmd->callback([=] {
    if (text->count() == 0 && file->count() == 0) throw CLI::RequiredError("--text or --file");
    *run = [=] { return run_tokenize(*a); };
  });
}

}  // namespace seek::cli
