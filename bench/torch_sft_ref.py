#!/usr/bin/env python3
"""PyTorch reference of a kotodama SFT step (Llama-style decoder; full fine-tuning or LoRA), for `kotodama bench sft`.

Not needed by CI; not a GPT-2 model (bench/torch_ref.py has those flags). Run with Debian's python3-torch
(/usr/bin/python3). It starts from the very weights kotodama starts from (a safetensors file with kotodama's
Hugging Face names, LoRA's A and B included), reads the very batches kotodama trains on (packed rows: inputs,
targets with -100 on prompts and padding, a segment id and a position per token) and prints one JSON object per
step: {"step", "train_loss"}; with --bench only the last, with "tokens_per_s" over steps 3..N (wall clock),
"cpu_tokens_per_s" (per second of the process's CPU time, all threads) and "blas".

The model, as kotodama's decoder with these flags: RMSNorm, RoPE on adjacent pairs (2i, 2i+1) at each token's
position within its document, grouped-query attention that is causal and stays within a document (segment ids),
SwiGLU MLP, tied or separate output head; masked mean cross-entropy. LoRA written plainly (Hu et al. 2021, PEFT's
layout): y = x Wᵀ + (alpha/r) (x Aᵀ) Bᵀ with A (r, in), B (out, r), and every base tensor frozen (W, embeddings,
norms: requires_grad False), as PEFT freezes them. AdamW over the
trainable parameters with the run's warm-up + cosine schedule and gradient clipping (torch_ref.lr_at).

--config: {"model": {...}, "train": {...}, "seqLen": T, "lora": null | {"rank", "alpha", "targets"}} (model and train
camelCase or snake_case);
--weights: the safetensors file; --batches: int32 (steps, 4, B, T) = inputs, targets, segments, positions.
Thread pinning is the caller's: --threads sets torch.set_num_threads; OPENBLAS_NUM_THREADS comes from the environment.
"""
import argparse, json, math, struct, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_ref import RMSNorm, blas_in_use, lr_at, rope, snake

IGNORE_INDEX = -100


class Linear(nn.Module):
    """nn.Linear's weight (out, in) without bias, plus an optional LoRA pair named as PEFT names it
    (<module>.lora_A.weight, <module>.lora_B.weight), so that parameter names equal kotodama's."""

    def __init__(self, n_in, n_out, lora):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        self.lora_A = self.lora_B = None
        if lora is not None:
            self.lora_A = nn.Linear(n_in, lora["rank"], bias=False)
            self.lora_B = nn.Linear(lora["rank"], n_out, bias=False)
            self.scale = lora["alpha"] / lora["rank"]

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.lora_A is not None:
            y = y + self.lora_B(self.lora_A(x) * self.scale)  # scale on the rank-r intermediate, as kotodama
        return y


def lora_for(lora, module):
    return lora if lora is not None and module in lora["targets"] else None


class Attention(nn.Module):
    def __init__(self, c, lora):
        super().__init__()
        C, H, Hkv = c["dim"], c["n_heads"], c["n_kv_heads"]
        D = C // H
        self.H, self.Hkv, self.D = H, Hkv, D
        self.q_proj = Linear(C, H * D, lora_for(lora, "q_proj"))
        self.k_proj = Linear(C, Hkv * D, lora_for(lora, "k_proj"))
        self.v_proj = Linear(C, Hkv * D, lora_for(lora, "v_proj"))
        self.o_proj = Linear(H * D, C, lora_for(lora, "o_proj"))

    def forward(self, x, cos, sin, mask):
        B, T, C = x.shape
        H, Hkv, D = self.H, self.Hkv, self.D
        q = rope(self.q_proj(x).view(B, T, H, D), cos, sin).transpose(1, 2)  # (B, H, T, D)
        k = rope(self.k_proj(x).view(B, T, Hkv, D), cos, sin).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.v_proj(x).view(B, T, Hkv, D).transpose(1, 2)
        if Hkv != H:  # query head h reads key/value head h // (H / Hkv)
            k = k.repeat_interleave(H // Hkv, dim=1)
            v = v.repeat_interleave(H // Hkv, dim=1)
        att = (q * (1.0 / math.sqrt(D))) @ k.transpose(-2, -1)  # (B, H, T, T); scaling q is cheaper than the scores
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        return self.o_proj((att @ v).transpose(1, 2).reshape(B, T, H * D))


class Mlp(nn.Module):
    def __init__(self, c, lora):
        super().__init__()
        C, F_ = c["dim"], c["hidden_dim"]
        self.gate_proj = Linear(C, F_, lora_for(lora, "gate_proj"))
        self.up_proj = Linear(C, F_, lora_for(lora, "up_proj"))
        self.down_proj = Linear(F_, C, lora_for(lora, "down_proj"))

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c, lora):
        super().__init__()
        self.input_layernorm = RMSNorm(c["dim"], c["norm_eps"])
        self.self_attn = Attention(c, lora)
        self.post_attention_layernorm = RMSNorm(c["dim"], c["norm_eps"])
        self.mlp = Mlp(c, lora)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, c, lora):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["dim"])
        self.layers = nn.ModuleList(Layer(c, lora) for _ in range(c["n_layers"]))
        self.norm = RMSNorm(c["dim"], c["norm_eps"])


