#!/usr/bin/env python3
"""Reads the device check's outputs (standard library only, so it runs beside the bundle anywhere).

  gpu_report.py parity CPU_RUN/metrics.jsonl CUDA_RUN/metrics.jsonl     exit 1 when a loss differs beyond tolerance
  gpu_report.py track FP32_RUN/metrics.jsonl BF16_RUN/metrics.jsonl     bf16 losses against fp32's; exit 1 beyond tolerance
  gpu_report.py bench --onnx NAME=metrics.jsonl ... --torch NAME=torch.out ... [--skip 2] [--shape E,L,V,B,T]
  gpu_report.py peakmem NAME=memory-samples.txt ...                     peak GPU memory of nvidia-smi samples (MiB)

MFU is against the NVIDIA H200's dense peaks (the same Hopper tensor cores as the H100 SXM, more and faster memory):
989 TFLOP/s bf16, 495 TF32, 67 fp32 (CUDA cores). PyTorch's own bf16 GEMMs reach about 790 TFLOP/s there, so ~80%
MFU is the practical ceiling for the largest products. A run is named by its precision (fp32, tf32, bf16, or a name
containing one, e.g. bf16-lora). FLOPs per token: --flops-per-token if given, else the torch twin's RESULT line's
flops_per_token (so both sides are counted alike), else the GPT-2 count for --shape.

Parity tolerance (TF32 off on both sides): both runs do the same float32 arithmetic in a different order (cuBLAS
blocked/split-K GEMMs vs MLAS, tree reductions, atomics in ScatterElements-add), so each op differs by a few ulps
(~1e-7 relative). Summed over a sequence's completion tokens, log-probs (~1e3 in magnitude) differ by ~1e-4, which
β = 0.1 and σ' <= 1/4 shrink to ~1e-5 in the loss. Step 1 (before any update) must therefore agree to
1e-5 + 1e-4·|loss|. Later steps start from parameters that AdamW moved by lr·m/(√v+ε), which turns relative
gradient noise into O(lr) parameter noise for small gradients, so they get 1e-4 + 1e-3·|loss|.

bf16 tracking tolerance (same model, data and seed; products in bf16 vs fp32, everything else fp32): bf16 keeps 8
significant bits (unit roundoff u = 2^-8 ≈ 3.9e-3), so each logit carries ~u relative error; over a completion of
~400 tokens the sequence log-prob (~1e3 nats) moves by ~sqrt(400)·u·|logit| ≈ 0.1-1 nat, which β = 0.1 and
σ' <= 1/4 turn into <= 0.025 in a KTO loss of ~0.5; the reference log-probs are computed in bf16 too, so step 1's
rewards start at 0 on both sides. Each step: |Δloss| <= 2e-2 + 5e-2·|loss|; and the bf16 run must not drift away
over the steps: its mean |Δloss| over the last half of the steps at most twice that over the first half (plus 2e-2).
"""
import argparse
import json
import statistics
import sys


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def loss_by_step(rows):
    return {int(r["step"]): float(r["loss"]) for r in rows if "loss" in r and "step" in r}


def parity(a_path, b_path, first_atol=1e-5, first_rtol=1e-4, atol=1e-4, rtol=1e-3):
    a, b = loss_by_step(read_jsonl(a_path)), loss_by_step(read_jsonl(b_path))
    steps = sorted(set(a) & set(b))
    if not steps:
        print(f"parity: no common logged steps ({a_path}: {sorted(a)}, {b_path}: {sorted(b)})")
        return 1
    first = steps[0]
    worst, failed = 0.0, []
    print("| step | loss cpu | loss cuda | abs diff | tolerance |")
    print("|---:|---:|---:|---:|---:|")
    for s in steps:
        d = abs(a[s] - b[s])
        tol = (first_atol + first_rtol * abs(a[s])) if s == first else (atol + rtol * abs(a[s]))
        worst = max(worst, d)
        mark = "" if d <= tol else " **FAIL**"
        if d > tol or d != d:
            failed.append(s)
        print(f"| {s} | {a[s]:.8f} | {b[s]:.8f} | {d:.2e} | {tol:.1e}{mark} |")
    missing = sorted(set(a) ^ set(b))
    if missing:
        print(f"steps logged by only one run: {missing}")
    verdict = "PASS" if not failed and not missing else "FAIL"
    print(f"parity {verdict}: {len(steps)} steps, max |Δloss| = {worst:.3e}" + (f", failing steps {failed}" if failed else ""))
    return 0 if verdict == "PASS" else 1


def track(fp32_path, bf16_path, atol=2e-2, rtol=5e-2):
    a, b = loss_by_step(read_jsonl(fp32_path)), loss_by_step(read_jsonl(bf16_path))
    steps = sorted(set(a) & set(b))
    if not steps:
        print(f"track: no common logged steps ({fp32_path}: {sorted(a)}, {bf16_path}: {sorted(b)})")
        return 1
    failed, diffs = [], []
    print("| step | loss fp32 | loss bf16 | abs diff | tolerance |")
    print("|---:|---:|---:|---:|---:|")
    for s in steps:
        d = abs(a[s] - b[s])
        tol = atol + rtol * abs(a[s])
        diffs.append(d)
        if not d <= tol:
            failed.append(s)
        print(f"| {s} | {a[s]:.6f} | {b[s]:.6f} | {d:.2e} | {tol:.1e}{'' if d <= tol else ' **FAIL**'} |")
    half = len(diffs) // 2
    early, late = (statistics.mean(diffs[:half]), statistics.mean(diffs[half:])) if half else (diffs[0], diffs[0])
    drifting = late > 2 * early + atol
    verdict = "PASS" if not failed and not drifting else "FAIL"
    print(f"track {verdict}: {len(steps)} steps, max |Δloss| = {max(diffs):.3e}, mean first half {early:.2e}, "
          f"second half {late:.2e}" + (f", failing steps {failed}" if failed else "") + (", drifting" if drifting else ""))
    return 0 if verdict == "PASS" else 1


