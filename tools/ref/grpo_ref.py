#!/usr/bin/env python3
"""PyTorch reference for seek's GRPO objective (src/rl/grpo_loss.h; tests/rl/grpo_loss_test.cc).

    /usr/bin/python3 tools/ref/grpo_ref.py --out DIR

Writes DIR/grpo_cases.json: a list of cases, each with its inputs (rewards, group size,
per-token log-probs under the current, old and reference policies, the response mask, the
options) and what PyTorch computes from them in float64, written the way TRL's GRPOTrainer
and DAPO's verl recipe compute it:

    advantages   (r - mean_group) [/ (std_group + 1e-4)], torch.std (unbiased)
    loss         -min(ratio * A, clamp(ratio, 1 - clip_low, 1 + clip_high) * A)
                 + beta * (exp(ref - logp) - (ref - logp) - 1), aggregated per sequence
                 (mean over its tokens, then over sequences), per token (mean over all
                 tokens) or with a constant (sum / (sequences * max_tokens))
    grad         d loss / d logp by autograd
    kl, clipped  mean k3 over response tokens, number of tokens whose clip is active

The old log-probs are perturbed so that ratios fall on both sides of both clip bounds.
"""

import argparse
import json
import os

import torch


def make_case(seed, G, groups, T, advantage, aggregation, beta, clip_low, clip_high, max_tokens):
    g = torch.Generator().manual_seed(seed)
    n = G * groups
    rewards = torch.tensor([[0.0, 0.1, 1.0, 1.1][i] for i in torch.randint(0, 4, (n,), generator=g).tolist()],
                           dtype=torch.float64)
    rewards[:G] = 1.0  # one group with equal rewards: advantage 0 for all of it
    logp = -torch.rand(n, T, generator=g, dtype=torch.float64) * 3
    old = logp + torch.randn(n, T, generator=g, dtype=torch.float64) * 0.3
    ref = logp + torch.randn(n, T, generator=g, dtype=torch.float64) * 0.5
    mask = torch.zeros(n, T, dtype=torch.float64)
    for i in range(n):  # a response span after a prompt; one sequence has no response tokens
        start = int(torch.randint(0, T // 2, (1,), generator=g))
        length = 0 if i == n - 1 else int(torch.randint(1, T - start + 1, (1,), generator=g))
        mask[i, start:start + length] = 1

    grouped = rewards.view(groups, G)
    adv = rewards - grouped.mean(1).repeat_interleave(G)
    if advantage == "std":
        adv = adv / (grouped.std(1).repeat_interleave(G) + 1e-4)

    x = logp.clone().requires_grad_(True)
    ratio = torch.exp(x - old)
    l1 = ratio * adv[:, None]
    l2 = torch.clamp(ratio, 1 - clip_low, 1 + clip_high) * adv[:, None]
    per_token = -torch.min(l1, l2)
    d = ref - x
    k3 = torch.exp(d) - d - 1
    if beta > 0:
        per_token = per_token + beta * k3
    lengths = mask.sum(1)
    if aggregation == "sequence":
        per_seq = torch.where(lengths > 0, (per_token * mask).sum(1) / lengths.clamp(min=1), torch.zeros_like(lengths))
        loss = per_seq.sum() / n
    elif aggregation == "token":
        loss = (per_token * mask).sum() / mask.sum()
    else:
        loss = (per_token * mask).sum() / (n * max_tokens)
    loss.backward()
    clipped = (((adv[:, None] > 0) & (ratio > 1 + clip_high)) | ((adv[:, None] < 0) & (ratio < 1 - clip_low))).double()
    tokens = mask.sum()
    return {
        "G": G, "T": T, "advantage": advantage, "aggregation": aggregation, "beta": beta,
        "clip_low": clip_low, "clip_high": clip_high, "max_tokens": max_tokens,
        "rewards": rewards.tolist(), "logp": logp.flatten().tolist(), "old_logp": old.flatten().tolist(),
        "ref_logp": ref.flatten().tolist(), "mask": mask.flatten().tolist(),
        "expected": {
            "advantages": adv.tolist(), "loss": loss.item(), "grad": x.grad.flatten().tolist(),
            "kl": ((k3 * mask).sum() / tokens).item(), "clipped": (clipped * mask).sum().item(),
        },
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cases = []
    seed = 1
    for advantage in ("std", "mean"):
        for aggregation in ("sequence", "token", "constant"):
            for beta in (0.0, 0.04):
                cases.append(make_case(seed, 4, 3, 9, advantage, aggregation, beta, 0.2, 0.28, 12))
                seed += 1
    cases.append(make_case(seed, 8, 2, 5, "std", "token", 0.001, 0.1, 10.0, 5))  # R1's wide clip
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "grpo_cases.json"), "w") as f:
        json.dump(cases, f)
    print(f"grpo_ref: wrote {len(cases)} cases to {args.out}/grpo_cases.json")


if __name__ == "__main__":
    main()
