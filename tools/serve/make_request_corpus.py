#!/usr/bin/env python3
"""Writes the HTTP request corpus of seek serve: tests/fuzz/corpus/serve_request/*.http.

Each file is one raw HTTP/1.1 request; its name starts with the status the server must
answer (tests/serve/corpus_test.cc sends every file and checks that status and the shape of
the error body). The same files seed the libFuzzer harness tests/fuzz/serve_request_fuzz.cc.

    python3 tools/serve/make_request_corpus.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "fuzz", "corpus", "serve_request")

MSGS = [{"role": "user", "content": "What is 2+2?"}]


def req(method, path, body=b"", headers=(), content_length=None):
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if body or method == "POST":
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chat(**fields):
    return json.dumps({"messages": MSGS, **fields})


CASES = {
    # Well-formed requests.
    "200_chat": req("POST", "/v1/chat/completions", chat(max_tokens=4)),
    "200_chat_stream_usage": req("POST", "/v1/chat/completions",
                                 chat(max_tokens=4, stream=True, stream_options={"include_usage": True})),
    "200_chat_no_v1": req("POST", "/chat/completions", chat(max_tokens=2)),
    "200_chat_all_fields": req("POST", "/v1/chat/completions", chat(
        model="tiny", max_tokens=3, temperature=0.7, top_p=0.9, seed=7, stop=["\n\n", "END"],
        presence_penalty=0.5, frequency_penalty=0.1, n=1, user="u", stream=False, tools=None)),
    "200_chat_parts_and_roles": req("POST", "/v1/chat/completions", json.dumps({"max_tokens": 2, "messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": "hello", "reasoning_content": "ignored"},
        {"role": "user", "content": "again"}]})),
    "200_completion": req("POST", "/v1/completions", json.dumps({"prompt": "Once upon", "max_tokens": 3})),
    "200_completion_ids": req("POST", "/v1/completions", json.dumps({"prompt": [0, 5, 6], "max_tokens": 2, "stream": True})),
    "200_tokenize": req("POST", "/tokenize", json.dumps({"content": "hello", "with_pieces": True})),
    "200_detokenize": req("POST", "/detokenize", json.dumps({"tokens": [72, 101]})),
    "200_models": req("GET", "/v1/models"),
    "200_health": req("GET", "/health"),
    "200_metrics": req("GET", "/metrics"),
    "200_page": req("GET", "/"),
    # Malformed bodies.
    "400_not_json": req("POST", "/v1/chat/completions", '{"messages": [}'),
    "400_truncated_json": req("POST", "/v1/chat/completions", '{"messages": [{"role": "user", "content": "hi'),
    "400_empty_body": req("POST", "/v1/chat/completions", ""),
    "400_body_is_array": req("POST", "/v1/chat/completions", "[1, 2, 3]"),
    "400_invalid_utf8": req("POST", "/v1/chat/completions",
                            b'{"messages": [{"role": "user", "content": "\xc3\x28 \xff"}]}'),
    "400_overlong_utf8": req("POST", "/v1/chat/completions",
                             b'{"messages": [{"role": "user", "content": "\xc0\xaf"}]}'),
    "400_lone_surrogate": req("POST", "/v1/chat/completions", '{"messages": [{"role": "user", "content": "\\udc00"}]}'),
    "400_duplicate_key": req("POST", "/v1/chat/completions", '{"messages": [], "messages": []}'),
    "400_deep_nesting": req("POST", "/v1/chat/completions", "[" * 3000 + "]" * 3000),
    "400_missing_messages": req("POST", "/v1/chat/completions", json.dumps({"model": "tiny"})),
    "400_empty_messages": req("POST", "/v1/chat/completions", json.dumps({"messages": []})),
    "400_messages_not_array": req("POST", "/v1/chat/completions", json.dumps({"messages": {"role": "user"}})),
    "400_message_not_object": req("POST", "/v1/chat/completions", json.dumps({"messages": ["hi"]})),
    "400_bad_role": req("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "root", "content": "x"}]})),
    "400_missing_content": req("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user"}]})),
    "400_image_part": req("POST", "/v1/chat/completions", json.dumps({"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})),
    "400_temperature_string": req("POST", "/v1/chat/completions", chat(temperature="hot")),
    "400_temperature_range": req("POST", "/v1/chat/completions", chat(temperature=9)),
    "400_max_tokens_zero": req("POST", "/v1/chat/completions", chat(max_tokens=0)),
    "400_max_tokens_float": req("POST", "/v1/chat/completions", chat(max_tokens=2.5)),
    "400_max_tokens_huge": req("POST", "/v1/chat/completions", chat(max_tokens=10**30)),
    "400_max_tokens_past_context": req("POST", "/v1/chat/completions", chat(max_tokens=100000)),
    "400_top_p_zero": req("POST", "/v1/chat/completions", chat(top_p=0)),
    "400_stop_empty": req("POST", "/v1/chat/completions", chat(stop=[""])),
    "400_stop_many": req("POST", "/v1/chat/completions", chat(stop=[str(i) for i in range(17)])),
    "400_stream_options_without_stream": req("POST", "/v1/chat/completions", chat(stream_options={"include_usage": True})),
    "400_n_two": req("POST", "/v1/chat/completions", chat(n=2)),
    "400_logprobs": req("POST", "/v1/chat/completions", chat(logprobs=True)),
    "400_tools": req("POST", "/v1/chat/completions", chat(tools=[{"type": "function", "function": {"name": "f"}}])),
    "400_json_mode": req("POST", "/v1/chat/completions", chat(response_format={"type": "json_object"})),
    "400_completion_no_prompt": req("POST", "/v1/completions", json.dumps({"max_tokens": 2})),
    "400_completion_bad_ids": req("POST", "/v1/completions", json.dumps({"prompt": [1, -5]})),
    "400_completion_id_past_vocab": req("POST", "/v1/completions", json.dumps({"prompt": [1, 100000]})),
    "400_completion_context": req("POST", "/v1/completions", json.dumps({"prompt": "w " * 600})),
    "400_tokenize_no_content": req("POST", "/tokenize", json.dumps({"text": "x"})),
    "400_detokenize_bad_id": req("POST", "/detokenize", json.dumps({"tokens": [99999]})),
    # Wrong endpoints, methods, models.
    "404_unknown_path": req("GET", "/v1/engines"),
    "404_unknown_model": req("POST", "/v1/chat/completions", chat(model="gpt-4o")),
    "404_unknown_model_get": req("GET", "/v1/models/gpt-4o"),
    "405_get_chat": req("GET", "/v1/chat/completions"),
    "405_post_health": req("POST", "/health", "{}"),
    "405_delete_models": req("DELETE", "/v1/models"),
    # Malformed HTTP.
    "400_bad_request_line": b"\x01\x02\x03 garbage\r\n\r\n",
    "400_bad_version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "400_bad_content_length": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n{}",
    "400_bad_chunk": (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz\r\n{}\r\n0\r\n\r\n"),
    "400_header_without_colon": b"GET /health HTTP/1.1\r\nHost x\r\n\r\n",
    "413_declared_body_too_large": req("POST", "/v1/chat/completions", chat(), content_length=100 * 1024 * 1024),
    "413_chunked_body_too_large": (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                   b"Transfer-Encoding: chunked\r\n\r\n" +
                                   b"".join(b"1000\r\n" + b"x" * 4096 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"),
    "431_huge_header": req("GET", "/health", headers=["X-Padding: " + "p" * 20000]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    for name, data in CASES.items():
        with open(os.path.join(OUT, name + ".http"), "wb") as f:
            f.write(data)
    print(f"wrote {len(CASES)} requests to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
