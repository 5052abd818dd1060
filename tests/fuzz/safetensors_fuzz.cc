// libFuzzer: arbitrary bytes as a safetensors file. The parser must return a Status, never
// crash, read out of bounds or allocate without bound.
#include <cstddef>
#include <cstdint>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seek::Result<seek::SafetensorsHeader> h = seek::parse_safetensors_header({data, size}, "fuzz");
  if (h.is_ok()) {
    // Every accepted entry must lie inside the input.
    for (const seek::SafetensorsEntry& e : h->tensors) {
      if (h->data_start + e.end > size) __builtin_trap();
    }
  }
  return 0;
}
