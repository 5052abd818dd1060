// libFuzzer: arbitrary bytes as a GGUF file, then as a deepseek2 model's metadata and as its
// tokenizer (a small vocabulary is in the seed corpus, vocab.gguf). The reader
// must return a Status, never crash, read out of bounds or allocate without bound; what it
// accepts must lie inside the input.
#include <cstddef>
#include <cstdint>

#include "io/gguf.h"
#include "model/gguf_config.h"
#include "tokenizer/gguf_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seek::Result<seek::GgufFile> f = seek::GgufFile::parse({data, size}, "fuzz");
  if (!f.is_ok()) return 0;
  for (const seek::GgufTensorInfo& t : f->tensors()) {
    if (f->data_offset() + t.offset + t.nbytes > size) __builtin_trap();
  }
  for (const auto& [key, value] : f->metadata()) (void)value.describe();
  seek::Result<seek::Tokenizer> tok = seek::tokenizer_from_gguf(*f);
  if (tok.is_ok()) (void)tok->encode("Hello 123 <think>", {.add_special_tokens = true});
  seek::Result<seek::GgufParts> parts = seek::GgufParts::of(std::move(*f));
  if (parts.is_ok()) (void)seek::config_from_gguf(*parts);
  return 0;
}
