#!/usr/bin/env python3
"""PyTorch training reference for seek's training core (tests/train/golden_test.cc).

    /usr/bin/python3 tools/ref/train_ref.py --out DIR

For each tiny model in MODELS writes DIR/NAME/:
  config.json, model.safetensors   initial weights (F32; no MTP copies of embedding/head)
  tokens.txt                       STEPS * ACCUM * B * (T+1) comma-separated ids
  train.json                       the seek TrainOptions of the run (train/options.h keys)
  expected.safetensors             (F64 unless noted)
    loss, main_loss, balance_loss, mtp_loss   losses of the first micro-batch
    grad.NAME                      dLoss/dNAME of the first micro-batch, every trainable tensor
    experts.L                      I32 (B*T, K): experts chosen in MoE layer L, sorted per row
    steps.loss, steps.main_loss, steps.grad_norm, steps.lr, steps.clipped   (STEPS,)
    steps.bias.L                   (STEPS, E) e_score_correction_bias of layer L after each step
    final.NAME                     every tensor after the last step

The model is written from the equations, batched and autograd-differentiated in float64:
MLA (naive, interleaved RoPE with YaRN), DeepSeekMoE (gate selection from model_ref.py's
select_experts, weights from the unbiased scores, top-k normalisation, routed scaling with the
V2/V3 difference), the sequence-wise balance loss (V3 eqs 17-20; V2 seq_aux form for softmax
gates), MTP (embedding-first concat, shared_head.norm, shared embedding and head), cross-entropy.
Training uses torch.optim.AdamW (no decay on 1-D tensors), clip_grad_norm_, gradient
accumulation and the aux-loss-free bias update. The batched attention is checked against
model_ref.py's per-sequence forward before anything is written.

Expert selection is discontinuous: every routing decision of every step must win by
MIN_MARGIN, else the data seed is advanced until one does (deterministically), so float32
rounding in seek cannot flip a choice. Exits non-zero on any failure.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny  # noqa: E402
import model_ref as mr  # noqa: E402
import safetensors_np as st  # noqa: E402

DT = torch.float64
STEPS = 10
MIN_MARGIN = 3e-5

_COMMON = {k: v for k, v in make_tiny.COMMON.items()}
_COMMON.update({"hidden_size": 32, "num_attention_heads": 2, "num_key_value_heads": 2, "kv_lora_rank": 12,
                "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "vocab_size": 64,
                "intermediate_size": 64, "moe_intermediate_size": 16, "max_position_embeddings": 64})

# V3 style: q compression, sigmoid noaux_tc gate with groups and bias, dense first layer, MTP.
V3 = dict(_COMMON, **{
    "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
    "num_hidden_layers": 3, "first_k_dense_replace": 1, "q_lora_rank": 16,
    "n_routed_experts": 8, "n_shared_experts": 1, "num_experts_per_tok": 2, "n_group": 4, "topk_group": 2,
    "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": True, "routed_scaling_factor": 2.5,
    "rope_scaling": None, "num_nextn_predict_layers": 1, "tie_word_embeddings": False, "torch_dtype": "float32",
})

# V2 style: plain q_proj, softmax greedy gate (no bias), YaRN; two MTP modules to test chaining.
V2 = dict(_COMMON, **{
    "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
    "num_hidden_layers": 2, "first_k_dense_replace": 1, "q_lora_rank": None,
    "n_routed_experts": 6, "n_shared_experts": 2, "num_experts_per_tok": 2, "n_group": 1, "topk_group": 1,
    "topk_method": "greedy", "scoring_func": "softmax", "norm_topk_prob": False, "routed_scaling_factor": 1.5,
    "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 16, "beta_fast": 32,
                     "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
    "num_nextn_predict_layers": 2, "tie_word_embeddings": False, "torch_dtype": "float32",
})

# seek TrainOptions of each run (grad_clip is filled in from the first gradient norm).
OPTIONS = {
    "batch_size": 2, "seq_len": 10, "grad_accum_steps": 2,
    "lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 3, "hold_steps": 2, "decay_steps": 4,
    "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1,
    "balance_alpha": 0.05, "mtp_lambda": 0.3,
}

MODELS = {
    "v3-train": (V3, 2001, dict(OPTIONS, bias_update_speed=0.01, bias_update_interval=2)),
    "v2-train": (V2, 2002, dict(OPTIONS, bias_update_speed=0.0, bias_update_interval=1)),
}


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    """Interleaved pairs (x[2i], x[2i+1]) of x [B, T, ..., Dr] rotated by cos/sin [T, Dr/2]."""
    shape = (1, x.shape[1]) + (1,) * (x.dim() - 3) + (x.shape[-1] // 2,)
    c, s = cos.reshape(shape), sin.reshape(shape)
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack([a * c - b * s, a * s + b * c], dim=-1).flatten(-2)


def rope_tables(cfg, T):
    """cos/sin [T, Dr/2] of positions 0..T-1, YaRN factor included (model_ref's HF tables)."""
    cos, sin = mr.rope_cos_sin(cfg, T)
    h = cfg["qk_rope_head_dim"] // 2
    return cos[:, :h].to(DT), sin[:, :h].to(DT)


def attention(x, P, a, cfg, cos, sin):
    """MLA, naive form, over x [B, T, D]."""
    B, T, _ = x.shape
    H, dn, dr, dv = cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    rkv, eps = cfg["kv_lora_rank"], cfg["rms_norm_eps"]
    if cfg.get("q_lora_rank") is None:
        q = x @ P[a + "q_proj.weight"].T
    else:
        q = rms_norm(x @ P[a + "q_a_proj.weight"].T, P[a + "q_a_layernorm.weight"], eps) @ P[a + "q_b_proj.weight"].T
    q = q.view(B, T, H, dn + dr)
    ckv = x @ P[a + "kv_a_proj_with_mqa.weight"].T
    c = rms_norm(ckv[..., :rkv], P[a + "kv_a_layernorm.weight"], eps)
    k_pe = rope(ckv[..., rkv:], cos, sin)                                  # [B, T, Dr], shared
    kv = (c @ P[a + "kv_b_proj.weight"].T).view(B, T, H, dn + dv)
    k = torch.cat([kv[..., :dn], k_pe[:, :, None, :].expand(B, T, H, dr)], dim=-1)
    q = torch.cat([q[..., :dn], rope(q[..., dn:], cos, sin)], dim=-1)
    scores = torch.einsum("bthd,bshd->bhts", q, k) * mr.softmax_scale(cfg)
    scores = scores + torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    out = torch.einsum("bhts,bshd->bthd", torch.softmax(scores, dim=-1), kv[..., dn:])
    return out.reshape(B, T, H * dv) @ P[a + "o_proj.weight"].T


def mlp(x, P, p):
    return (F.silu(x @ P[p + "gate_proj.weight"].T) * (x @ P[p + "up_proj.weight"].T)) @ P[p + "down_proj.weight"].T


def selection_margin(s, bias, cfg):
    """Smallest gap (over tokens) by which any routing decision of model_ref.select_experts is won."""
    N, E = s.shape
    K = cfg["num_experts_per_tok"]
    choice = s + (bias if bias is not None else 0.0)
    margins = []
    if cfg["topk_method"] != "greedy" and cfg["topk_group"] < cfg["n_group"]:
        ng, kg = cfg["n_group"], cfg["topk_group"]
        g = choice.view(N, ng, E // ng)
        gs = g.topk(2, dim=-1).values.sum(-1) if cfg["topk_method"] == "noaux_tc" else g.max(-1).values
        top = gs.sort(-1, descending=True).values
        margins.append((top[:, kg - 1] - top[:, kg]).min())
        keep = torch.topk(gs, kg, dim=-1).indices
        mask = torch.zeros(N, ng, dtype=torch.bool).scatter_(1, keep, True)
        choice = choice.masked_fill(~mask[:, :, None].expand(N, ng, E // ng).reshape(N, E), float("-inf"))
    top = choice.sort(-1, descending=True).values
    margins.append((top[:, K - 1] - top[:, K]).min())
    if cfg["scoring_func"] == "sigmoid":  # the balance loss's plain top-k of s
        top = s.sort(-1, descending=True).values
        margins.append((top[:, K - 1] - top[:, K]).min())
    return float(min(margins))


def moe(x, P, m, cfg, B, T, alpha, rec, layer):
    """x [N, D] (sequences contiguous) -> (y [N, D], balance loss)."""
    E, K = cfg["n_routed_experts"], cfg["num_experts_per_tok"]
    logits = x @ P[m + "gate.weight"].T
    s = torch.softmax(logits, -1) if cfg["scoring_func"] == "softmax" else torch.sigmoid(logits)
    bias = P.get(m + "gate.e_score_correction_bias")
    idx = mr.select_experts(s.detach(), cfg, bias)
    w = s.gather(1, idx)
    normalized = K > 1 and cfg.get("norm_topk_prob", False)
    if normalized:
        w = w / (w.sum(-1, keepdim=True) + 1e-20)
    if cfg["model_type"] == "deepseek_v3" or not normalized:
        w = w * cfg["routed_scaling_factor"]
    if "margin" in rec:  # tests only: the benchmark does not pay for it
        rec["margin"] = min(rec["margin"], selection_margin(s.detach(), bias, cfg))
        rec.setdefault("experts", {})[layer] = idx.sort(-1).values.to(torch.int32)
    rec.setdefault("load", {})[layer] = torch.bincount(idx.flatten(), minlength=E)

    balance = torch.zeros((), dtype=x.dtype)
    if alpha:
        ind = torch.topk(s.detach(), K, dim=-1).indices if cfg["scoring_func"] == "sigmoid" else idx
        counts = torch.zeros(B, E, dtype=x.dtype)
        counts.scatter_add_(1, ind.view(B, T * K), torch.ones(B, T * K, dtype=x.dtype))
        f = counts * E / (K * T)
        p = (s / s.sum(-1, keepdim=True)).view(B, T, E).mean(1)
        balance = alpha * (f * p).sum(1).mean()

    y = torch.zeros_like(x)
    for e in range(E):
        sel = idx == e
        rows = sel.any(-1).nonzero().flatten()
        if rows.numel():
            y = y.index_add(0, rows, (w * sel).sum(-1)[rows, None] * mlp(x[rows], P, f"{m}experts.{e}."))
    if cfg.get("n_shared_experts"):
        y = y + mlp(x, P, m + "shared_experts.")
    return y, balance


def decoder_layer(x, P, i, cfg, cos, sin, alpha, rec):
    B, T, D = x.shape
    p, eps = f"model.layers.{i}.", cfg["rms_norm_eps"]
    h = x + attention(rms_norm(x, P[p + "input_layernorm.weight"], eps), P, p + "self_attn.", cfg, cos, sin)
    hn = rms_norm(h, P[p + "post_attention_layernorm.weight"], eps)
    if mr.is_moe_layer(cfg, i):
        y, bal = moe(hn.reshape(B * T, D), P, p + "mlp.", cfg, B, T, alpha, rec, i)
        return h + y.view(B, T, D), bal
    return h + mlp(hn, P, p + "mlp."), torch.zeros((), dtype=x.dtype)


def forward(cfg, P, tokens, opts, rec):
    """tokens [B, T+1] -> dict of losses (tensors)."""
    B, T = tokens.shape[0], tokens.shape[1] - 1
    L, V, eps = cfg["num_hidden_layers"], cfg["vocab_size"], cfg["rms_norm_eps"]
    alpha, lam = opts["balance_alpha"], opts["mtp_lambda"]
    Dm = cfg.get("num_nextn_predict_layers") or 0
    emb, head = P["model.embed_tokens.weight"], P["lm_head.weight"]
    cos, sin = rope_tables(cfg, T)
    x = emb[tokens[:, :T]]
    balance = torch.zeros((), dtype=DT)
    for i in range(L):
        x, bal = decoder_layer(x, P, i, cfg, cos, sin, alpha, rec)
        balance = balance + bal
    hn = rms_norm(x, P["model.norm.weight"], eps)
    main = F.cross_entropy((hn @ head.T).reshape(-1, V), tokens[:, 1:].reshape(-1))
    total, mtp, prev = main, [], hn
    for k in range(1, Dm + 1):
        p, Tk = f"model.layers.{L + k - 1}.", T - k
        ck, sk = rope_tables(cfg, Tk)
        cat = torch.cat([rms_norm(emb[tokens[:, k:k + Tk]], P[p + "enorm.weight"], eps),
                         rms_norm(prev[:, :Tk], P[p + "hnorm.weight"], eps)], dim=-1)
        hk, bal = decoder_layer(cat @ P[p + "eh_proj.weight"].T, P, L + k - 1, cfg, ck, sk, alpha, rec)
        balance = balance + bal
        logits = rms_norm(hk, P[p + "shared_head.norm.weight"], eps) @ head.T
        lk = F.cross_entropy(logits.reshape(-1, V), tokens[:, k + 1:k + 1 + Tk].reshape(-1))
        mtp.append(lk)
        total = total + lam / Dm * lk
        prev = hk
    return {"loss": total + balance, "main_loss": main, "balance_loss": balance, "mtp_loss": mtp}


# ---------------------------------------------------------------------------
# Weights, data, training
# ---------------------------------------------------------------------------

def initial_weights(cfg, seed):
    """name -> float32 array (training shares the MTP embedding and head with the main model)."""
    w = make_tiny.build_weights(cfg, seed).w
    return {n: a.astype(np.float32) for n, a in w.items()
            if not n.endswith("shared_head.head.weight") and not (n.endswith("embed_tokens.weight") and n != "model.embed_tokens.weight")}


def make_tokens(cfg, opts, seed):
    """One step's random ids, repeated every step (as llm.c's test overfits one batch), so the
    loss must fall."""
    n = opts["grad_accum_steps"] * opts["batch_size"] * (opts["seq_len"] + 1)
    return np.tile((make_tiny.uniform(seed, "tokens", (n,)) * cfg["vocab_size"]).astype(np.int64), STEPS)


def micro_batches(tokens, opts):
    B, T1 = opts["batch_size"], opts["seq_len"] + 1
    return torch.from_numpy(tokens).view(-1, B, T1)


def learning_rate(o, step):
    if step < o["warmup_steps"]:
        return o["lr"] * (step + 1) / o["warmup_steps"]
    after = step - o["warmup_steps"] - o["hold_steps"]
    if after < 0:
        return o["lr"]
    if after >= o["decay_steps"]:
        return o["min_lr"]
    return o["min_lr"] + 0.5 * (o["lr"] - o["min_lr"]) * (1 + math.cos(math.pi * after / o["decay_steps"]))


def params_from(weights):
    P = {}
    for n, a in weights.items():
        t = torch.from_numpy(a.astype(np.float64))
        P[n] = t if n.endswith("e_score_correction_bias") else t.requires_grad_(True)
    return P


def run(cfg, weights, tokens, opts):
    """The gradient check on the first micro-batch, then STEPS optimizer steps. Returns (out, margin)."""
    P = params_from(weights)
    trainable = [n for n in weights if P[n].requires_grad]
    mb = micro_batches(tokens, opts)
    out, rec = {}, {"margin": 1.0}
    losses = forward(cfg, P, mb[0], opts, rec)
    losses["loss"].backward()
    for key in ("loss", "main_loss", "balance_loss"):
        out[key] = np.array([float(losses[key])])
    out["mtp_loss"] = np.array([float(v) for v in losses["mtp_loss"]])
    for n in trainable:  # experts no token chose have no gradient
        out["grad." + n] = P[n].grad.numpy().copy() if P[n].grad is not None else np.zeros(P[n].shape)
    for layer, idx in rec["experts"].items():
        out[f"experts.{layer}"] = idx.numpy()
    margin = rec["margin"]
    P = params_from(weights)  # the first step's accumulated gradient sets the clipping threshold
    for m in range(opts["grad_accum_steps"]):
        (forward(cfg, P, mb[m], opts, {})["loss"] / opts["grad_accum_steps"]).backward()
    norm0 = math.sqrt(sum(float((P[n].grad ** 2).sum()) for n in trainable if P[n].grad is not None))
    opts["grad_clip"] = float(f"{0.8 * norm0:.3g}")  # the first step clips; later ones may not

    P = params_from(weights)
    decay = [P[n] for n in trainable if P[n].dim() >= 2]
    no_decay = [P[n] for n in trainable if P[n].dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": opts["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=opts["lr"], betas=(opts["beta1"], opts["beta2"]), eps=opts["eps"])
    accum = opts["grad_accum_steps"]
    biases = sorted(n for n in P if n.endswith("e_score_correction_bias"))
    hist = {k: [] for k in ("loss", "main_loss", "grad_norm", "lr", "clipped")}
    bias_hist = {n: [] for n in biases}
    pending = {}
    for step in range(STEPS):
        opt.zero_grad()
        tot = {"loss": 0.0, "main_loss": 0.0}
        for m in range(accum):
            rec = {"margin": 1.0}
            losses = forward(cfg, P, mb[step * accum + m], opts, rec)
            (losses["loss"] / accum).backward()
            margin = min(margin, rec["margin"])
            for key in tot:
                tot[key] += float(losses[key]) / accum
            for layer, load in rec["load"].items():
                pending[layer] = pending.get(layer, 0) + load
        norm = float(torch.nn.utils.clip_grad_norm_([P[n] for n in trainable], opts["grad_clip"]))
        lr = learning_rate(opts, step)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        if (step + 1) % opts["bias_update_interval"] == 0:
            gamma = opts["bias_update_speed"]
            for layer, load in pending.items():
                name = f"model.layers.{layer}.mlp.gate.e_score_correction_bias"
                if name in P:  # b_i += gamma * sign(mean load - load_i)
                    P[name] += gamma * torch.sign(load.double().mean() - load.double())
            pending = {}
        for key, v in (("loss", tot["loss"]), ("main_loss", tot["main_loss"]), ("grad_norm", norm), ("lr", lr),
                       ("clipped", float(norm > opts["grad_clip"]))):
            hist[key].append(v)
        for n in biases:
            bias_hist[n].append(P[n].numpy().copy())
    for key, v in hist.items():
        out["steps." + key] = np.array(v)
    for n in biases:
        layer = n.split(".")[2]
        out[f"steps.bias.{layer}"] = np.stack(bias_hist[n])
    for n, t in P.items():
        out["final." + n] = t.detach().numpy().copy()
    return out, margin


def self_check(cfg, weights, tokens, opts):
    """The batched attention against model_ref's per-sequence forward."""
    P = params_from(weights)
    x = torch.from_numpy(np.asarray(make_tiny.randn(7, "x", (2, 6, cfg["hidden_size"]))))
    cos, sin = rope_tables(cfg, 6)
    hc, hs = mr.rope_cos_sin(cfg, 6)
    a = "model.layers.0.self_attn."
    with torch.no_grad():
        got = attention(x, P, a, cfg, cos, sin)
        for b in range(2):
            want = mr.attention(x[b], P, "model.layers.0.", cfg, hc, hs, "naive")
            err = float((got[b] - want).abs().max() / want.abs().max())
            if err > 1e-12:
                raise SystemExit(f"train_ref: batched attention differs from model_ref by {err:.3g}")


def write_one(root, name):
    cfg, seed, opts = MODELS[name]
    opts = dict(opts)
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    weights = initial_weights(cfg, seed)
    self_check(cfg, weights, None, opts)
    for data_seed in range(seed, seed + 50):
        tokens = make_tokens(cfg, opts, data_seed)
        out, margin = run(cfg, weights, tokens, opts)
        if margin >= MIN_MARGIN:
            break
    else:
        raise SystemExit(f"train_ref: {name}: no data seed gives routing margins >= {MIN_MARGIN}")
    cfg_out = {k: v for k, v in cfg.items() if v is not None or k in ("q_lora_rank", "rope_scaling")}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg_out, f, indent=2)
    st.write_file(os.path.join(d, "model.safetensors"), {n: ("F32", a) for n, a in weights.items()})
    with open(os.path.join(d, "tokens.txt"), "w") as f:
        f.write(",".join(str(int(t)) for t in tokens) + "\n")
    with open(os.path.join(d, "train.json"), "w") as f:
        json.dump(opts, f, indent=2)
    tensors = {}
    for k, v in out.items():
        v = np.ascontiguousarray(v)
        tensors[k] = ("I32", v.astype(np.int32)) if v.dtype == np.int32 else ("F64", v.astype(np.float64))
    st.write_file(os.path.join(d, "expected.safetensors"), tensors)
    losses = out["steps.loss"]
    if not np.all(np.isfinite(losses)) or not losses[-1] < losses[0]:
        raise SystemExit(f"train_ref: {name}: the loss did not fall over {STEPS} steps: {losses}")
    print(f"train_ref: {name}: data seed {data_seed}, routing margin {margin:.2e}, loss {losses[0]:.4f} -> "
          f"{losses[-1]:.4f}, clip {opts['grad_clip']}, clipped steps {int(out['steps.clipped'].sum())}")


def main():
    ap = argparse.ArgumentParser(description="seek training reference (float64 PyTorch)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", choices=sorted(MODELS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name in MODELS:
        if args.only in (None, name):
            write_one(args.out, name)


if __name__ == "__main__":
    main()
