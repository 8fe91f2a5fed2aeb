#!/usr/bin/env python3
"""One KTO training step in PyTorch eager, timed: the baseline that `onnx-kto train --device cuda` is measured against.

The step is the one OnnxKto runs (docs/DESIGN.md, "The KTO loss, exactly"):
  policy forward + backward on the batch; a policy forward under no_grad on the KL batch (completions rotated by
  one within the micro-batch); reference log-probs precomputed once and cached (so no reference forward per step,
  unless --ref-in-step); KTO loss (TRL semantics); AdamW.
The model is GPT-2 shaped (pre-LN, GELU tanh MLP, tied embeddings) or, for the llama shapes, Llama shaped (RMSNorm,
rotary embeddings, grouped-query attention, SwiGLU, untied head; the qwen2.5 shapes add q/k/v biases and rotary base 1e6);
random weights, written here in plain PyTorch (nanoGPT style) so nothing is downloaded. The result line reports peak
memory too: RSS on the CPU, allocated device memory on CUDA.

--bf16 runs the forward passes and the loss under torch.autocast(dtype=torch.bfloat16), which is what onnx-kto's
`bf16: true` does in its graphs: matrix products in bf16, softmax/log-softmax/norms/loss in fp32, fp32 master weights
and AdamW state. --lora R wraps every linear layer but the head in a peft LoRA adapter (r=R, alpha=--lora-alpha,
dropout 0, B=0 at start) and trains only the adapters, as onnx-kto's `use_peft: true, lora_target_modules: all-linear`.

  python3 tools/gpu/torch_kto_step.py --device cuda                      # GPT-2 small, batch 8 x 512, fp32
  python3 tools/gpu/torch_kto_step.py --device cuda --tf32               # same with TF32 matmuls
  python3 tools/gpu/torch_kto_step.py --device cpu --shape tiny --steps 2   # smoke test anywhere with torch
  python3 tools/gpu/torch_kto_step.py --device cpu --shape smollm2-135m --batch 4 --seq 256 --gradient-checkpointing
  python3 tools/gpu/torch_kto_step.py --device cuda --bf16                # GPT-2 small under bf16 autocast
  python3 tools/gpu/torch_kto_step.py --device cuda --shape llama3-8b --bf16 --lora 16 --gradient-checkpointing --steps 3

Prints a human line and a `RESULT {json}` line: tokens/s (batch tokens B*T per optimizer step), step ms, model
FLOPs utilisation against --peak-tflops (defaults: H200 dense fp32 67, TF32 495, bf16 989; PyTorch's bf16 GEMMs
reach about 790 there).
"""
import argparse
import contextlib
import json
import os
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

SHAPES = {
    # name: (layers, heads, embd, vocab, positions, batch, seq)
    "gpt2-small": (12, 12, 768, 50257, 1024, 8, 512),
    "gpt2-mini": (4, 4, 256, 50257, 512, 8, 128),  # the CPU benchmark's shape (make bench)
    "tiny": (2, 4, 64, 512, 64, 4, 32),
}
LLAMA_SHAPES = {
    # name: (layers, heads, kv_heads, embd, intermediate, vocab, batch, seq)
    "smollm2-135m": (30, 9, 3, 576, 1728, 49152, 4, 256),  # the memory benchmark's shape (make bench)
    "llama-tiny": (2, 4, 2, 64, 176, 512, 4, 32),
    "llama3-8b": (32, 32, 8, 4096, 14336, 128256, 8, 1024),  # the H200's 7B-class LoRA row
    "qwen2.5-0.5b": (24, 14, 2, 896, 4864, 151936, 4, 512),  # the CPU LoRA benchmark's shape (make bench)
}
QKV_BIAS = {"qwen2.5-0.5b"}  # Qwen2: q/k/v projections have biases, rotary base 1e6
ROPE_THETA = {"qwen2.5-0.5b": 1e6, "llama3-8b": 5e5}
TIED_HEAD = {"qwen2.5-0.5b"}  # the output head is the embedding table
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",  # all-linear, head excluded
                "c_attn", "c_proj", "c_fc", "mlp_proj"]


