#include "rl/prompt.h"

#include <fmt/format.h>

namespace seek::rl {

std::string r1_zero_prompt(std::string_view question) { return fmt::format("{} User: {}. Assistant:", kR1ZeroPreamble, question); }

std::string r1_zero_chat_template() {
  return fmt::format(
      "{{{{ bos_token }}}}{}{{% for m in messages %}}{{% if m['role'] == 'user' %}}{{{{ ' User: ' + m['content'] + '.' }}}}"
      "{{% elif m['role'] == 'assistant' %}}{{{{ ' Assistant: ' + m['content'] + eos_token }}}}{{% endif %}}{{% endfor %}}"
      "{{% if add_generation_prompt %}}{{{{ ' Assistant:' }}}}{{% endif %}}",
      kR1ZeroPreamble);
}

}  // namespace seek::rl
