#!/usr/bin/env python3
"""Generate the tiny checkpoints and their float64 reference logits.

    /usr/bin/python3 tools/ref/make_golden.py --out DIR

1. runs make_tiny.py --out DIR in a subprocess (numpy only), giving DIR/NAME/;
2. for each model, runs the reference forward on DIR/NAME/tokens.txt and
   writes DIR/NAME/ref_logits.npy (float32 [T, vocab], naive attention);
3. self-checks: logits finite, not constant, different across positions;
   naive and absorbed attention agree in float64; in the noaux_tc models the
   e_score_correction_bias changes the expert selection for some tokens; the
   FP8 checkpoint dequantizes close to the float weights it was made from.

Exits non-zero on any failure.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tiny  # noqa: E402
import model_ref  # noqa: E402
import safetensors_np as st  # noqa: E402

ABSORB_TOL = 1e-9  # max |naive - absorb| in float64, relative to max |logit|


def check_fp8(root):
    """Dequantized v3-tiny-fp8 weights vs the float weights they came from."""
    cfg, seed, _ = make_tiny.MODELS["v3-tiny-fp8"]
    ref = make_tiny.build_weights(cfg, seed)
    got = st.load_f64(os.path.join(root, "v3-tiny-fp8"))
    worst, n = 0.0, 0
    for name, w in ref.w.items():
        if ref.kind[name] != "proj":
            continue
        err = np.abs(got[name] - w).max() / np.abs(w).max()
        worst, n = max(worst, err), n + 1
    # e4m3 has 3 mantissa bits: relative step 1/8, so error <= 1/16 of the
    # block amax (a little more for values below 2^-6 * scale, subnormals).
    if not (n > 0 and worst < 0.07):
        raise AssertionError(f"fp8 dequant error too large: {worst} over {n} tensors")
    return n, worst


def golden_one(root, name, failures):
    d = os.path.join(root, name)
    with open(os.path.join(d, "tokens.txt")) as f:
        tokens = [int(t) for t in f.read().strip().split(",")]
    cfg, W = model_ref.load_model(d)

    model_ref.STATS = {}
    naive = model_ref.forward(cfg, W, tokens, "naive")
    stats, model_ref.STATS = model_ref.STATS, None
    absorb = model_ref.forward(cfg, W, tokens, "absorb")
    np.save(os.path.join(d, "ref_logits.npy"), naive.numpy().astype(np.float32))

    lg = naive.numpy()
    scale = float(np.abs(lg).max())
    diff = float((naive - absorb).abs().max()) / max(scale, 1e-30)
    pos_spread = float(np.abs(lg - lg[0:1]).max(axis=1)[1:].min())  # min over t>0
    top1 = lg.argmax(axis=1)
    line = (f"{name:13s} T={lg.shape[0]} V={lg.shape[1]} |logit|max={scale:.3f} "
            f"std={lg.std():.3f} naive-vs-absorb(rel)={diff:.2e} "
            f"min-row-diff={pos_spread:.3f} distinct-top1={len(set(top1.tolist()))}")
    if "routed_tokens" in stats:
        line += (f" bias-changed-selection={stats['bias_changed']}/"
                 f"{stats['routed_tokens']} tokens")
    if "zero_fill_differs" in stats:
        line += f" hf-zero-fill-would-differ={stats['zero_fill_differs']}"
    hits = np.sum(stats.get("expert_hits", [[0]]), axis=0)
    line += f" expert-hits={hits.tolist()}"
    print(line)

    def check(ok, what):
        if not ok:
            failures.append(f"{name}: {what}")
            print(f"  FAIL: {what}")

    check(lg.shape == (len(tokens), cfg["vocab_size"]), f"shape {lg.shape}")
    check(np.isfinite(lg).all(), "non-finite logits")
    check(lg.std() > 1e-3, "logits (nearly) constant")
    check(pos_spread > 1e-3, "two positions have identical logits")
    check(diff < ABSORB_TOL, f"naive vs absorb differ by {diff:.3e}")
    if cfg["topk_method"] == "noaux_tc":
        check(stats.get("bias_changed", 0) > 0, "e_score_correction_bias never changed routing")
    if cfg.get("n_routed_experts"):
        check((hits > 0).sum() >= 2, "routing collapsed onto one expert")


def main():
    ap = argparse.ArgumentParser(description="tiny checkpoints + reference logits")
    ap.add_argument("--out", required=True, help="output root directory")
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(1)  # tiny sizes; also keeps results run-to-run stable

    r = subprocess.run([sys.executable, os.path.join(HERE, "make_tiny.py"), "--out", args.out])
    if r.returncode != 0:
        print("make_golden: make_tiny failed", file=sys.stderr)
        return 1

    failures = []
    for name in make_tiny.MODELS:
        try:
            golden_one(args.out, name, failures)
        except Exception as e:  # report and keep going, then fail at the end
            failures.append(f"{name}: {type(e).__name__}: {e}")
            print(f"  FAIL: {name}: {type(e).__name__}: {e}")
    try:
        n, worst = check_fp8(args.out)
        print(f"fp8 dequant: {n} tensors, max error / amax = {worst:.4f}")
    except Exception as e:
        failures.append(f"fp8: {e}")
        print(f"  FAIL: fp8: {e}")

    print(f"make_golden: {time.time() - t0:.1f}s")
    if failures:
        print(f"make_golden: {len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("make_golden: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
