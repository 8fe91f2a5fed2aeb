#!/usr/bin/env bash
# Issues 9 and 17's GPU run on the H200: device probe, CPU/CUDA loss parity on a tiny model (TF32 off), the
# GPT-2-small benchmark (8 x 512) in fp32, TF32 and bf16 against the same KTO step in PyTorch eager (bf16: under
# torch.autocast), bf16 losses tracking fp32's over BENCH_STEPS steps, and, when the build has LoRA, a
# Qwen2.5-7B-shaped LoRA r=16 bf16 row (8 x 1024) with the GPU memory peak. Run from the repo root on the GPU
# machine, through the bundle (which puts the GPU build of onnx-kto on PATH and the CUDA libraries on LD_LIBRARY_PATH):
#
#   bash gpu-bundle/run-on-gpu.sh bash tools/gpu/device-check.sh                       # probe parity bench
#   STAGES=lora7b bash gpu-bundle/run-on-gpu.sh bash tools/gpu/device-check.sh         # the 7B row, its own call
#
# Results go to $OUT (the device tool's folder; ./gpu-check-out otherwise): summary.md, device-check.log and
# runs.tar.gz (configs, metrics.jsonl files, nvidia-smi samples, torch outputs). Three files: the tool returns 8 at most.
# Knobs: STAGES ("probe parity bench": any of probe, parity, bench, lora7b), PARITY_STEPS (5), BENCH_STEPS (20),
# LORA_STEPS (4), DEADLINE_S (540: stages that would start later are skipped), TRAIN_EXTRA (extra flags for every
# `onnx-kto train`), SKIP_TORCH=1.
set -uo pipefail

OUT="${OUT:-$PWD/gpu-check-out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/device-check.log") 2>&1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KTO="${ONNX_KTO:-onnx-kto}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d /tmp/onnxkto-gpu.XXXXXX)"
PARITY_STEPS="${PARITY_STEPS:-5}"
BENCH_STEPS="${BENCH_STEPS:-20}"
LORA_STEPS="${LORA_STEPS:-4}"
STAGES=" ${STAGES:-probe parity bench} "
wants() { [[ "$STAGES" == *" $1 "* ]]; }
DEADLINE_S="${DEADLINE_S:-540}"
read -r -a TRAIN_EXTRA <<<"${TRAIN_EXTRA:-}"
SUMMARY="$OUT/summary.md"
: >"$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }

# stage NAME TIMEOUT_S COMMAND...: runs a step with a time limit unless the deadline is near; records the outcome.
stage() {
  local name="$1" limit="$2" rc start
  shift 2
  if ((SECONDS + 10 > DEADLINE_S)); then note "- $name: SKIPPED (deadline ${DEADLINE_S}s reached at ${SECONDS}s)"; return 99; fi
  ((SECONDS + limit > DEADLINE_S)) && limit=$((DEADLINE_S - SECONDS))
  echo; echo "=== $name (limit ${limit}s) ==="
  start=$SECONDS
  timeout --kill-after=10 "$limit" "$@"; rc=$?
  note "- $name: $([[ $rc == 0 ]] && echo ok || echo "FAILED rc=$rc") in $((SECONDS - start))s"
  return $rc
}