PEAKS = {"bf16": 989.0, "fp16": 989.0, "tf32": 495.0, "fp32": 67.0}  # H200 (SXM) dense TFLOP/s


def peak_for(name):
    return next((PEAKS[k] for k in ("bf16", "fp16", "tf32") if k in name), PEAKS["fp32"])


def model_flops_per_step(e, layers, vocab, b, t):
    """Same count as torch_kto_step.py: 6N + 12·L·T·E per trained token, 2N + 4·L·T·E per KL-pass token."""
    n = layers * 12 * e * e + e * vocab
    return b * t * (6 * n + 12 * layers * t * e) + b * t * (2 * n + 4 * layers * t * e)


def onnx_tokens_per_second(path, skip):
    rows = [r for r in read_jsonl(path) if "tokens_per_second" in r]
    rows = rows[skip:] if len(rows) > skip else rows
    return statistics.median(float(r["tokens_per_second"]) for r in rows) if rows else None


def torch_result(path):
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
    return None


def bench(onnx, torch_runs, skip, shape, flops=None):
    e, layers, vocab, b, t = shape
    flops_per_token = model_flops_per_step(e, layers, vocab, b, t) / (b * t)
    rows, results = [], []
    for name, path in onnx:
        try:
            tps = onnx_tokens_per_second(path, skip)
        except OSError as err:
            tps = None
            print(f"onnx-kto {name}: {path}: {err.strerror}")
        rows.append(("onnx-kto", name, tps))
    for name, path in torch_runs:
        try:
            r = torch_result(path)
        except OSError:
            r = None
        rows.append(("pytorch eager", name, r["tokens_per_second"] if r else None))
        results.append(r or {})
    counted = [r["flops_per_token"] for r in results if r.get("flops_per_token")]
    if flops:
        flops_per_token = flops
    elif counted:
        flops_per_token = counted[0]
    print("| impl | run | tokens/s | MFU (H200 dense peak) |")
    print("|---|---|---:|---:|")
    for impl, name, tps in rows:
        peak = peak_for(name)
        mfu = f"{tps * flops_per_token / (peak * 1e12):.1%} of {peak:g} TFLOP/s" if tps else "n/a"
        print(f"| {impl} | {name} | {tps:,.0f} | {mfu} |" if tps else f"| {impl} | {name} | n/a | n/a |")
    by = {(impl, name): tps for impl, name, tps in rows}
    print()
    for name in sorted({n for i, n, _ in rows if i == "onnx-kto"}):
        ours, theirs = by.get(("onnx-kto", name)), by.get(("pytorch eager", name))
        if ours and theirs:
            print(f"ratio {name}: onnx-kto / pytorch eager = {ours / theirs:.2f}x")
        else:
            print(f"ratio {name}: n/a (a run is missing)")
    return 0


def peakmem(samples):
    """Largest value in each file of nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits samples."""
    print("| run | GPU memory peak (nvidia-smi, MiB) |")
    print("|---|---:|")
    for name, path in samples:
        try:
            with open(path) as f:
                values = [float(x) for line in f for x in line.replace(",", " ").split() if x.replace(".", "", 1).isdigit()]
        except OSError:
            values = []
        print(f"| {name} | {max(values):,.0f} |" if values else f"| {name} | n/a |")
    return 0


def pairs(values):
    out = []
    for v in values or []:
        name, _, path = v.partition("=")
        out.append((name, path))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("parity")
    p.add_argument("cpu")
    p.add_argument("cuda")
    tr = sub.add_parser("track")
    tr.add_argument("fp32")
    tr.add_argument("bf16")
    m = sub.add_parser("peakmem")
    m.add_argument("samples", nargs="+", help="NAME=file of memory.used samples")
    q = sub.add_parser("bench")
    q.add_argument("--onnx", action="append", help="NAME=RUN/metrics.jsonl (NAME fp32, tf32 or bf16)")
    q.add_argument("--torch", action="append", help="NAME=file holding torch_kto_step.py's output")
    q.add_argument("--skip", type=int, default=2, help="logged steps to drop as warm-up")
    q.add_argument("--shape", default="768,12,50257,8,512", help="E,L,V,B,T of a GPT-2 shape, for its FLOP count")
    q.add_argument("--flops-per-token", type=float, help="the FLOP count per batch token, over the torch twin's and --shape's")
    a = ap.parse_args()
    if a.cmd == "parity":
        return parity(a.cpu, a.cuda)
    if a.cmd == "track":
        return track(a.fp32, a.bf16)
    if a.cmd == "peakmem":
        return peakmem(pairs(a.samples))
    return bench(pairs(a.onnx), pairs(a.torch), a.skip, [int(x) for x in a.shape.split(",")], a.flops_per_token)


if __name__ == "__main__":
    sys.exit(main())
