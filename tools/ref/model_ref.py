#!/usr/bin/env python3
"""Float64 PyTorch reference forward for DeepSeek-V2/V3 Hugging Face checkpoints.

    /usr/bin/python3 tools/ref/model_ref.py --model DIR --tokens 0,17,42 \
        --out logits.npy [--attn naive|absorb]

Writes float32 logits [T, vocab] for every position of the prompt (causal
attention, positions 0..T-1).  Semantics follow Hugging Face
`modeling_deepseek.py` (the remote code that config.json describes), written
from the published equations; everything is computed in float64.

--attn naive   materialize per-head K and V from the latent (HF / training form)
--attn absorb  absorbed MLA (DeepSeek inference/model.py form): q_nope is
               projected into the latent space with W_UK, attention runs over
               the normalized latent + roped k_pe, output is up-projected by W_UV.
Both must agree to ~1e-10.

The MTP layer (model.layers.{num_hidden_layers}) is loaded but ignored.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np as st  # noqa: E402

DT = torch.float64
SUPPORTED = ("deepseek_v2", "deepseek_v3")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def load_model(model_dir):
    """Return (config dict, dict name -> float64 torch tensor)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("model_type") not in SUPPORTED:
        raise ValueError(f"unsupported model_type {cfg.get('model_type')!r}; "
                         f"expected one of {SUPPORTED}")
    block = (128, 128)
    q = cfg.get("quantization_config")
    if q:
        if q.get("quant_method") != "fp8" or q.get("fmt", "e4m3") != "e4m3":
            raise ValueError(f"unsupported quantization_config {q}")
        block = tuple(q.get("weight_block_size", [128, 128]))
    weights = {k: torch.from_numpy(v) for k, v in st.load_f64(model_dir, block).items()}
    return cfg, weights


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, w):
    return x @ w.T


def mlp(x, W, p):
    """SwiGLU: down(silu(gate(x)) * up(x))."""
    g = linear(x, W[p + "gate_proj.weight"])
    u = linear(x, W[p + "up_proj.weight"])
    return linear(torch.nn.functional.silu(g) * u, W[p + "down_proj.weight"])


def yarn_get_mscale(scale, mscale):
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def rope_params(cfg):
    """Return (type, dict) with rope_scaling defaults filled in; raises on
    anything other than None or yarn."""
    rs = cfg.get("rope_scaling")
    if not rs:
        return None, {}
    kind = rs.get("type", rs.get("rope_type"))
    if kind != "yarn":
        raise ValueError(f"unsupported rope_scaling type {kind!r} (only yarn or null)")
    return "yarn", {
        "factor": float(rs["factor"]),
        "orig": float(rs.get("original_max_position_embeddings", 4096)),
        "beta_fast": float(rs.get("beta_fast", 32)),
        "beta_slow": float(rs.get("beta_slow", 1)),
        "mscale": float(rs.get("mscale", 1)),
        "mscale_all_dim": float(rs.get("mscale_all_dim", 0)),
    }