# A KTO dataset (prompt, completion, label) of N rows whose texts are about WORDS words each: pseudo-random
# English words so the GPT-2 tokenizer sees ordinary text.
make_data() {
  "$PY" - "$1" "$2" "$3" <<'PY'
import json, random, sys
path, n, words = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vocab = ("the model learns from binary feedback whether each answer was good or bad for the prompt and "
         "keeps close to its reference while moving towards desirable completions away from undesirable ones").split()
rng = random.Random(42)
with open(path, "w") as f:
    for i in range(n):
        prompt = " ".join(rng.choice(vocab) for _ in range(max(2, words // 4)))
        completion = " ".join(rng.choice(vocab) for _ in range(words))
        f.write(json.dumps({"prompt": prompt, "completion": " " + completion, "label": i % 2 == 0}) + "\n")
PY
}

echo "onnx-kto GPU check: $(date -u +%FT%TZ), work folder $WORK, out $OUT"
{
  echo "# onnx-kto GPU check"
  echo
  echo "- when: $(date -u +%FT%TZ); onnx-kto commit: $(cat "$(dirname "$(command -v "$KTO")")/COMMIT" 2>/dev/null || echo unknown)"
  echo "- gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi failed')"
  echo "- LD_LIBRARY_PATH: ${LD_LIBRARY_PATH:-}"
  echo "- torch: $("$PY" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>/dev/null || echo none)"
  echo
  echo "## Stages"
} >>"$SUMMARY"

# 0. The device works: provider, libraries, GPU, device memory, IO binding round trip.
if wants probe && ! stage "device probe (cuda)" 90 "$KTO" device --device cuda; then
  note "**The CUDA device is not usable; stopping.** See device-check.log for the message."
  exit 1
fi
TRAIN_HELP="$("$KTO" train --help 2>&1 || true)"
if ! grep -q -- "--device" <<<"$TRAIN_HELP"; then
  note "**onnx-kto train is missing or has no --device in this build; stopping.**"
  exit 1
fi
TF32_FLAG=()
grep -q -- "--tf32" <<<"$TRAIN_HELP" && TF32_FLAG=(--tf32)
PROFILE_FLAG=()
grep -q -- "--profile" <<<"$TRAIN_HELP" && PROFILE_FLAG=(--profile)

# 1. Parity: the tiny model trains a few steps on CPU and on CUDA (TF32 off) from the same artifacts and data.
cat >"$WORK/parity.yaml" <<EOF
beta: 0.1
loss_type: kto
learning_rate: 1.0e-4
per_device_train_batch_size: 4
gradient_accumulation_steps: 1
max_steps: $PARITY_STEPS
max_length: 64
max_prompt_length: 24
warmup_steps: 0
lr_scheduler_type: constant
weight_decay: 0.0
logging_steps: 1
save_steps: 100000
seed: 42
EOF
make_data "$WORK/parity.jsonl" 32 40
parity_ok=0
wants parity && parity_ok=1
if wants parity && stage "parity: artifacts preset:gpt2-tiny" 120 "$KTO" artifacts --model preset:gpt2-tiny --config "$WORK/parity.yaml" --out "$WORK/tiny"; then
  stage "parity: train --device cpu" 150 "$KTO" train --artifacts "$WORK/tiny" --data "$WORK/parity.jsonl" \
    --config "$WORK/parity.yaml" --output "$WORK/parity-cpu" --device cpu "${TRAIN_EXTRA[@]}"
  stage "parity: train --device cuda (TF32 off)" 150 "$KTO" train --artifacts "$WORK/tiny" --data "$WORK/parity.jsonl" \
    --config "$WORK/parity.yaml" --output "$WORK/parity-cuda" --device cuda "${PROFILE_FLAG[@]}" "${TRAIN_EXTRA[@]}"
  { echo; echo "## Parity (gpt2-tiny, $PARITY_STEPS steps, batch 4, TF32 off)"; echo; } >>"$SUMMARY"
  "$PY" "$here/gpu_report.py" parity "$WORK/parity-cpu/metrics.jsonl" "$WORK/parity-cuda/metrics.jsonl" | tee -a "$SUMMARY"
  parity_ok=${PIPESTATUS[0]}
fi

# Samplers in the background, stopped by the caller: GPU use and PCIe traffic once a second (only batches and scalars
# should cross the bus: parameters, gradients and moments stay on the GPU), and device memory in use every 0.5 s.
smi_sample() {
  nvidia-smi dmon -s ut -d 1 >"$WORK/dmon-$1.txt" 2>&1 &
  echo $!
}
mem_sample() {
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 500 >"$WORK/memory-$1.txt" 2>&1 &
  echo $!
}

# 2. Benchmark: GPT-2 small shape (E=768, L=12), random weights, batch 8 x 512; fp32, TF32 and bf16, then PyTorch
# eager the same three ways; the bf16 run's losses against the fp32 run's (same weights, data and order).
if wants bench; then
  cat >"$WORK/bench.yaml" <<EOF
beta: 0.1
loss_type: kto
learning_rate: 1.0e-5
per_device_train_batch_size: 8
gradient_accumulation_steps: 1
max_steps: $BENCH_STEPS
max_length: 512
max_prompt_length: 128
warmup_steps: 0
lr_scheduler_type: constant
logging_steps: 1
save_steps: 100000
seed: 42
EOF
  { cat "$WORK/bench.yaml"; echo "bf16: true"; } >"$WORK/bench-bf16.yaml"
  # 600 words per completion: every row is cut to exactly 512 tokens, so each step is a full 8 x 512.
  make_data "$WORK/bench.jsonl" $((8 * BENCH_STEPS)) 600
  if stage "bench: artifacts preset:gpt2-small" 240 "$KTO" artifacts --model preset:gpt2-small --config "$WORK/bench.yaml" --out "$WORK/small"; then
    pid=$(smi_sample fp32)
    stage "bench: onnx-kto train cuda fp32" 200 "$KTO" train --artifacts "$WORK/small" --data "$WORK/bench.jsonl" \
      --config "$WORK/bench.yaml" --output "$WORK/bench-fp32" --device cuda "${TRAIN_EXTRA[@]}"
    kill "$pid" 2>/dev/null
    if ((${#TF32_FLAG[@]})); then
      pid=$(smi_sample tf32)
      stage "bench: onnx-kto train cuda tf32" 200 "$KTO" train --artifacts "$WORK/small" --data "$WORK/bench.jsonl" \
        --config "$WORK/bench.yaml" --output "$WORK/bench-tf32" --device cuda "${TF32_FLAG[@]}" "${TRAIN_EXTRA[@]}"
      kill "$pid" 2>/dev/null
    else
      note "- bench: onnx-kto train has no --tf32 flag in this build: TF32 run skipped"
    fi
  fi
  if stage "bench: artifacts preset:gpt2-small bf16" 240 "$KTO" artifacts --model preset:gpt2-small --config "$WORK/bench-bf16.yaml" --out "$WORK/small-bf16"; then
    pid=$(smi_sample bf16)
    stage "bench: onnx-kto train cuda bf16" 200 "$KTO" train --artifacts "$WORK/small-bf16" --data "$WORK/bench.jsonl" \
      --config "$WORK/bench-bf16.yaml" --output "$WORK/bench-bf16" --device cuda "${TRAIN_EXTRA[@]}"
    kill "$pid" 2>/dev/null
  fi
  if [[ "${SKIP_TORCH:-0}" != 1 ]]; then
    stage "bench: pytorch eager fp32" 120 "$PY" "$here/torch_kto_step.py" --device cuda --steps 10 | tee "$WORK/torch-fp32.out"
    stage "bench: pytorch eager tf32" 120 "$PY" "$here/torch_kto_step.py" --device cuda --steps 10 --tf32 | tee "$WORK/torch-tf32.out"
    stage "bench: pytorch eager bf16 autocast" 120 "$PY" "$here/torch_kto_step.py" --device cuda --steps 10 --bf16 | tee "$WORK/torch-bf16.out"
  fi
  { echo; echo "## Benchmark (GPT-2 small shape, random weights, batch 8 x 512)"; echo; } >>"$SUMMARY"
  "$PY" "$here/gpu_report.py" bench --onnx fp32="$WORK/bench-fp32/metrics.jsonl" --onnx tf32="$WORK/bench-tf32/metrics.jsonl" \
    --onnx bf16="$WORK/bench-bf16/metrics.jsonl" --torch fp32="$WORK/torch-fp32.out" --torch tf32="$WORK/torch-tf32.out" \
    --torch bf16="$WORK/torch-bf16.out" | tee -a "$SUMMARY"
  { echo; echo "## bf16 against fp32 (GPT-2 small shape, $BENCH_STEPS steps, lr 1e-5)"; echo; } >>"$SUMMARY"
  "$PY" "$here/gpu_report.py" track "$WORK/bench-fp32/metrics.jsonl" "$WORK/bench-bf16/metrics.jsonl" | tee -a "$SUMMARY"
  track_ok=${PIPESTATUS[0]}
  for f in "$WORK"/dmon-*.txt; do
    [[ -f "$f" ]] && { echo; echo "nvidia-smi dmon ($(basename "$f")), first 25 lines:"; echo '```'; head -25 "$f"; echo '```'; } >>"$SUMMARY"
  done
fi

# 3. The 7B-class row: Llama-3-8B shape (E=4096, L=32, 32 heads, 8 KV heads, MLP 14336, V=128256), random weights,
# LoRA r=16 on all linear layers, bf16, gradient checkpointing, batch 8 x 1024; GPU memory peak from nvidia-smi.
# Not Qwen2.5-7B: its 152064 x 3584 embedding (2.18 GB) is over what one in-memory tensor holds (TensorData.MaxBytes);
# Llama-3-8B's (2.10 GB) fits.
# Needs the LoRA keys (issue 14): a tiny artifacts run with them tells whether this build has them.
if wants lora7b; then
  cat >"$WORK/lora7b.yaml" <<EOF
beta: 0.1
loss_type: kto
learning_rate: 1.0e-4
per_device_train_batch_size: 8
gradient_accumulation_steps: 1
max_steps: $LORA_STEPS
max_length: 1024
max_prompt_length: 256
warmup_steps: 0
lr_scheduler_type: constant
logging_steps: 1
save_steps: 100000
seed: 42
bf16: true
gradient_checkpointing: true
EOF
  LORA_SET=(--set use_peft=true --set lora_r=16 --set lora_alpha=32 --set lora_target_modules=all-linear)
  if ! "$KTO" artifacts --model preset:gpt2-tiny --config "$WORK/lora7b.yaml" "${LORA_SET[@]}" --out "$WORK/lora-probe" >"$WORK/lora-probe.log" 2>&1; then
    note "- lora7b: SKIPPED: this build does not take the LoRA keys ($(tail -1 "$WORK/lora-probe.log"))"
  else
    make_data "$WORK/lora7b.jsonl" $((8 * LORA_STEPS)) 1200
    if stage "lora7b: artifacts preset:llama3-8b (LoRA r=16, bf16)" 420 "$KTO" artifacts --model preset:llama3-8b \
        --config "$WORK/lora7b.yaml" "${LORA_SET[@]}" --out "$WORK/lora7b-artifacts"; then
      pid=$(mem_sample lora7b)
      stage "lora7b: onnx-kto train cuda bf16" 300 "$KTO" train --artifacts "$WORK/lora7b-artifacts" --data "$WORK/lora7b.jsonl" \
        --config "$WORK/lora7b.yaml" "${LORA_SET[@]}" --output "$WORK/lora7b-bf16" --device cuda "${TRAIN_EXTRA[@]}"
      kill "$pid" 2>/dev/null
    fi
    rm -rf "${WORK:?}/lora7b-artifacts"  # 30 GB of float32 weights: the disk is 64 GiB
    if [[ "${SKIP_TORCH:-0}" != 1 ]]; then
      stage "lora7b: pytorch eager bf16 autocast + peft" 240 "$PY" "$here/torch_kto_step.py" --device cuda --shape llama3-8b \
        --bf16 --lora 16 --gradient-checkpointing --steps 3 --warmup 1 | tee "$WORK/torch-lora7b-bf16.out"
    fi
    { echo; echo "## 7B-class LoRA (Llama-3-8B shape, r=16, bf16, gradient checkpointing, batch 8 x 1024)"; echo; } >>"$SUMMARY"
    # torch_kto_step.py's count for this shape: N = 32·(2·4096² + 2·4096·128·8 + 3·4096·14336) + 4096·128256 ≈ 7.505e9
    # multiplying parameters; frozen weights: 4N + 12·L·T·E per trained token plus 2N + 4·L·T·E per KL token ≈ 47.18e9.
    "$PY" "$here/gpu_report.py" bench --skip 1 --flops-per-token 47.18e9 --onnx bf16-lora="$WORK/lora7b-bf16/metrics.jsonl" \
      --torch bf16-lora="$WORK/torch-lora7b-bf16.out" | tee -a "$SUMMARY"
    echo >>"$SUMMARY"
    "$PY" "$here/gpu_report.py" peakmem onnx-kto="$WORK/memory-lora7b.txt" | tee -a "$SUMMARY"
    grep -h '^RESULT ' "$WORK/torch-lora7b-bf16.out" 2>/dev/null | sed 's/^/pytorch: /' >>"$SUMMARY"
  fi
fi

# Everything small enough to keep: configs, metrics, samples, torch outputs, ORT profiles.
(cd "$WORK" && find . -maxdepth 3 \( -name '*.yaml' -o -name 'metrics.jsonl' -o -name 'dmon-*.txt' -o -name 'memory-*.txt' -o -name 'torch-*.out' \
  -o -name '*profile*.json' -o -name '*.log' \) -size -8M -print0 | tar --null -czf "$OUT/runs.tar.gz" -T -)
note ""
track_ok=${track_ok:-0}
note "done in ${SECONDS}s (stages:$STAGES)$(wants parity && echo "; parity $([[ $parity_ok == 0 ]] && echo PASS || echo 'FAIL or not run')")$(wants bench && echo "; bf16 tracking $([[ $track_ok == 0 ]] && echo PASS || echo FAIL)")"
exit $((parity_ok || track_ok))
