// A synthetic byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) with exactly
// `vocab_size` ids, for tiny test models that ship none: id 0 <｜begin▁of▁sentence｜>, id 1
// <｜end▁of▁sentence｜>, ids 2..257 the 256 byte tokens (GPT-2's byte-to-unicode map), the rest
// merges of letter pairs. The pre-tokenizer is DeepSeek-V3's, so GGUF export names it
// "deepseek-v3" and llama.cpp loads it as that.
#pragma once

#include <cstdint>
#include <string>

namespace seek::testing {

// Writes DIR/tokenizer.json and DIR/tokenizer_config.json (with a small chat template).
void write_tiny_tokenizer(const std::string& dir, int64_t vocab_size);

inline constexpr const char* kTinyChatTemplate =
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{% else %}{{ '<｜Assistant｜>' + m['content'] + eos_token }}{% endif %}{% endfor %}";

}  // namespace seek::testing
