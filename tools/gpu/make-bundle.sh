#!/usr/bin/env bash
# `make gpu-bundle`: a self-contained linux-x64 publish of onnx-kto with the CUDA build of ONNX Runtime
# (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0, CUDA 13), packed and split into <= 56 MiB parts under gpu-bundle/,
# with run-on-gpu.sh and find-cuda-libs.sh beside them. See tools/gpu/README.md for the device sequence.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DOTNET="${DOTNET:-dotnet}"
CONFIG="${CONFIG:-Release}"
out=gpu-bundle
stage="$out/stage"

rm -rf "$stage"
mkdir -p "$stage"
echo "publishing onnx-kto (self-contained, linux-x64, GPU) ..."
"$DOTNET" publish src/OnnxKto.Cli/OnnxKto.Cli.csproj -c "$CONFIG" -r linux-x64 --self-contained \
  -p:OnnxKtoGpu=true -o "$stage/onnx-kto" -v quiet
[[ -f "$stage/onnx-kto/libonnxruntime_providers_cuda.so" ]] || { echo "error: the CUDA provider is missing from the publish" >&2; exit 1; }
git rev-parse HEAD > "$stage/onnx-kto/COMMIT" 2>/dev/null || true

bash tools/gpu/pack-bundle.sh "$stage" "$out" onnx-kto
cp tools/gpu/run-on-gpu.sh tools/gpu/find-cuda-libs.sh "$out/"

# A zstd decoder for GPU machines without one (about 1 MiB; glibc >= 2.34, as Debian 12 / Ubuntu 22.04 and newer).
if grep -q '^compression=zstd' "$out/bundle.manifest" && command -v zstd >/dev/null 2>&1; then
  rm -rf "$out/zstd"; mkdir -p "$out/zstd"
  cp "$(command -v zstd)" "$out/zstd/zstd"
  ldd "$(command -v zstd)" | awk '/=> \// {print $3}' | grep -Ev '/libc\.so|/ld-linux' | xargs -r -I{} cp -L {} "$out/zstd/"
fi
rm -rf "$stage"
echo "bundle ready in $out/ ($(du -sh "$out" | cut -f1)); see tools/gpu/README.md to send it to a GPU machine"
