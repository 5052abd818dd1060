// libFuzzer: arbitrary bytes as config.json. Parsing must end in a config or a Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/config.h"
#include "model/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  seek::Result<seek::ModelConfig> c = seek::parse_model_config(text, "fuzz");
  if (c.is_ok() && c->num_hidden_layers * c->n_routed_experts < 4096) {
    seek::count_params(*c);  // derived sizes must not overflow or divide by zero
  }
  return 0;
}