class Block(nn.Module):
    # ln1 → attn → +res → ln2 → mlp → +res
    def __init__(self, e, h, sdpa):
        super().__init__()
        self.h, self.sdpa = h, sdpa
        self.ln_1, self.ln_2 = nn.LayerNorm(e, eps=1e-5), nn.LayerNorm(e, eps=1e-5)
        self.c_attn, self.c_proj = nn.Linear(e, 3 * e), nn.Linear(e, e)
        self.c_fc, self.mlp_proj = nn.Linear(e, 4 * e), nn.Linear(4 * e, e)

    def attn(self, x, mask):
        b, t, e = x.shape
        q, k, v = self.c_attn(x).split(e, dim=2)
        q, k, v = (z.view(b, t, self.h, e // self.h).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
            att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, e))

    def forward(self, x, mask):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    def __init__(self, layers, heads, e, vocab, positions, sdpa):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, e), nn.Embedding(positions, e)
        self.h = nn.ModuleList(Block(e, heads, sdpa) for _ in range(layers))
        self.ln_f = nn.LayerNorm(e, eps=1e-5)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, attention_mask):
        b, t = ids.shape
        pos = (attention_mask.cumsum(1) - 1).clamp(min=0)
        x = self.wte(ids) + self.wpe(pos)
        causal = torch.ones(t, t, dtype=torch.bool, device=ids.device).tril()
        mask = (causal[None, None] & attention_mask.bool()[:, None, None, :]) | torch.eye(t, dtype=torch.bool, device=ids.device)
        for block in self.h:
            x = block(x, mask)
        return self.ln_f(x) @ self.wte.weight.T  # (B, T, V), tied lm_head


class RmsNorm(nn.Module):
    def __init__(self, e, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(e)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


class LlamaBlock(nn.Module):
    # norm → attn (rotary, grouped-query) → +res → norm → SwiGLU mlp → +res
    def __init__(self, e, h, kv, inter, sdpa, qkv_bias=False):
        super().__init__()
        self.h, self.kv, self.d, self.sdpa = h, kv, e // h, sdpa
        self.input_layernorm, self.post_attention_layernorm = RmsNorm(e), RmsNorm(e)
        self.q_proj, self.k_proj = nn.Linear(e, h * self.d, bias=qkv_bias), nn.Linear(e, kv * self.d, bias=qkv_bias)
        self.v_proj, self.o_proj = nn.Linear(e, kv * self.d, bias=qkv_bias), nn.Linear(h * self.d, e, bias=False)
        self.gate_proj, self.up_proj = nn.Linear(e, inter, bias=False), nn.Linear(e, inter, bias=False)
        self.down_proj = nn.Linear(inter, e, bias=False)

    def attn(self, x, mask, cos, sin):
        b, t, _ = x.shape
        q = rotate(self.q_proj(x).view(b, t, self.h, self.d).transpose(1, 2), cos, sin)    # (B, H, T, D)
        k = rotate(self.k_proj(x).view(b, t, self.kv, self.d).transpose(1, 2), cos, sin)   # (B, KV, T, D)
        v = self.v_proj(x).view(b, t, self.kv, self.d).transpose(1, 2)
        k, v = (z.repeat_interleave(self.h // self.kv, dim=1) for z in (k, v))
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            att = ((q @ k.transpose(-2, -1)) / math.sqrt(self.d)).masked_fill(~mask, float("-inf")).softmax(dim=-1)
            y = att @ v
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.h * self.d))

    def forward(self, x, mask, cos, sin):
        x = x + self.attn(self.input_layernorm(x), mask, cos, sin)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, layers, heads, kv, e, inter, vocab, sdpa, theta=10000.0, qkv_bias=False, tied=False):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, e)
        self.layers = nn.ModuleList(LlamaBlock(e, heads, kv, inter, sdpa, qkv_bias) for _ in range(layers))
        self.norm, self.lm_head = RmsNorm(e), nn.Linear(e, vocab, bias=False)
        if tied:
            self.lm_head.weight = self.embed_tokens.weight
        self.inv_freq = 1.0 / theta ** (torch.arange(0, e // heads, 2).float() / (e // heads))
        self.checkpointing = False
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, attention_mask):
        b, t = ids.shape
        pos = (attention_mask.cumsum(1) - 1).clamp(min=0).float()
        angles = pos[:, None, :, None] * self.inv_freq.to(ids.device)[None, None, None, :]          # (B, 1, T, D/2)
        cos, sin = (torch.cat([f(angles)] * 2, dim=-1) for f in (torch.cos, torch.sin))
        causal = torch.ones(t, t, dtype=torch.bool, device=ids.device).tril()
        mask = (causal[None, None] & attention_mask.bool()[:, None, None, :]) | torch.eye(t, dtype=torch.bool, device=ids.device)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            if self.checkpointing and torch.is_grad_enabled():
                x = torch.utils.checkpoint.checkpoint(layer, x, mask, cos, sin, use_reentrant=False)
            else:
                x = layer(x, mask, cos, sin)
        return self.lm_head(self.norm(x))  # (B, T, V)


def completion_logps(logits, ids, completion_mask):
    """Sum over completion tokens of log softmax(logits[t-1])[ids[t]]: logsumexp minus the gathered logit."""
    logits, labels, m = logits[:, :-1].float(), ids[:, 1:], completion_mask[:, 1:].float()
    picked = logits.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    return ((picked - logits.logsumexp(-1)) * m).sum(-1)


def kto_loss(policy, ref, kl_policy, kl_ref, desirable, beta=0.1, w_d=1.0, w_u=1.0):
    z0 = (kl_policy - kl_ref).mean().clamp(min=0).detach()
    r = policy - ref
    losses = torch.where(desirable, w_d * (1 - torch.sigmoid(beta * (r - z0))), w_u * (1 - torch.sigmoid(beta * (z0 - r))))
    return losses.mean()


def model_flops_per_step(n, layers, e, b, t, frozen=False):
    """PaLM-style: 6N + 12·L·T·E per trained token (fwd+bwd), 2N + 4·L·T·E per KL-pass token (fwd only);
    N counts the parameters that multiply activations (embedding lookups are free). With frozen weights (LoRA) the
    backward computes no weight gradients: 4N per trained token (the adapters' own FLOPs are negligible). Recomputation
    under gradient checkpointing is not counted (MFU counts the model's FLOPs, not the hardware's)."""
    return b * t * ((4 if frozen else 6) * n + 12 * layers * t * e) + b * t * (2 * n + 4 * layers * t * e)


class LoraLinear(nn.Module):
    """y = W·x + (alpha/r)·B·A·x, A Kaiming-uniform, B zero: PEFT's LoRA, for machines without the peft package."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base, self.scale = base, alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, device=base.weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, device=base.weight.device))
        nn.init.kaiming_uniform_(self.lora_A, a=5 ** 0.5)

    def forward(self, x):
        return self.base(x) + self.scale * F.linear(F.linear(x, self.lora_A), self.lora_B)


def add_lora(model, r, alpha):
    """LoRA on every targeted linear layer (peft's when installed, else LoraLinear); only the adapters train."""
    targets = sorted({name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, nn.Linear)} & set(LORA_TARGETS))
    try:
        from peft import LoraConfig, inject_adapter_in_model
        model = inject_adapter_in_model(LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets), model)
    except ImportError:
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Linear) and name in targets:
                    setattr(parent, name, LoraLinear(child, r, alpha))
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)
    return model


