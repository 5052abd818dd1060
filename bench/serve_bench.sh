#!/usr/bin/env bash
# Load test of `seek serve` on loopback: starts the server on the tiny random-weight DeepSeek-V3
# model of tools/ref/make_tiny.py (with a byte-level tokenizer and an R1-style chat template
# written next to it), then runs serve_bench: CLIENTS concurrent streaming clients, REQUESTS
# chat completions of MAX_TOKENS tokens each (user messages of PROMPT_WORDS words), RUNS times.
# Two baselines come from the same run: before each run, as many requests sent one at a time to
# the same server (the throughput ratio), and after the runs the same CLIENTS against a server
# that decodes one request at a time (--parallel 1: what the clients would see without
# continuous batching). Results go to docs/benchmarks.md.
#   bench/serve_bench.sh [BUILD_DIR] [CLIENTS] [REQUESTS] [MAX_TOKENS] [RUNS] [PROMPT_WORDS] [-- seek serve options]
set -euo pipefail
build=${1:-build/release}
clients=${2:-32}
requests=${3:-320}
max_tokens=${4:-32}
runs=${5:-3}
prompt_words=${6:-16}
shift $(($# < 6 ? $# : 6))
[[ "${1:-}" == "--" ]] && shift
cd "$(dirname "$0")/.."
out="$build/bench_serve"
model="$out/v3-tiny"
/usr/bin/python3 tools/ref/make_tiny.py --out "$out" --only v3-tiny >/dev/null
# Byte-level BPE without merges: ids 0/1 are BOS/EOS, 2..257 the bytes (GPT-2's byte-to-unicode
# map), which the tiny model's 300-token vocabulary covers.
/usr/bin/python3 - "$model" <<'PY'
import json, sys
d = sys.argv[1]
printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
chars, n = {}, 0
for b in range(256):
    if b in printable: chars[b] = chr(b)
    else: chars[b] = chr(256 + n); n += 1
bos, eos = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [special(0, bos), special(1, eos)],
       "normalizer": None, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
       "post_processor": None, "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
       "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
                 "fuse_unk": False, "byte_fallback": False, "vocab": {chars[b]: b + 2 for b in range(256)}, "merges": []}}
template = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
            "{% else %}{{ '<｜Assistant｜>' + m['content'] + eos_token }}{% endif %}{% endfor %}"
            "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}")
config = {"add_bos_token": True, "add_eos_token": False, "bos_token": bos, "eos_token": eos,
          "tokenizer_class": "LlamaTokenizerFast", "chat_template": template}
json.dump(tok, open(d + "/tokenizer.json", "w"), ensure_ascii=False)
json.dump(config, open(d + "/tokenizer_config.json", "w"), ensure_ascii=False)
PY
log="$out/serve.log"
pid=""
trap '[[ -n "$pid" ]] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }' EXIT
# Starts seek serve decoding up to $1 requests together (more options in $@); sets pid and port.
start_server() {
  local parallel=$1
  shift
  "$build/src/cli/seek" serve "$model" --port 0 -t 1 --parallel "$parallel" --max-queue $((requests + 1)) "$@" 2>"$log" &
  pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 | cut -d: -f3 || true)
    [[ -n "$port" ]] && return
    sleep 0.1
  done
  cat "$log" >&2
  exit 1
}
stop_server() {
  kill "$pid"
  wait "$pid" || true
  pid=""
}
load=(--clients "$clients" --requests "$requests" --max-tokens "$max_tokens" --prompt-words "$prompt_words")
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== seek serve --parallel $clients $*: $clients clients, each run after its baseline of one request at a time"
start_server "$clients" "$@"
"$build/bench/serve_bench" --port "$port" "${load[@]}" --runs "$runs" --baseline-clients 1
stop_server
echo "== baseline: seek serve --parallel 1 $*: the same $clients clients, decoded one request at a time"
start_server 1 "$@"
"$build/bench/serve_bench" --port "$port" "${load[@]}"
stop_server
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
