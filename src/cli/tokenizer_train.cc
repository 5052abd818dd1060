// seek tokenizer train FILES... --vocab-size N --out DIR: learn a byte-level BPE tokenizer
// (tokenizer/bpe_trainer.h) from text or JSONL files (train/documents.h) and write
// DIR/tokenizer.json + DIR/tokenizer_config.json, which `seek tokenize`, `seek train` and
// Hugging Face load.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "tokenizer/bpe_trainer.h"
#include "train/documents.h"

namespace seek::cli {
namespace {

struct TokenizerTrainArgs {
  std::vector<std::string> files;
  std::string out, separator;
  std::vector<std::string> specials;
  DocumentOptions documents;
  BpeTrainerOptions bpe;
};

// "\n%\n" typed on a command line arrives as backslash, n, ...: turn \n, \t, \r and \\ into bytes.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
  }
  return out;
}

int run_tokenizer_train(TokenizerTrainArgs a) {
  const auto t0 = std::chrono::steady_clock::now();
  a.documents.separator = unescape(a.separator);
  if (!a.specials.empty()) a.bpe.special_tokens = a.specials;
  Result<BpeTrainer> trainer = BpeTrainer::create(a.bpe);
  if (!trainer.is_ok()) return fail(trainer.status().to_string());
  int64_t documents = 0;
  for (const std::string& f : a.files) {
    Status s = for_each_document(f, a.documents, [&](std::string_view doc) {
      ++documents;
      return trainer->add_text(doc);
    });
    if (!s.is_ok()) return fail(s.to_string());
  }
  Result<BpeVocab> v = trainer->train();
  if (!v.is_ok()) return fail(v.status().to_string());
  if (Status s = write_tokenizer_files(a.out, *v); !s.is_ok()) return fail(s.to_string());
  std::printf("tokenizer: %lld ids (%zu special, 256 bytes, %zu merges) from %lld documents, %.1f MB, in %.1fs -> %s\n",
              (long long)v->size(), v->special_tokens.size(), v->merges.size(), (long long)documents,
              trainer->bytes_seen() / 1e6, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              a.out.c_str());
  if (v->size() < a.bpe.vocab_size) {
    std::printf("note: no pair occurs %lld times any more, so the vocabulary has %lld ids, not %lld; "
                "give more text or lower --min-frequency\n",
                (long long)a.bpe.min_frequency, (long long)v->size(), (long long)a.bpe.vocab_size);
  }
  return 0;
}

}  // namespace

void add_tokenizer(CLI::App& app, RunFn* run) {
  auto* group = app.add_subcommand("tokenizer", "Tokenizer tools");
  group->require_subcommand(1);
  auto* cmd = group->add_subcommand("train", "Learn a byte-level BPE tokenizer from text or JSONL files");
  auto a = std::make_shared<TokenizerTrainArgs>();
  cmd->add_option("FILES", a->files, "Text files (one document each, or split by --separator) or .jsonl files")->required();
  cmd->add_option("--out", a->out, "Folder for tokenizer.json and tokenizer_config.json")->required();
  cmd->add_option("--vocab-size", a->bpe.vocab_size, "Total ids: special tokens + 256 bytes + merges")
      ->capture_default_str();
  cmd->add_option("--min-frequency", a->bpe.min_frequency, "Never merge a pair seen fewer times")->capture_default_str();
  cmd->add_option("--jsonl-key", a->documents.jsonl_key, "The string field of each JSONL line that holds the text")
      ->capture_default_str();
  cmd->add_option("--separator", a->separator, "Split text files into documents at this string (\\n, \\t understood)");
  cmd->add_option("--special", a->specials,
                  "Special tokens, ids 0.. in order (first BOS, second EOS); default: DeepSeek's BOS, EOS, <｜User｜>, "
                  "<｜Assistant｜>");
  cmd->callback([=] { *run = [=] { return run_tokenizer_train(*a); }; });
}

}  // namespace seek::cli
