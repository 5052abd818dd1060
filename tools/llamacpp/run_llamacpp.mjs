// llama.cpp (the prebuilt library in node-llama-cpp) as an independent reader of GGUF files:
//   node run_llamacpp.mjs MODEL.gguf --tokens 0,17,42 [--steps N] [--out OUT.json]
// Evaluates the token ids in one batch, asking llama.cpp at every position for its raw logits
// and for the next token its own sampler picks at temperature 0 (greedy); then generates
// --steps more tokens greedily, feeding back each pick. Writes JSON (to --out, or stdout):
//   {"llama_cpp": release, "node_llama_cpp": version, "tokens": [...],
//    "next": [sampler pick after each input token], "greedy": [generated ids],
//    "logits": [[V floats] after each input token, then after each generated token]}
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

function parseArgs(argv) {
  const args = {model: null, tokens: null, steps: 0, out: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--tokens") args.tokens = argv[++i].split(",").map((s) => Number.parseInt(s, 10));
    else if (a === "--steps") args.steps = Number.parseInt(argv[++i], 10);
    else if (a === "--out") args.out = argv[++i];
    else if (args.model === null) args.model = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.model || !args.tokens || args.tokens.some((t) => !Number.isInteger(t) || t < 0) || !(args.steps >= 0)) {
    throw new Error("usage: node run_llamacpp.mjs MODEL.gguf --tokens 0,17,42 [--steps N] [--out F.json]");
  }
  return args;
}

// The logits map holds every token of the vocabulary.
function dense(map) {
  const out = new Array(map.size).fill(null);
  for (const [token, value] of map) out[token] = value;
  return out;
}

const args = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(here, p), "utf8"));
// build: "never": only the prebuilt binary is used; nothing is compiled or downloaded.
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: args.model});
const context = await model.createContext({contextSize: 256, batchSize: 256, threads: 2, sequences: 1});
const sequence = context.getSequence();

const generateNext = {logits: true, token: true, options: {temperature: 0}};
const result = {
  llama_cpp: readJson("node_modules/node-llama-cpp/llama/binariesGithubRelease.json").release,
  node_llama_cpp: readJson("node_modules/node-llama-cpp/package.json").version,
  tokens: args.tokens, next: [], greedy: [], logits: [],
};
let out = await sequence.controlledEvaluate(args.tokens.map((t) => [t, {generateNext}]));
for (const item of out) {
  result.next.push(item.next.token);
  result.logits.push(dense(item.next.logits));
}
for (let step = 0; step < args.steps; ++step) {
  const token = out[out.length - 1].next.token;
  result.greedy.push(token);
  out = await sequence.controlledEvaluate([[token, {generateNext}]]);
  result.logits.push(dense(out[0].next.logits));
}
const text = JSON.stringify(result);
if (args.out) fs.writeFileSync(args.out, text);
else process.stdout.write(text + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
