// libFuzzer: the chat-template engine on arbitrary template text. The input is the template;
// it is rendered against a fixed conversation with tight limits, and must end in text or a
// Status (no crash, hang, or unbounded memory).
#include <cstdint>
#include <string_view>

#include "tokenizer/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  seek::Result<seek::ChatTemplate> t = seek::ChatTemplate::parse(text, "fuzz");
  if (!t.is_ok()) return 0;
  static const seek::jinja::Value vars = seek::jinja::from_json(nlohmann::ordered_json::parse(R"({
    "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
    "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi <think>x</think> y"},
                 {"role": "assistant", "content": null, "tool_calls": [{"type": "function",
                  "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
                 {"role": "tool", "content": "42"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]})"));
  (void)t->render(vars.dict(), {.max_steps = 100000, .max_output_bytes = 1 << 20, .max_call_depth = 8});
  return 0;
}
