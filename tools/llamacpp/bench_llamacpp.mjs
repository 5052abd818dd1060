// llama.cpp's prefill and decode speed on a GGUF file, measured like `seek bench`:
//   node bench_llamacpp.mjs MODEL.gguf [--threads 2] [--prompt 512] [--gen 128] [--repeats 3]
//                           [--flash-attention]
// Each repeat clears the KV cache, evaluates a prompt of random token ids (fixed seed, in range)
// as one batch (prefill), then decodes --gen tokens one at a time, each the greedy (temperature
// 0) pick after the previous one. Prints one JSON line: tok/s of every repeat and the best, the
// llama.cpp release and the ggml CPU backend variant it loaded.
//
// It drives node-llama-cpp's native context (LlamaContext._ctx, the AddonContext binding)
// directly: initBatch / addToBatch / decodeBatch / sampleToken are thin wrappers of
// llama_batch_init, llama_decode and llama_sampler_sample, so per token JS does a few calls and
// one await. The public LlamaContextSequence.evaluate adds a batching scheduler, token meters
// and generator plumbing per token that is not llama.cpp's.
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

function parseArgs(argv) {
  const args = {model: null, threads: 2, prompt: 512, gen: 128, repeats: 3, flashAttention: false};
  const int = (name, v) => {
    const n = Number.parseInt(v, 10);
    if (!Number.isInteger(n) || n < 1 || String(n) !== v) throw new Error(`${name}: expected a positive integer, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--threads") args.threads = int(a, argv[++i]);
    else if (a === "--prompt") args.prompt = int(a, argv[++i]);
    else if (a === "--gen") args.gen = int(a, argv[++i]);
    else if (a === "--repeats") args.repeats = int(a, argv[++i]);
    else if (a === "--flash-attention") args.flashAttention = true;
    else if (args.model === null && !a.startsWith("--")) args.model = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  if (!args.model) {
    throw new Error("usage: node bench_llamacpp.mjs MODEL.gguf [--threads 2] [--prompt 512] [--gen 128] [--repeats 3] [--flash-attention]");
  }
  return args;
}

// A fixed-seed LCG: every run feeds the same ids (which ids does not change the work done).
function randomTokens(n, vocab, seed = 7) {
  let state = seed >>> 0;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; ++i) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state % vocab;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(here, p), "utf8"));

// llama.cpp's own log at debug level names the CPU backend variant it picked
// ("load_backend: loaded CPU backend from .../libggml-cpu-<variant>.so") and what it repacks.
const log = [];
const llama = await getLlama({
  gpu: false, build: "never", maxThreads: args.threads,
  logLevel: LlamaLogLevel.debug, logger: (level, message) => log.push(message),
});
const model = await llama.loadModel({modelPath: args.model});
const vocab = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length;
if (!Number.isInteger(vocab) || vocab < 1) throw new Error(`${args.model}: no tokenizer.ggml.tokens to draw token ids from`);
const context = await model.createContext({
  contextSize: args.prompt + args.gen + 1, batchSize: args.prompt, threads: args.threads, sequences: 1,
  flashAttention: args.flashAttention,
});
const ctx = context._ctx;  // the AddonContext binding; see the header
ctx.setThreads(args.threads);
const sampler = new llama._bindings.AddonSampler(model._model);
sampler.applyConfig({temperature: 0});  // greedy, as seek bench's argmax

const prompt = randomTokens(args.prompt, vocab);
const runs = [];
for (let r = 0; r < args.repeats; ++r) {
  ctx.removeTokenCellsFromSequence(0, 0, -1);  // empty KV cache: every repeat starts at position 0
  const t0 = performance.now();
  ctx.initBatch(args.prompt);
  let [logitIndex] = ctx.addToBatch(0, 0, prompt, Uint32Array.of(args.prompt - 1));
  await ctx.decodeBatch();
  const prefillMs = performance.now() - t0;

  const t1 = performance.now();
  for (let g = 0; g < args.gen; ++g) {
    const token = await ctx.sampleToken(logitIndex, sampler);
    if (token < 0) throw new Error(`llama.cpp's sampler returned ${token} at decode step ${g}`);
    ctx.initBatch(1);
    [logitIndex] = ctx.addToBatch(0, args.prompt + g, Uint32Array.of(token), Uint32Array.of(0));
    await ctx.decodeBatch();
  }
  const decodeMs = performance.now() - t1;
  runs.push({prefill_tps: args.prompt / (prefillMs / 1000), decode_tps: args.gen / (decodeMs / 1000)});
}

const backend = log.map((m) => /loaded CPU backend from \S*libggml-cpu-([\w-]+)\.so/.exec(m)).find(Boolean);
const cpuFeatures = log.map((m) => /^(?:system_info: )?.*CPU : (.*)$/m.exec(m)).find(Boolean);
// Where the weights went: "CPU_Mapped", "AMX", "CPU_REPACK" model buffers (AMX and REPACK hold
// the matrices llama.cpp re-lays out for its AMX / AVX-512 kernels at load).
const buffers = log.map((m) => /(\S+) model buffer size =\s*([\d.]+) MiB/.exec(m)).filter(Boolean).map((m) => `${m[1]} ${m[2]} MiB`);
const best = (key) => Math.max(...runs.map((x) => x[key]));
process.stdout.write(JSON.stringify({
  engine: "llama.cpp", llama_cpp: readJson("node_modules/node-llama-cpp/llama/binariesGithubRelease.json").release,
  node_llama_cpp: readJson("node_modules/node-llama-cpp/package.json").version,
  model: args.model, threads: ctx.getThreads(), flash_attention: args.flashAttention,
  cpu_backend: backend ? backend[1] : "unknown", cpu_features: cpuFeatures ? cpuFeatures[1].trim() : llama.systemInfo,
  weight_buffers: buffers,
  prefill_tokens: args.prompt, decode_tokens: args.gen,
  prefill_tps: best("prefill_tps"), decode_tps: best("decode_tps"), runs,
}) + "\n");
sampler.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