class Model(nn.Module):
    def __init__(self, c, lora):
        super().__init__()
        self.model = Decoder(c, lora)
        self.lm_head = None if c["tie_embeddings"] else Linear(c["dim"], c["vocab_size"], None)
        D = c["dim"] // c["n_heads"]
        self.inv = c["rope_theta"] ** (-torch.arange(0, D, 2, dtype=torch.float32) / D)  # (D/2)

    def forward(self, idx, targets, seg, pos):
        B, T = idx.shape
        ang = pos.to(torch.float32)[..., None] * self.inv  # (B, T, D/2)
        cos, sin = ang.cos()[:, :, None, :], ang.sin()[:, :, None, :]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        mask = ((seg[:, :, None] == seg[:, None, :]) & causal)[:, None]  # (B, 1, T, T)
        x = self.model.embed_tokens(idx)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        h = self.model.norm(x)
        logits = F.linear(h, self.model.embed_tokens.weight) if self.lm_head is None else self.lm_head(h)  # (B, T, V)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=IGNORE_INDEX)


def read_safetensors(path):
    """{name: float32 array} of an F32 safetensors file (8-byte header length, JSON header, raw data)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw, dtype=np.float32, count=(b - a) // 4, offset=8 + n + a).reshape(info["shape"])
    return out


def load(model, path):
    """Copies every tensor of the file into the parameter of the same name; both sides must name the same set."""
    tensors = read_safetensors(path)
    params = dict(model.named_parameters())
    if set(tensors) != set(params):
        raise SystemExit(f"{path}: names differ: file only {sorted(set(tensors) - set(params))[:4]}, model only {sorted(set(params) - set(tensors))[:4]}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(tensors[name].copy()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--batches", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", action="store_true", help="time steps 3..N, print one line")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(a.config))
    c, o = snake(cfg["model"]), snake(cfg["train"])
    lora = cfg.get("lora")
    for flag, neutral in (("pos", "rope"), ("norm", "rms"), ("mlp", "swiglu"), ("bias", False), ("rope_pairing", "adjacent")):
        if c[flag] != neutral:
            raise SystemExit(f"torch_sft_ref.py: model.{flag} = {c[flag]!r}; this reference has {neutral!r} only")
    B, T = o["batch_size"], cfg["seqLen"]
    data = np.fromfile(a.batches, dtype=np.int32)
    steps = data.size // (4 * B * T)
    data = torch.from_numpy(data.reshape(steps, 4, B, T).astype(np.int64))
    model = Model(c, lora)
    load(model, a.weights)
    if lora is not None:  # LoRA trains the adapters only: every base tensor (matrices, embeddings, norms) is frozen
        for name, p in model.named_parameters():
            p.requires_grad_(".lora_" in name)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weight_decay"])
    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, o)
        opt.zero_grad(set_to_none=True)
        x, y, seg, pos = data[step]
        loss = model(x, y, seg, pos)
        loss.backward()
        if o["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(trainable, o["grad_clip"])
        opt.step()
        rec = {"step": step + 1, "train_loss": loss.item()}
        if a.bench and step == 1:
            t0, c0 = time.perf_counter(), time.process_time()
        if not a.bench or step + 1 == steps:
            if a.bench:
                rec["tokens_per_s"] = (steps - 2) * B * T / (time.perf_counter() - t0)
                rec["cpu_tokens_per_s"] = (steps - 2) * B * T / (time.process_time() - c0)  # per CPU-second, all threads
                rec["blas"] = blas_in_use()
                rec["trainable"] = sum(p.numel() for p in trainable)
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