def peak_memory_mib(dev):
    if dev.type == "cuda":
        return torch.cuda.max_memory_allocated(dev) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--shape", choices=[*SHAPES, *LLAMA_SHAPES], default="gpt2-small")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--steps", type=int, default=10, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (default: strict fp32)")
    ap.add_argument("--bf16", action="store_true", help="forward and loss under torch.autocast(dtype=torch.bfloat16)")
    ap.add_argument("--lora", type=int, metavar="R", help="train peft LoRA adapters of rank R on all linear layers only")
    ap.add_argument("--lora-alpha", type=float, help="LoRA alpha (default 2R, as lora_alpha: 32 for r=16)")
    ap.add_argument("--attention", choices=["sdpa", "manual"], default="sdpa",
                    help="sdpa: F.scaled_dot_product_attention (what HF GPT-2 uses); manual: matmul+softmax like an ONNX graph")
    ap.add_argument("--fused-adamw", action="store_true", help="AdamW(fused=True) instead of the default foreach")
    ap.add_argument("--ref-in-step", action="store_true", help="also run the reference model (no_grad) every step")
    ap.add_argument("--peak-tflops", type=float, help="for MFU; default H200 dense: 67 fp32, 495 TF32, 989 bf16")
    ap.add_argument("--gradient-checkpointing", action="store_true", help="llama shapes: recompute each layer in backward")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    if a.shape in LLAMA_SHAPES:
        layers, heads, kv, e, inter, vocab, b, t = LLAMA_SHAPES[a.shape]
        make = lambda: Llama(layers, heads, kv, e, inter, vocab, a.attention == "sdpa", ROPE_THETA.get(a.shape, 10000.0), a.shape in QKV_BIAS,
                             a.shape in TIED_HEAD)
        matmul_params = layers * (2 * e * e + 2 * e * (e // heads) * kv + 3 * e * inter) + e * vocab
    else:
        layers, heads, e, vocab, positions, b, t = SHAPES[a.shape]
        make = lambda: Gpt2(layers, heads, e, vocab, positions, a.attention == "sdpa")
        matmul_params = layers * 12 * e * e + e * vocab
    b, t = a.batch or b, a.seq or t
    assert b >= 2, "KTO's KL pass pairs example i with completion i-1: a batch needs 2 or more"
    dev = torch.device(a.device)
    if dev.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.set_float32_matmul_precision("high" if a.tf32 else "highest")

    # Initialise on the device where torch can (2.0+): a 7B model's 30 GB never passes through host memory.
    with (dev if hasattr(dev, "__enter__") else contextlib.nullcontext()):
        model = make().to(dev)
        reference = make().eval().to(dev) if a.ref_in_step else None
    model.checkpointing = a.gradient_checkpointing
    if a.lora:
        model = add_lora(model, a.lora, a.lora_alpha or 2 * a.lora).to(dev)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=5e-7, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                            **({"fused": True} if a.fused_adamw else {}))
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16)

    # Batch: prompt = first quarter, completion = the rest; labels alternate; KL batch rotates completions by one.
    ids = torch.randint(0, vocab, (b, t), device=dev)
    attention_mask = torch.ones(b, t, dtype=torch.long, device=dev)
    p = t // 4
    completion_mask = torch.zeros(b, t, dtype=torch.long, device=dev)
    completion_mask[:, p:] = 1
    kl_ids = torch.cat([ids[:, :p], ids[:, p:].roll(1, dims=0)], dim=1)
    desirable = torch.arange(b, device=dev) % 2 == 0
    with torch.no_grad(), autocast:  # reference = the initial policy, its log-probs computed once and cached
        ref_logps = completion_logps(model(ids, attention_mask), ids, completion_mask)
        kl_ref_logps = completion_logps(model(kl_ids, attention_mask), kl_ids, completion_mask)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.no_grad(), autocast:
            kl = completion_logps(model(kl_ids, attention_mask), kl_ids, completion_mask)
            if reference is not None:
                completion_logps(reference(ids, attention_mask), ids, completion_mask)
        with autocast:
            logps = completion_logps(model(ids, attention_mask), ids, completion_mask)
            loss = kto_loss(logps, ref_logps, kl, kl_ref_logps, desirable)
        loss.backward()
        opt.step()
        return loss

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(a.warmup):
        step()
    sync()
    times, loss = [], None
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        sync()
        times.append(time.perf_counter() - t0)

    step_s = statistics.median(times)
    tokens_per_s = b * t / step_s
    peak = a.peak_tflops or (989.0 if a.bf16 else 495.0 if a.tf32 else 67.0)
    flops = model_flops_per_step(matmul_params, layers, e, b, t, frozen=bool(a.lora))
    mfu = flops / step_s / (peak * 1e12)
    result = {
        "impl": "pytorch-eager", "shape": a.shape, "batch": b, "seq": t, "device": str(dev),
        "gpu": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None, "torch": torch.__version__,
        "tf32": a.tf32, "bf16": a.bf16, "lora_r": a.lora, "flops_per_token": round(flops / (b * t)),
        "trainable_parameters": sum(p.numel() for p in trainable), "attention": a.attention, "fused_adamw": a.fused_adamw, "ref_in_step": a.ref_in_step,
        "steps": a.steps, "step_ms": round(step_s * 1e3, 3), "tokens_per_second": round(tokens_per_s, 1),
        "mfu": round(mfu, 4), "peak_tflops": peak, "loss": float(loss),
        "gradient_checkpointing": a.gradient_checkpointing, "peak_memory_mib": round(peak_memory_mib(dev), 1),
    }
    print(f"pytorch eager {a.shape} b={b} t={t} tf32={a.tf32} bf16={a.bf16} lora={a.lora} attention={a.attention}: "
          f"{step_s * 1e3:.1f} ms/step, {tokens_per_s:,.0f} tokens/s, MFU {mfu:.1%} of {peak} TFLOP/s, "
          f"peak memory {peak_memory_mib(dev):,.0f} MiB")
    print("RESULT " + json.dumps(result))
    if not math.isfinite(float(loss)):
        sys.exit("loss is not finite")


if __name__ == "__main__":
    main()
