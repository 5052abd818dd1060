// seek serve through OpenAI's official Node SDK (a client this project did not write).
//   node openai_test.mjs BASE_URL MODE API_KEY
// MODE "scripted": the server's fake model always answers
//   "Two and two.</think>\n\nThe answer is 4." under an R1-style template, so reasoning_content,
//   content, usage and errors are checked exactly.
// MODE "model": a real tiny random-weight model; checks the plumbing (shapes, usage, streamed
//   text equal to the non-streamed text under greedy decoding, prefix-cache hits).
// Prints one JSON line with what it saw; exits 1 with the reason on the first failed check.
import OpenAI from "openai";

const [baseURL, mode, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const seen = {};

function check(cond, what, detail) {
  if (!cond) {
    console.error(`openai_test (${mode}): ${what}` + (detail === undefined ? "" : `: ${JSON.stringify(detail)}`));
    process.exit(1);
  }
}

function checkUsage(u, what) {
  check(u && u.prompt_tokens > 0 && u.completion_tokens > 0, `${what}: usage counts`, u);
  check(u.total_tokens === u.prompt_tokens + u.completion_tokens, `${what}: total_tokens`, u);
  check(Number.isInteger(u.prompt_tokens_details?.cached_tokens), `${what}: prompt_tokens_details.cached_tokens`, u);
  check(Number.isInteger(u.completion_tokens_details?.reasoning_tokens), `${what}: completion_tokens_details.reasoning_tokens`, u);
}

async function expectError(promise, status, klass, what) {
  try {
    await promise;
  } catch (e) {
    check(e instanceof klass && e.status === status, `${what}: ${klass.name} ${status}`, { name: e.constructor.name, status: e.status });
    return e;
  }
  check(false, `${what}: expected an error`);
}

const question = [{ role: "user", content: "What is 2+2?" }];
const models = await client.models.list();
check(models.data.length === 1 && models.data[0].object === "model", "models.list", models.data);
const model = models.data[0].id;

// Non-streamed chat. The scripted answer is 33 tokens of the tiny byte-level tokenizer:
// max_tokens leaves it room to end with "stop". The real model runs to max_tokens instead.
const params = { model, messages: question, temperature: 0, max_tokens: mode === "model" ? 24 : 64 };
if (mode === "model") params.ignore_eos = true;  // vLLM's extension; the SDK passes it through
const full = await client.chat.completions.create(params);
const message = full.choices[0].message;
checkUsage(full.usage, "chat");
check(full.object === "chat.completion" && full.id.startsWith("chatcmpl-"), "chat: object/id", full);
seen.chat = { content: message.content, reasoning_content: message.reasoning_content, usage: full.usage };

// Streamed chat with usage.
const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
let content = "", reasoning = "", finish = null, usage = null, chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) continue;
  content += choice.delta.content ?? "";
  reasoning += choice.delta.reasoning_content ?? "";
  if (choice.finish_reason) finish = choice.finish_reason;
}
checkUsage(usage, "stream");
seen.stream = { content, reasoning_content: reasoning, finish_reason: finish, chunks };

// A follow-up turn reuses the latent cache of the shared prefix.
const followUp = await client.chat.completions.create({
  ...params,
  messages: [...question, { role: "assistant", content: message.content }, { role: "user", content: "And 3+3?" }],
});
seen.follow_up_cached_tokens = followUp.usage.prompt_tokens_details.cached_tokens;
check(seen.follow_up_cached_tokens > 0, "follow-up turn: cached_tokens", followUp.usage);

// Legacy completions.
const completion = await client.completions.create({ model, prompt: "Once upon a time", max_tokens: mode === "model" ? 8 : 64,
                                                     temperature: 0 });
check(completion.object === "text_completion" && typeof completion.choices[0].text === "string", "completions", completion);
checkUsage(completion.usage, "completions");
seen.completion = completion.choices[0].text;

// Errors arrive as the SDK's typed errors.
const notFound = await expectError(client.chat.completions.create({ ...params, model: "no-such-model" }), 404,
                                   OpenAI.NotFoundError, "unknown model");
const badTemp = await expectError(client.chat.completions.create({ ...params, temperature: 7 }), 400,
                                  OpenAI.BadRequestError, "temperature 7");
check(badTemp.param === "temperature", "400 names the field", { param: badTemp.param, message: badTemp.message });
await expectError(client.chat.completions.create({ ...params, messages: [] }), 400, OpenAI.BadRequestError, "empty messages");
const wrongKey = new OpenAI({ baseURL, apiKey: "wrong-" + apiKey, maxRetries: 0 });
await expectError(wrongKey.models.list(), 401, OpenAI.AuthenticationError, "wrong API key");
seen.errors = { not_found: notFound.message, bad_temperature: badTemp.message };

if (mode === "scripted") {
  check(message.content === "The answer is 4.", "chat content", message);
  check(message.reasoning_content === "Two and two.", "chat reasoning_content", message);
  check(full.choices[0].finish_reason === "stop", "chat finish_reason", full.choices[0]);
  check(full.usage.completion_tokens_details.reasoning_tokens > 0 &&
        full.usage.completion_tokens_details.reasoning_tokens < full.usage.completion_tokens, "reasoning_tokens", full.usage);
  check(content === "The answer is 4." && reasoning === "Two and two." && finish === "stop", "stream text", seen.stream);
  check(completion.choices[0].text === "Two and two.</think>\n\nThe answer is 4." && completion.choices[0].finish_reason === "stop",
        "completions text (no reasoning split)", completion.choices[0]);
} else {
  // Greedy decoding: the stream must spell exactly what the non-streamed answer said.
  check(content === (message.content ?? "") && reasoning === (message.reasoning_content ?? ""), "stream equals non-stream",
        { stream: seen.stream, chat: seen.chat });
  check(full.usage.completion_tokens === 24 && usage.completion_tokens === 24, "ignore_eos runs to max_tokens", [full.usage, usage]);
  check(full.choices[0].finish_reason === "length" && finish === "length", "finish_reason length");
}
console.log(JSON.stringify(seen));