def rope_cos_sin(cfg, T):
    """cos, sin of shape [T, Dr] (HF layout: cat(freqs, freqs))."""
    dim = cfg["qk_rope_head_dim"]
    base = float(cfg.get("rope_theta", 10000.0))
    kind, p = rope_params(cfg)
    expo = torch.arange(0, dim, 2, dtype=DT) / dim
    mscale = 1.0
    if kind is None:
        inv_freq = 1.0 / base ** expo
    else:
        freq_extra = 1.0 / base ** expo
        freq_inter = 1.0 / (p["factor"] * base ** expo)

        def corr_dim(rot):
            return dim * math.log(p["orig"] / (rot * 2 * math.pi)) / (2 * math.log(base))

        low = max(math.floor(corr_dim(p["beta_fast"])), 0)
        high = min(math.ceil(corr_dim(p["beta_slow"])), dim - 1)
        if low == high:
            high += 0.001
        ramp = ((torch.arange(dim // 2, dtype=DT) - low) / (high - low)).clamp(0, 1)
        inv_freq_mask = 1.0 - ramp
        inv_freq = freq_inter * (1 - inv_freq_mask) + freq_extra * inv_freq_mask
        mscale = (yarn_get_mscale(p["factor"], p["mscale"])
                  / yarn_get_mscale(p["factor"], p["mscale_all_dim"]))
    t = torch.arange(T, dtype=DT)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos() * mscale, emb.sin() * mscale


def softmax_scale(cfg):
    s = (cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"]) ** -0.5
    kind, p = rope_params(cfg)
    if kind == "yarn" and p["mscale_all_dim"]:
        m = yarn_get_mscale(p["factor"], p["mscale_all_dim"])
        s = s * m * m
    return s


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def apply_rope(x, cos, sin):
    """x [T, ..., d] with interleaved pairs (x0,x1),(x2,x3)...; HF de-interleaves
    to [x0,x2,..., x1,x3,...] then applies half-split rotate_half."""
    d = x.shape[-1]
    x = x.reshape(*x.shape[:-1], d // 2, 2).transpose(-1, -2).reshape(*x.shape[:-1], d)
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (d,)
    c, s = cos.reshape(shape), sin.reshape(shape)
    return x * c + rotate_half(x) * s


# ---------------------------------------------------------------------------
# Attention (MLA)
# ---------------------------------------------------------------------------

def attention(x, W, p, cfg, cos, sin, mode):
    T = x.shape[0]
    H = cfg["num_attention_heads"]
    dn, dr, dv = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    rkv, eps = cfg["kv_lora_rank"], cfg["rms_norm_eps"]
    a = p + "self_attn."

    if cfg.get("q_lora_rank") is None:
        q = linear(x, W[a + "q_proj.weight"])
    else:
        cq = rms_norm(linear(x, W[a + "q_a_proj.weight"]), W[a + "q_a_layernorm.weight"], eps)
        q = linear(cq, W[a + "q_b_proj.weight"])
    q = q.view(T, H, dn + dr)
    q_nope, q_pe = q[..., :dn], q[..., dn:]

    ckv = linear(x, W[a + "kv_a_proj_with_mqa.weight"])
    c, k_pe = ckv[:, :rkv], ckv[:, rkv:]
    c = rms_norm(c, W[a + "kv_a_layernorm.weight"], eps)          # [T, Rkv]

    q_pe = apply_rope(q_pe, cos, sin)                               # [T, H, Dr]
    k_pe = apply_rope(k_pe, cos, sin)                               # [T, Dr], shared

    scale = softmax_scale(cfg)
    mask = torch.full((T, T), float("-inf"), dtype=DT).triu(1)      # causal
    wkv_b = W[a + "kv_b_proj.weight"].view(H, dn + dv, rkv)

    if mode == "naive":
        kv = linear(c, W[a + "kv_b_proj.weight"]).view(T, H, dn + dv)
        k_nope, v = kv[..., :dn], kv[..., dn:]
        k = torch.cat([k_nope, k_pe[:, None, :].expand(T, H, dr)], dim=-1)
        qf = torch.cat([q_nope, q_pe], dim=-1)
        scores = torch.einsum("thd,shd->hts", qf, k) * scale + mask
        probs = torch.softmax(scores, dim=-1)
        out = torch.einsum("hts,shd->thd", probs, v)                # [T, H, Dv]
    elif mode == "absorb":
        w_uk, w_uv = wkv_b[:, :dn, :], wkv_b[:, dn:, :]             # [H, Dn|Dv, Rkv]
        q_lat = torch.einsum("thd,hdc->thc", q_nope, w_uk)          # [T, H, Rkv]
        scores = (torch.einsum("thc,sc->hts", q_lat, c)
                  + torch.einsum("thr,sr->hts", q_pe, k_pe)) * scale + mask
        probs = torch.softmax(scores, dim=-1)
        o_lat = torch.einsum("hts,sc->thc", probs, c)               # [T, H, Rkv]
        out = torch.einsum("thc,hdc->thd", o_lat, w_uv)             # [T, H, Dv]
    else:
        raise ValueError(f"unknown attention mode {mode}")
    return linear(out.reshape(T, H * dv), W[a + "o_proj.weight"])


# ---------------------------------------------------------------------------
# MoE
# ---------------------------------------------------------------------------

def is_moe_layer(cfg, i):
    return bool(cfg.get("n_routed_experts")) and i >= cfg["first_k_dense_replace"] \
        and i % cfg["moe_layer_freq"] == 0


def select_experts(scores, cfg, bias=None, fill=float("-inf")):
    """Expert indices [T, K] for the configured topk_method.

    Excluded groups are masked with -inf (DeepSeek inference/model.py).  HF
    remote code fills them with 0.0 instead; that differs only when one of the
    top-K values inside the kept groups is negative (possible with noaux_tc,
    where the bias can push sigmoid+bias below 0): with 0.0 an expert from an
    excluded group would then win.  `fill` exists to count such cases."""
    T, E = scores.shape
    K = cfg["num_experts_per_tok"]
    method = cfg["topk_method"]
    if method == "greedy":
        return torch.topk(scores, K, dim=-1).indices
    ng, kg = cfg["n_group"], cfg["topk_group"]
    if method == "group_limited_greedy":
        choice = scores
        group_scores = choice.view(T, ng, E // ng).max(dim=-1).values
    elif method == "noaux_tc":
        choice = scores + (bias if bias is not None else 0.0)
        top2 = min(2, E // ng)
        group_scores = choice.view(T, ng, E // ng).topk(top2, dim=-1).values.sum(-1)
    else:
        raise ValueError(f"unsupported topk_method {method!r}")
    keep = torch.topk(group_scores, kg, dim=-1).indices            # [T, kg]
    gmask = torch.zeros(T, ng, dtype=torch.bool).scatter_(1, keep, True)
    emask = gmask[:, :, None].expand(T, ng, E // ng).reshape(T, E)
    masked = choice.masked_fill(~emask, fill)
    return torch.topk(masked, K, dim=-1).indices


# Optional routing statistics, filled when STATS is a dict (used by make_golden).
STATS = None


def moe(x, W, p, cfg):
    m = p + "mlp."
    logits = linear(x, W[m + "gate.weight"])
    func = cfg.get("scoring_func", "softmax")
    if func == "softmax":
        scores = torch.softmax(logits, dim=-1)
    elif func == "sigmoid":
        scores = torch.sigmoid(logits)
    else:
        raise ValueError(f"unsupported scoring_func {func!r}")
    bias = W.get(m + "gate.e_score_correction_bias")
    if cfg["topk_method"] == "noaux_tc" and bias is None:
        raise ValueError(f"{m}gate.e_score_correction_bias missing for noaux_tc")
    idx = select_experts(scores, cfg, bias)
    w = scores.gather(1, idx)                                       # unbiased scores
    K = cfg["num_experts_per_tok"]
    normalized = K > 1 and cfg.get("norm_topk_prob", False)
    if normalized:
        w = w / (w.sum(-1, keepdim=True) + 1e-20)
    rsf = float(cfg.get("routed_scaling_factor", 1.0))
    if cfg["model_type"] == "deepseek_v3" or not normalized:
        # V2 remote code multiplies by the factor only in the un-normalized branch
        w = w * rsf

    if STATS is not None and cfg["topk_method"] == "noaux_tc":
        plain = select_experts(scores, cfg, torch.zeros_like(bias))
        changed = (idx.sort(-1).values != plain.sort(-1).values).any(-1)
        STATS["bias_changed"] = STATS.get("bias_changed", 0) + int(changed.sum())
        STATS["routed_tokens"] = STATS.get("routed_tokens", 0) + x.shape[0]
    if STATS is not None and cfg["topk_method"] != "greedy":
        hf = select_experts(scores, cfg, bias, fill=0.0)           # HF remote-code fill
        diff = (idx.sort(-1).values != hf.sort(-1).values).any(-1)
        STATS["zero_fill_differs"] = STATS.get("zero_fill_differs", 0) + int(diff.sum())
    if STATS is not None:
        STATS.setdefault("expert_hits", []).append(
            torch.bincount(idx.flatten(), minlength=scores.shape[1]).tolist())

    y = torch.zeros_like(x)
    for e in range(scores.shape[1]):
        sel = (idx == e)                                            # [T, K]
        rows = sel.any(-1).nonzero().flatten()
        if rows.numel() == 0:
            continue
        ge = (w * sel).sum(-1)[rows]                                # weight of e per row
        y[rows] += ge[:, None] * mlp(x[rows], W, f"{m}experts.{e}.")
    if cfg.get("n_shared_experts"):
        y = y + mlp(x, W, m + "shared_experts.")
    return y


# ---------------------------------------------------------------------------
# Full model
# ---------------------------------------------------------------------------

def forward(cfg, W, tokens, attn="naive"):
    """Logits [T, vocab] float64 for token ids `tokens` at positions 0..T-1."""
    tokens = torch.as_tensor(tokens, dtype=torch.long)
    T = tokens.shape[0]
    V = cfg["vocab_size"]
    if int(tokens.min()) < 0 or int(tokens.max()) >= V:
        raise ValueError(f"token id out of range [0, {V})")
    eps = cfg["rms_norm_eps"]
    cos, sin = rope_cos_sin(cfg, T)
    x = W["model.embed_tokens.weight"][tokens]
    for i in range(cfg["num_hidden_layers"]):          # MTP layer (index L) ignored
        p = f"model.layers.{i}."
        h = x + attention(rms_norm(x, W[p + "input_layernorm.weight"], eps),
                          W, p, cfg, cos, sin, attn)
        hn = rms_norm(h, W[p + "post_attention_layernorm.weight"], eps)
        x = h + (moe(hn, W, p, cfg) if is_moe_layer(cfg, i) else mlp(hn, W, p + "mlp."))
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") \
        else W["lm_head.weight"]
    return linear(x, head)


def main():
    ap = argparse.ArgumentParser(description="DeepSeek V2/V3 float64 reference logits")
    ap.add_argument("--model", required=True, help="checkpoint directory (config.json + safetensors)")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out", required=True, help="output .npy (float32 [T, vocab])")
    ap.add_argument("--attn", choices=["naive", "absorb"], default="naive")
    args = ap.parse_args()
    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    if not tokens:
        ap.error("--tokens is empty")
    cfg, W = load_model(args.model)
    logits = forward(cfg, W, tokens, args.attn)
    np.save(args.out, logits.numpy().astype(np.float32))
    print(f"model_ref: {args.model} T={len(tokens)} -> {args.out} "
          f"shape={tuple(logits.shape)} attn={args.attn}")


if __name__ == "__main__":
    main()
