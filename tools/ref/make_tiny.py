#!/usr/bin/env python3
"""Write tiny random-weight DeepSeek-V2/V3 checkpoints in exact Hugging Face layout.

    python3 tools/ref/make_tiny.py --out DIR [--only NAME]

Creates DIR/NAME/{config.json, *.safetensors [, model.safetensors.index.json],
tokens.txt} for NAME in v3-tiny, v3-tiny-fp8, v2-lite-tiny, v2-tiny, v3-tiny-k.

NUMPY ONLY (no torch): this must run on machines that only have python3-numpy.

Determinism: random numbers come from a counter-based splitmix64 generator
implemented with numpy integer arithmetic, keyed by (model seed, tensor name).
"Normal" samples are Irwin-Hall sums of 12 uniforms minus 6 (mean 0,
variance 1, bounded to +-6).  Everything is exact integer or IEEE float64
arithmetic in a fixed order, so the output bytes do not depend on the numpy
version or platform.
"""

import argparse
import copy
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np as st  # noqa: E402  (numpy only)

MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------------------
# Deterministic random numbers
# ---------------------------------------------------------------------------

def _key(seed, name):
    h = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(h[:8], "little")


def _splitmix64(key, n):
    """n pseudo-random uint64 values: splitmix64 of key + (i+1)*golden."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(key) + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def uniform(seed, name, shape):
    """Uniform [0, 1) float64 with 53 random bits (exact)."""
    n = int(np.prod(shape)) if shape else 1
    z = _splitmix64(_key(seed, name), n)
    return ((z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)).reshape(shape)


def randn(seed, name, shape):
    """Approximately standard-normal float64: sum of 12 uniforms - 6."""
    n = int(np.prod(shape)) if shape else 1
    u = uniform(seed, name, (n, 12))
    acc = np.zeros(n, dtype=np.float64)
    for j in range(12):  # fixed summation order
        acc = acc + u[:, j]
    return (acc - 6.0).reshape(shape)


# ---------------------------------------------------------------------------
# Model definitions
# ---------------------------------------------------------------------------

COMMON = {
    "attention_bias": False,
    "attention_dropout": 0.0,
    "aux_loss_alpha": 0.001,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "ep_size": 1,
    "hidden_act": "silu",
    "hidden_size": 64,
    "initializer_range": 0.02,
    "kv_lora_rank": 32,
    "max_position_embeddings": 2048,
    "moe_layer_freq": 1,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "pretraining_tp": 1,
    "qk_nope_head_dim": 16,
    "qk_rope_head_dim": 8,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "seq_aux": True,
    "transformers_version": "4.33.1",
    "use_cache": True,
}

V3 = dict(COMMON, **{
    "architectures": ["DeepseekV3ForCausalLM"],
    "model_type": "deepseek_v3",
    "num_hidden_layers": 3,
    "first_k_dense_replace": 1,
    "q_lora_rank": 48,
    "v_head_dim": 16,
    "vocab_size": 300,
    "intermediate_size": 160,
    "moe_intermediate_size": 24,
    "n_routed_experts": 8,
    "n_shared_experts": 1,
    "num_experts_per_tok": 2,
    "n_group": 4,
    "topk_group": 2,
    "topk_method": "noaux_tc",
    "scoring_func": "sigmoid",
    "norm_topk_prob": True,
    "routed_scaling_factor": 2.5,
    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                     "beta_fast": 32, "beta_slow": 1, "mscale": 0.9, "mscale_all_dim": 0.8},
    "num_nextn_predict_layers": 1,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
})

V3_FP8 = dict(copy.deepcopy(V3), quantization_config={
    "activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
    "weight_block_size": [128, 128]})

V2_LITE = dict(COMMON, **{
    "architectures": ["DeepseekV2ForCausalLM"],
    "model_type": "deepseek_v2",
    "num_hidden_layers": 3,
    "first_k_dense_replace": 1,
    "q_lora_rank": None,
    "v_head_dim": 24,
    "vocab_size": 320,
    "intermediate_size": 96,
    "moe_intermediate_size": 20,
    "n_routed_experts": 8,
    "n_shared_experts": 2,
    "num_experts_per_tok": 3,
    "n_group": 1,
    "topk_group": 1,
    "topk_method": "greedy",
    "scoring_func": "softmax",
    "norm_topk_prob": False,
    "routed_scaling_factor": 1.0,
    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                     "beta_fast": 32, "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
})

V2 = dict(COMMON, **{
    "architectures": ["DeepseekV2ForCausalLM"],
    "model_type": "deepseek_v2",
    "num_hidden_layers": 4,
    "first_k_dense_replace": 1,
    "moe_layer_freq": 2,
    "q_lora_rank": 40,
    "v_head_dim": 16,
    "vocab_size": 310,
    "intermediate_size": 112,
    "moe_intermediate_size": 16,
    "n_routed_experts": 8,
    "n_shared_experts": 1,
    "num_experts_per_tok": 2,
    "n_group": 4,
    "topk_group": 2,
    "topk_method": "group_limited_greedy",
    "scoring_func": "softmax",
    "norm_topk_prob": True,
    "routed_scaling_factor": 2.0,
    "rope_scaling": None,
    "tie_word_embeddings": True,
    "torch_dtype": "float16",
})

# V3 layout with widths that are whole 256-blocks (so GGUF K-quants apply to most tensors) and
# the YaRN mscale == mscale_all_dim of the released V3/R1, which is what llama.cpp's deepseek2
# implements: the model for checking `seek quantize` output in llama.cpp (tests/model/llamacpp_test.cc).
V3_K = dict(copy.deepcopy(V3), **{
    "hidden_size": 256,
    "q_lora_rank": 256,
    "kv_lora_rank": 256,
    "qk_nope_head_dim": 32,
    "qk_rope_head_dim": 16,
    "v_head_dim": 32,
    "intermediate_size": 512,
    "moe_intermediate_size": 256,
    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                     "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
})

BASE_TOKENS = [0, 17, 42, 299, 5, 5, 123, 64, 250, 1, 77, 3, 200]

# name -> (config, seed, storage policy)
#   policy "bf16":  everything BF16, e_score_correction_bias F32
#   policy "fp8":   as bf16, but attention/MLP/expert *_proj weights are F8_E4M3
#                   with 128x128 weight_scale_inv; written as 3 shards
#   policy "f16":   linear weights F16, norms and embedding F32
MODELS = {
    "v3-tiny": (V3, 1001, "bf16"),
    "v3-tiny-fp8": (V3_FP8, 1002, "fp8"),
    "v2-lite-tiny": (V2_LITE, 1003, "bf16"),
    "v2-tiny": (V2, 1004, "f16"),
    "v3-tiny-k": (V3_K, 1005, "bf16"),
}


def is_moe_layer(cfg, i):
    return bool(cfg.get("n_routed_experts")) and i >= cfg["first_k_dense_replace"] \
        and i % cfg["moe_layer_freq"] == 0


def tokens_for(cfg):
    """13 fixed ids; the 299 slot becomes vocab-1 so the last row is exercised."""
    v = cfg["vocab_size"]
    toks = [v - 1 if t == 299 else t for t in BASE_TOKENS]
    assert all(0 <= t < v for t in toks)
    return toks


# ---------------------------------------------------------------------------
# Float weights (float64, before storage conversion)
# ---------------------------------------------------------------------------

class Builder:
    def __init__(self, seed):
        self.seed = seed
        self.w = {}     # name -> float64 array
        self.kind = {}  # name -> "norm" | "linear" | "proj" | "embed" | "gate" | "bias"

    def norm(self, name, n):
        self.w[name] = 1.0 + 0.1 * randn(self.seed, name, (n,))
        self.kind[name] = "norm"

    def linear(self, name, out, inn, kind="linear", gain=1.0):
        self.w[name] = randn(self.seed, name, (out, inn)) * (gain / np.sqrt(inn))
        self.kind[name] = kind

    def proj(self, name, out, inn):
        """A projection that is FP8-quantized in the fp8 model."""
        self.linear(name, out, inn, kind="proj")

    def embed(self, name, v, d):
        self.w[name] = randn(self.seed, name, (v, d))
        self.kind[name] = "embed"

    def bias(self, name, n):
        self.w[name] = (uniform(self.seed, name, (n,)) * 2.0 - 1.0) * 0.2
        self.kind[name] = "bias"


def add_mlp(b, p, d, inter):
    b.proj(p + "gate_proj.weight", inter, d)
    b.proj(p + "up_proj.weight", inter, d)
    b.proj(p + "down_proj.weight", d, inter)


def add_decoder_layer(b, cfg, i):
    d, h = cfg["hidden_size"], cfg["num_attention_heads"]
    dn, dr, dv = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    rkv, rq = cfg["kv_lora_rank"], cfg["q_lora_rank"]
    p = f"model.layers.{i}."
    b.norm(p + "input_layernorm.weight", d)
    b.norm(p + "post_attention_layernorm.weight", d)
    a = p + "self_attn."
    if rq is None:
        b.proj(a + "q_proj.weight", h * (dn + dr), d)
    else:
        b.proj(a + "q_a_proj.weight", rq, d)
        b.norm(a + "q_a_layernorm.weight", rq)
        b.proj(a + "q_b_proj.weight", h * (dn + dr), rq)
    b.proj(a + "kv_a_proj_with_mqa.weight", rkv + dr, d)
    b.norm(a + "kv_a_layernorm.weight", rkv)
    b.proj(a + "kv_b_proj.weight", h * (dn + dv), rkv)
    b.proj(a + "o_proj.weight", d, h * dv)
    m = p + "mlp."
    if is_moe_layer(cfg, i):
        e, f = cfg["n_routed_experts"], cfg["moe_intermediate_size"]
        # gain 2: gate logits have std ~2, so expert scores differ clearly
        b.linear(m + "gate.weight", e, d, kind="gate", gain=2.0)
        if cfg["topk_method"] == "noaux_tc":
            b.bias(m + "gate.e_score_correction_bias", e)
        for j in range(e):
            add_mlp(b, f"{m}experts.{j}.", d, f)
        if cfg.get("n_shared_experts"):
            add_mlp(b, m + "shared_experts.", d, cfg["n_shared_experts"] * f)
    else:
        add_mlp(b, m, d, cfg["intermediate_size"])


def build_weights(cfg, seed):
    b = Builder(seed)
    d, v = cfg["hidden_size"], cfg["vocab_size"]
    b.embed("model.embed_tokens.weight", v, d)
    n = cfg["num_hidden_layers"]
    for i in range(n):
        add_decoder_layer(b, cfg, i)
    b.norm("model.norm.weight", d)
    if not cfg["tie_word_embeddings"]:
        b.linear("lm_head.weight", v, d)
    for k in range(cfg.get("num_nextn_predict_layers", 0) or 0):
        L = n + k
        p = f"model.layers.{L}."
        b.norm(p + "enorm.weight", d)
        b.norm(p + "hnorm.weight", d)
        b.linear(p + "eh_proj.weight", d, 2 * d)
        b.norm(p + "shared_head.norm.weight", d)
        b.linear(p + "shared_head.head.weight", v, d)
        b.embed(p + "embed_tokens.weight", v, d)
        add_decoder_layer(b, cfg, L)
    return b


# ---------------------------------------------------------------------------
# Storage conversion
# ---------------------------------------------------------------------------

def to_storage(b, policy):
    """float64 weights -> dict name -> (safetensors dtype, storage array)."""
    out = {}
    for name, w in b.w.items():
        kind = b.kind[name]
        if kind == "bias":
            out[name] = ("F32", w.astype(np.float32))
        elif policy == "f16":
            if kind in ("norm", "embed"):
                out[name] = ("F32", w.astype(np.float32))
            else:
                out[name] = ("F16", w.astype(np.float16))
        elif policy == "fp8" and kind == "proj":
            codes, scale_inv = st.fp8_block_quant(w)
            out[name] = ("F8_E4M3", codes)
            out[name + "_scale_inv"] = ("F32", scale_inv)
        else:
            out[name] = ("BF16", st.f32_to_bf16(w))
    return out


def write_model(root, name):
    cfg, seed, policy = MODELS[name]
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    # remove checkpoint files from a previous run with a different layout
    for f in os.listdir(d):
        if f.endswith(".safetensors") or f == "model.safetensors.index.json":
            os.remove(os.path.join(d, f))
    tensors = to_storage(build_weights(cfg, seed), policy)
    meta = {"format": "pt"}
    if policy == "fp8":
        st.write_sharded(d, tensors, 3, meta)
    else:
        st.write_file(os.path.join(d, "model.safetensors"), tensors, meta)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(d, "tokens.txt"), "w") as f:
        f.write(",".join(str(t) for t in tokens_for(cfg)) + "\n")
    return len(tensors)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output root directory")
    ap.add_argument("--only", choices=sorted(MODELS), help="write only this model")
    args = ap.parse_args()
    names = [args.only] if args.only else list(MODELS)
    for name in names:
        n = write_model(args.out, name)
        print(f"make_tiny: wrote {os.path.join(args.out, name)} ({n} tensors)")
    assert sys.modules.get("torch") is None, "make_tiny must not import torch"


if __name__ == "__main__":
    main()
