#!/usr/bin/env python3
"""PyTorch reference of a kotodama DPO step, for `kotodama bench dpo --compare`.

Not needed by CI. Run with Debian's python3-torch (/usr/bin/python3). The model is bench/torch_ref.py's (the same
decoder, GPT-2 init); a step reads B pairs (2B rows of T tokens: the B chosen rows, then the B rejected ones),
sums log softmax(logits)[target] over the answer positions (targets != -100) of each row, and minimises
-log sigmoid(beta * ((pc - rc) - (pr - rr))) averaged over pairs, with the reference log-probs read from a file,
then clips the gradient norm and takes an AdamW step -- what kotodama's loop does with the DPO objective.

Files (written by bench/dpo.ts): --rows: int32 (2N, T) inputs then int32 (2N, T) targets, the N chosen rows
first; --ref: float32 (2N). Pair p of step s is (s * B + r) mod N. --bench times steps 3..N only and prints one JSON
line {"tokens_per_s", "blas", "loss"}. Thread pinning is the caller's (see bench/torch_ref.py).
"""
import argparse, json, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ref import Model, blas_in_use, lr_at, snake  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="a kotodama run config.json ({model, train})")
    ap.add_argument("--rows", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--pairs", type=int, required=True, help="N")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    cfg = json.load(open(a.config))
    c, o = snake(cfg["model"]), snake(cfg["train"])
    N, T, B = a.pairs, c["context"], o["batch_size"]
    raw = np.fromfile(a.rows, dtype=np.int32).reshape(2, 2 * N, T)
    inputs, targets = torch.from_numpy(raw[0].astype(np.int64)), torch.from_numpy(raw[1].astype(np.int64))
    ref = torch.from_numpy(np.fromfile(a.ref, dtype=np.float32))
    model = Model(c)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": o["weight_decay"]}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    t0 = time.perf_counter()
    loss = torch.tensor(0.0)
    for step in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, o)
        idx = torch.tensor([(step * B + r) % N for r in range(B)])
        rows = torch.cat([idx, idx + N])  # (2B): chosen rows, then rejected
        x, y = inputs[rows], targets[rows]
        opt.zero_grad(set_to_none=True)
        logits = model(x, None)  # (2B, T, V)
        mask = y != -100
        lp = torch.gather(F.log_softmax(logits, dim=-1), 2, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        seq = (lp * mask).sum(-1)  # (2B)
        r = torch.cat([ref[idx], ref[idx + N]])
        z = a.beta * ((seq[:B] - seq[B:]) - (r[:B] - r[B:]))
        loss = -F.logsigmoid(z).mean()
        loss.backward()
        if o["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), o["grad_clip"])
        opt.step()
        if a.bench and step == 1:
            t0 = time.perf_counter()
    if a.bench:
        tps = (a.steps - 2) * 2 * B * T / (time.perf_counter() - t0)
        print(json.dumps({"tokens_per_s": tps, "blas": blas_in_use(), "loss": loss.item()}), flush=True)


if __name__ == "__main__":
    main()
