// libFuzzer: arbitrary bytes as a GGUF file, then as a deepseek2 model's metadata. The reader
// must return a Status, never crash, read out of bounds or allocate without bound; what it
// accepts must lie inside the input.
#include <cstddef>
#include <cstdint>

#include "io/gguf.h"
#include "model/gguf_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seek::Result<seek::GgufFile> f = seek::GgufFile::parse({data, size}, "fuzz");
  if (!f.is_ok()) return 0;
  for (const seek::GgufTensorInfo& t : f->tensors()) {
    if (f->data_offset() + t.offset + t.nbytes > size) __builtin_trap();
  }
  for (const auto& [key, value] : f->metadata()) (void)value.describe();
  (void)seek::config_from_gguf(*f);
  return 0;
}
