#!/usr/bin/env python3
"""PyTorch baseline for bench/train_bench: the same model, batch and recipe, in float32.

    /usr/bin/python3 tools/ref/train_bench.py [--threads 2] [--steps 4] [--mtp 0]

Trains issue 5's benchmark model (bench/train_bench.cc has the config) with train_ref.py's
model code: batched MLA, the gate with bias-steered selection, the balance loss, a loop over
experts (the usual PyTorch MoE), MTP when asked; torch.optim.AdamW (decay on matrices only),
clip_grad_norm_ at 1.0 and the aux-loss-free bias update. Parameters start at N(0, 0.006^2)
like seek's. The batch is the one train_bench builds (same formula). Prints per-step times and
one JSON line ("torch_bench_json: {...}") with the best and median step.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny  # noqa: E402
import train_ref  # noqa: E402

CONFIG = dict(make_tiny.COMMON, **{
    "model_type": "deepseek_v3", "vocab_size": 4096, "hidden_size": 256, "intermediate_size": 1024,
    "moe_intermediate_size": 128, "num_hidden_layers": 8, "num_attention_heads": 4, "q_lora_rank": None,
    "kv_lora_rank": 64, "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32, "n_routed_experts": 16,
    "n_shared_experts": 1, "num_experts_per_tok": 2, "first_k_dense_replace": 1, "n_group": 1, "topk_group": 1,
    "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": True, "routed_scaling_factor": 2.5,
    "rms_norm_eps": 1e-6, "rope_theta": 10000, "rope_scaling": None, "tie_word_embeddings": False,
    "max_position_embeddings": 4096,
})
B, T = 8, 256
OPTS = {"balance_alpha": 1e-4, "mtp_lambda": 0.3}


def bench_tokens(n, vocab):
    i = np.arange(n, dtype=np.uint64)
    return ((((i * np.uint64(2654435761) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)) >> np.uint64(8))
            % np.uint64(vocab)).astype(np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--mtp", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train_ref.DT = torch.float32
    cfg = dict(CONFIG, num_nextn_predict_layers=args.mtp)

    gen = torch.Generator().manual_seed(1)
    P = {}
    for name, w in make_tiny.build_weights(cfg, 1).w.items():
        if name.endswith("shared_head.head.weight") or (name.endswith("embed_tokens.weight") and name != "model.embed_tokens.weight"):
            continue
        if name.endswith("e_score_correction_bias"):
            P[name] = torch.zeros(w.shape)
        elif w.ndim == 1:
            P[name] = torch.ones(w.shape, requires_grad=True)
        else:
            P[name] = (torch.randn(w.shape, generator=gen) * 0.006).requires_grad_(True)
    trainable = [n for n in P if P[n].requires_grad]
    opt = torch.optim.AdamW([{"params": [P[n] for n in trainable if P[n].dim() >= 2], "weight_decay": 0.1},
                             {"params": [P[n] for n in trainable if P[n].dim() < 2], "weight_decay": 0.0}],
                            lr=2.2e-4, betas=(0.9, 0.95), eps=1e-8)
    tokens = torch.from_numpy(bench_tokens(B * (T + 1), cfg["vocab_size"])).view(B, T + 1)

    times, losses = [], []
    for step in range(args.steps + 1):  # step 0 warms up
        t0 = time.perf_counter()
        opt.zero_grad()
        rec = {}
        out = train_ref.forward(cfg, P, tokens, OPTS, rec)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_([P[n] for n in trainable], 1.0)
        opt.step()
        with torch.no_grad():
            for layer, load in rec["load"].items():
                name = f"model.layers.{layer}.mlp.gate.e_score_correction_bias"
                P[name] += 0.001 * torch.sign(load.float().mean() - load.float())
        dt = time.perf_counter() - t0
        losses.append(float(out["loss"]))
        if step > 0:
            times.append(dt)
        print(f"torch step {step}: {dt:.3f} s, loss {losses[-1]:.4f}", flush=True)
    best, median = min(times), sorted(times)[len(times) // 2]
    print(f"torch: best {best:.3f} s/step (median {median:.3f}): {B * T / best:.0f} tokens/s; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("torch_bench_json: " + json.dumps({"best_s": best, "median_s": median, "tokens_per_s": B * T / best,
                                             "threads": args.threads, "mtp": args.mtp}))


if __name__ == "__main__":
    main()
