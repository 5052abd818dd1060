// tokenizer_bench MODEL_DIR TEXT_FILE: single-thread encode throughput of seek's tokenizer, the
// best of 3 passes over the whole file (the first pass also fills the piece cache, as the
// JavaScript references' caches fill on theirs). bench/tokenizer_bench.sh runs it next to the
// JavaScript references on the same text.
#include <chrono>
#include <cstdio>

#include "base/mmap_file.h"
#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tokenizer_bench MODEL_DIR TEXT_FILE\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  seek::Result<seek::Tokenizer> tok = seek::Tokenizer::load(argv[1]);
  if (!tok.is_ok()) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", tok.status().to_string().c_str());
    return 1;
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  seek::Result<std::string> text = seek::read_text_file(argv[2], size_t{1} << 30);
  if (!text.is_ok()) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", text.status().to_string().c_str());
    return 1;
  }
  double best = 1e30, first = 0;
  size_t ids = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const auto start = Clock::now();
    seek::Result<std::vector<int32_t>> r = tok->encode(*text);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!r.is_ok()) {
      std::fprintf(stderr, "tokenizer_bench: %s\n", r.status().to_string().c_str());
      return 1;
    }
    ids = r->size();
    if (pass == 0) first = s;
    best = std::min(best, s);
  }
  const double mb = text->size() / 1e6;
  std::printf("seek (C++, PCRE2 JIT): %.2f MB/s (%.1f MB in %.2f s, %zu ids; first pass %.2f MB/s; load %.2f s)\n",
              mb / best, mb, best, ids, mb / first, load_s);
  return 0;
}
