#!/usr/bin/env bash
# Unpacks the onnx-kto GPU bundle (if not done yet), finds the CUDA 13 libraries, then runs a command with
# bin/onnx-kto's GPU build on PATH and LD_LIBRARY_PATH set. For a GPU machine with no .NET and no network.
#
#   bash run-on-gpu.sh [--bundle DIR] [--unpack-only | --check-libs] [--] COMMAND [ARGS...]
#   bash gpu-bundle/run-on-gpu.sh onnx-kto device --device cuda
#
# DIR (default: the folder of this script when it holds bundle.manifest, else ./gpu-bundle) holds the parts,
# bundle.manifest and SHA256SUMS written by `make gpu-bundle`. The program is unpacked to DIR/onnx-kto/.
# Exit codes: 2 usage or a bad/missing part, 3 a CUDA library missing, else the command's own.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle=""
mode=run
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --unpack-only) mode=unpack; shift ;;
    --check-libs) mode=libs; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [[ -z "$bundle" ]]; then
  if [[ -f "$here/bundle.manifest" ]]; then bundle="$here"; else bundle="$PWD/gpu-bundle"; fi
fi
if [[ "$mode" != libs ]]; then
  bundle="$(cd "$bundle" 2>/dev/null && pwd)" || { echo "error: bundle folder $bundle not found (make gpu-bundle writes it)" >&2; exit 2; }
fi
manifest="$bundle/bundle.manifest"

die() { echo "error: $*" >&2; exit 2; }
field() { sed -n "s/^$1=//p" "$manifest"; }

# A zstd decoder: the system's, the one make gpu-bundle put beside the parts, or Python's (zstandard, pyarrow).
zstd_decode() {
  if command -v zstd >/dev/null 2>&1; then zstd -dc
  elif [[ -x "$bundle/zstd/zstd" ]]; then LD_LIBRARY_PATH="$bundle/zstd${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$bundle/zstd/zstd" -dc
  elif "${PYTHON:-python3}" -c 'import zstandard' 2>/dev/null; then
    "${PYTHON:-python3}" -c 'import sys, zstandard; zstandard.ZstdDecompressor().copy_stream(sys.stdin.buffer, sys.stdout.buffer)'
  elif "${PYTHON:-python3}" -c 'import pyarrow' 2>/dev/null; then
    "${PYTHON:-python3}" -c '
import shutil, sys, pyarrow as pa
with pa.CompressedInputStream(pa.PythonFile(sys.stdin.buffer, mode="r"), "zstd") as s:
    shutil.copyfileobj(s, sys.stdout.buffer, 1 << 22)'
  else
    echo "error: no zstd decoder (zstd, $bundle/zstd/zstd, python zstandard or pyarrow); rebuild with BUNDLE_COMPRESSION=gzip" >&2
    return 2
  fi
}

unpack() {
  [[ -f "$manifest" ]] || die "$manifest is missing: copy bundle.manifest and SHA256SUMS from gpu-bundle/ with the parts"
  local name archive compression parts stamp want
  name="$(field name)"; archive="$(field archive)"; compression="$(field compression)"; parts="$(field parts)"
  want="$(field archive_sha256)"
  stamp="$bundle/$name/.bundle-sha256"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi

  local i p missing=()
  for ((i = 0; i < parts; i++)); do
    p="$(printf '%s/%s.part-%02d' "$bundle" "$archive" "$i")"
    [[ -f "$p" ]] || missing+=("$(basename "$p")")
  done
  [[ ${#missing[@]} == 0 ]] || die "bundle part(s) missing in $bundle: ${missing[*]} (of $parts). Each call must carry its part; see tools/gpu/README.md"
  if command -v sha256sum >/dev/null 2>&1 && [[ -f "$bundle/SHA256SUMS" ]]; then
    (cd "$bundle" && sha256sum --quiet -c SHA256SUMS) >&2 || die "a bundle part is damaged (SHA256SUMS mismatch): send it again"
  fi
  echo "unpacking $parts part(s) of $archive ($compression) into $bundle/$name" >&2
  rm -rf "${bundle:?}/$name"
  local decode=(gzip -dc)
  [[ "$compression" == zstd ]] && decode=(zstd_decode)
  cat "$bundle/$archive".part-* | "${decode[@]}" | tar -C "$bundle" -xf - || die "unpacking $archive failed"
  [[ -x "$bundle/$name/$name" ]] || die "$bundle/$name/$name missing after unpacking"
  echo "$want" > "$stamp"
}

if [[ "$mode" != libs ]]; then
  unpack
  [[ "$mode" == unpack ]] && { echo "unpacked: $bundle/$(field name)/$(field name)"; exit 0; }
fi

# shellcheck source=find-cuda-libs.sh
source "$here/find-cuda-libs.sh" 2>/dev/null || source "$bundle/find-cuda-libs.sh" || die "find-cuda-libs.sh not found beside run-on-gpu.sh"
find_cuda_libs || exit 3
export LD_LIBRARY_PATH="$CUDA_LIB_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[[ "$mode" == libs ]] && { echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; exit 0; }

[[ $# -gt 0 ]] || die "no command given (e.g. run-on-gpu.sh onnx-kto device --device cuda)"
name="$(field name)"
export PATH="$bundle/$name:$PATH"
export ONNX_KTO="$bundle/$name/$name"
exec "$@"
