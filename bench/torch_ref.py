#!/usr/bin/env python3
"""PyTorch reference of kotodama's decoder (GPT-2 and Llama flags), for training-correctness and speed anchors.

Not needed by CI. Run with Debian's python3-torch (/usr/bin/python3). It trains on the same token stream,
with the same batch order, schedule and hyper-parameters as `kotodama train`, and prints one JSON object per
line: {"step", "train_loss", "val_loss"?, "tokens_per_s"?}.

Batch order (shared with src/train/data.ts): micro-batch m of step s reads windows
w = (s * grad_accum + m) * B + row; with W = (N - 1) // T windows and S the first integer >= floor(0.618 * W)
coprime with W, window w starts at offset ((w * S) mod W) * T;
inputs = tokens[offset : offset + T], targets = tokens[offset + 1 : offset + T + 1].
Validation: the first `eval_batches` * B windows of the validation stream, sequentially.

--config takes a kotodama run's config.json ({"preset", "model": {vocabSize, dim, ...}, "train": {lr, minLr, ...}},
camelCase) or the same with snake_case keys; --bench times steps 3..N only. Thread pinning is the caller's:
--threads sets torch.set_num_threads, and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS come from the environment.
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        C, H, Hkv = c["dim"], c["n_heads"], c["n_kv_heads"]
        self.c, self.D = c, C // H
        norm = (lambda: nn.LayerNorm(C, eps=c["norm_eps"])) if c["norm"] == "layer" else (lambda: RMSNorm(C, c["norm_eps"]))
        self.ln1, self.ln2 = norm(), norm()
        bias = c["bias"]
        self.q = nn.Linear(C, H * self.D, bias=bias)
        self.k = nn.Linear(C, Hkv * self.D, bias=bias)
        self.v = nn.Linear(C, Hkv * self.D, bias=bias)
        self.o = nn.Linear(H * self.D, C, bias=bias)
        if c["mlp"] == "gelu":
            self.fc, self.proj = nn.Linear(C, c["hidden_dim"], bias=bias), nn.Linear(c["hidden_dim"], C, bias=bias)
        else:
            self.gate = nn.Linear(C, c["hidden_dim"], bias=False)
            self.up = nn.Linear(C, c["hidden_dim"], bias=False)
            self.down = nn.Linear(c["hidden_dim"], C, bias=False)

    def forward(self, x, cos, sin):
        B, T, C = x.shape
        H, Hkv, D = self.c["n_heads"], self.c["n_kv_heads"], self.D
        h = self.ln1(x)
        q = self.q(h).view(B, T, H, D)
        k = self.k(h).view(B, T, Hkv, D)
        v = self.v(h).view(B, T, Hkv, D)
        if cos is not None:
            q, k = rope(q, cos, sin), rope(k, cos, sin)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        if Hkv != H:
            k = k.repeat_interleave(H // Hkv, dim=1)
            v = v.repeat_interleave(H // Hkv, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.o(y)
        h = self.ln2(x)
        if self.c["mlp"] == "gelu":
            x = x + self.proj(F.gelu(self.fc(h), approximate="tanh"))
        else:
            x = x + self.down(F.silu(self.gate(h)) * self.up(h))
        return x


class RMSNorm(nn.Module):
    def __init__(self, C, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(C)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):  # adjacent pairs (2i, 2i+1), as GGUF llama / llama2.c
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c["vocab_size"], c["dim"])
        self.wpe = nn.Embedding(c["context"], c["dim"]) if c["pos"] == "learned" else None
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["n_layers"]))
        self.ln_f = nn.LayerNorm(c["dim"], eps=c["norm_eps"]) if c["norm"] == "layer" else RMSNorm(c["dim"], c["norm_eps"])
        self.head = nn.Linear(c["dim"], c["vocab_size"], bias=False)
        if c["tie_embeddings"]:
            self.head.weight = self.wte.weight
        for n, p in self.named_parameters():  # GPT-2 init: N(0, 0.02), residual projections scaled by 1/sqrt(2L)
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * c["n_layers"]) if n.endswith(("o.weight", "proj.weight", "down.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif n.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx)
        cos = sin = None
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T))
        else:
            D = self.c["dim"] // self.c["n_heads"]
            inv = self.c["rope_theta"] ** (-torch.arange(0, D, 2, dtype=torch.float32) / D)
            ang = torch.arange(T, dtype=torch.float32)[:, None] * inv[None, :]
            cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
        for b in self.blocks:
            x = b(x, cos, sin)
        logits = self.head(self.ln_f(x))
        if targets is None:  # bench/torch_dpo_ref.py reads the logits
            return logits
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def window_stride(W):
    s = max(1, int(0.6180339887498949 * W))
    while math.gcd(s, W) != 1:
        s += 1
    return s


def batch(tokens, first_window, B, T):
    W = (len(tokens) - 1) // T
    S = window_stride(W)
    offs = [((first_window + r) * S % W) * T for r in range(B)]
    x = np.stack([tokens[o:o + T] for o in offs]).astype(np.int64)
    y = np.stack([tokens[o + 1:o + T + 1] for o in offs]).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def blas_in_use():
    """The BLAS library this process really runs (Debian's libblas.so.3 may be netlib's reference BLAS or
    OpenBLAS, depending on the alternatives): threadpoolctl's report (library, version, kernel family picked at
    run time, threads) when it is installed, else the BLAS files mapped into this process."""
    try:
        import threadpoolctl
        found = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if found:
            return "; ".join(
                f"{i.get('internal_api')} {i.get('version') or '?'} {i.get('architecture') or ''} {i.get('threading_layer') or ''} "
                f"{i.get('num_threads')} thread(s), {os.path.basename(i.get('filepath', ''))}".replace("  ", " ")
                for i in found) + f" [OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}]"
    except ImportError:
        pass
    try:
        libs = {line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower()}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.basename(p) if "openblas" in p.lower() else p for p in libs)) or "none"


def snake(d):
    """camelCase keys (kotodama's config.json) to snake_case; snake_case keys pass unchanged."""
    return {"".join("_" + ch.lower() if ch.isupper() else ch for ch in k): v for k, v in d.items()}


def lr_at(step, o):
    if step < o["warmup_steps"]:
        return o["lr"] * (step + 1) / o["warmup_steps"]
    p = min(1.0, (step - o["warmup_steps"]) / max(1, o["max_steps"] - o["warmup_steps"]))
    return o["min_lr"] + 0.5 * (o["lr"] - o["min_lr"]) * (1 + math.cos(math.pi * p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="resolved config JSON written by kotodama train")
    ap.add_argument("--train", required=True, help="uint16 token file")
    ap.add_argument("--val", help="uint16 token file")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--bench", action="store_true", help="time steps only, print tokens/s")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg = json.load(open(a.config))
    c, o = snake(cfg["model"]), snake(cfg["train"])
    o.setdefault("grad_accum", 1)
    steps = a.steps or o["max_steps"]
    train = np.fromfile(a.train, dtype=np.uint16)
    val = np.fromfile(a.val, dtype=np.uint16) if a.val else None
    model = Model(c)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": o["weight_decay"]}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    B, T = o["batch_size"], c["context"]
    t0 = time.perf_counter()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, o)
        A = o["grad_accum"]
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for m in range(A):
            x, y = batch(train, (step * A + m) * B, B, T)
            loss = model(x, y)
            (loss / A if A > 1 else loss).backward()
            total += loss.item()
        loss = torch.tensor(total / A)
        if o["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), o["grad_clip"])
        opt.step()
        rec = {"step": step + 1, "train_loss": loss.item()}
        if val is not None and ((step + 1) % o["eval_interval"] == 0 or step + 1 == steps):
            with torch.no_grad():
                ls = [model(*batch(val, i * B, B, T)).item() for i in range(o["eval_batches"])]
            rec["val_loss"] = sum(ls) / len(ls)
        if a.bench and step == 1:
            t0 = time.perf_counter()
        if not a.bench or step + 1 == steps:
            if a.bench:
                rec["tokens_per_s"] = (steps - 2) * o["grad_accum"] * B * T / (time.perf_counter() - t0)
                rec["blas"] = blas_in_use()
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
