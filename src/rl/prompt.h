// The R1-Zero prompt template (DeepSeek-R1 paper, Table 1), word for word, and the chat
// template that renders the same text from messages, so `seek chat` on an R1-Zero model
// shows it exactly the prompts it was trained on.
#pragma once

#include <string>
#include <string_view>

namespace seek::rl {

inline constexpr std::string_view kR1ZeroPreamble =
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The "
    "assistant first thinks about the reasoning process in the mind and then provides the user with the answer. "
    "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
    "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>.";

// "<preamble> User: {question}. Assistant:" (the model continues with " <think>").
std::string r1_zero_prompt(std::string_view question);

// A Jinja chat template producing r1_zero_prompt for one user message (BOS first), with
// " Assistant: {content}" + EOS for assistant turns and " User: {content}." for user turns.
std::string r1_zero_chat_template();

}  // namespace seek::rl
