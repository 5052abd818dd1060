// What the serve tests share: a byte-level tokenizer with an R1-style chat template (its
// generation prompt ends in "<think>\n", so answers start inside reasoning), scripts for the
// fake runner written as text, and a server on an ephemeral loopback port over either the
// fake runner or a real tiny golden model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "serve/server.h"
#include "tokenizer/tokenizer.h"

namespace seek::serve::testing {

// R1's shape: system text first, <｜User｜>/<｜Assistant｜> turns, reasoning removed from
// earlier answers, and a generation prompt that opens "<think>\n".
inline constexpr const char* kR1Template =
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}"
    "{% elif m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{% else %}{% set c = m['content'] %}{% if '</think>' in c %}{% set c = c.split('</think>')[-1] %}{% endif %}"
    "{{ '<｜Assistant｜>' + c + eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}";

// The vocabulary of the tiny golden models, which the fake runner shares.
inline constexpr int64_t kVocab = 300;

// A tokenizer written to `dir` (tokenizer.json + tokenizer_config.json) with `chat_template`.
Tokenizer make_tokenizer(const std::string& dir, const std::string& chat_template = kR1Template, int64_t vocab = kVocab);

// The ids of `text` (no BOS).
std::vector<int32_t> ids(const Tokenizer& t, const std::string& text);

// A running server on 127.0.0.1 and an ephemeral port.
// Members are destroyed server first, then what it runs on.
struct TestServer {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Runner> runner;
  std::unique_ptr<Server> server;
  int port = 0;
};

// Default options for tests: small limits, short timeouts, port 0.
ServeOptions test_options();

// A server whose model answers every request with `script` (then EOS).
TestServer start_fake_server(const Tokenizer& tokenizer, const std::string& script, ServeOptions o = test_options());

// A server over the tiny golden model `name` (testdata golden/<name>, vocabulary kVocab).
TestServer start_model_server(const std::string& name, const Tokenizer& tokenizer, ServeOptions o = test_options());

}  // namespace seek::serve::testing
