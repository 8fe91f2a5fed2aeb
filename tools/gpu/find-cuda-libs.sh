#!/usr/bin/env bash
# Finds the CUDA 13 runtime libraries that ONNX Runtime 1.31's CUDA provider loads, in a system CUDA or in
# Python's packages (pip's nvidia-* wheels, torch/lib), and prints the folders to put on LD_LIBRARY_PATH.
#
#   source find-cuda-libs.sh; find_cuda_libs || exit 3; export LD_LIBRARY_PATH="$CUDA_LIB_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
#   bash find-cuda-libs.sh          # report only; exit 3 if a required library is missing
#
# Environment:
#   CUDA_LIB_DIRS        colon-separated folders searched first (an explicit answer wins)
#   CUDA_HOME            a CUDA toolkit root (lib64/, targets/x86_64-linux/lib/)
#   PYTHON               interpreter whose sys.path holds nvidia/ or torch/ (default python3)
#   CUDA_LIBS_NO_SYSTEM  1: skip LD_LIBRARY_PATH, /usr/local/cuda*, the distro folders and ldconfig (tests)
# Sets CUDA_LIB_PATH (folders, ':'-joined), CUDA_LIBS_MISSING (required names not found) and prints a report on stderr.

CUDA_REQUIRED_LIBS=(libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10)
CUDA_OPTIONAL_LIBS=(libcudnn.so.9)

# Candidate folders, most specific first, one per line.
_cuda_candidate_dirs() {
  local d
  if [[ -n "${CUDA_LIB_DIRS:-}" ]]; then tr ':' '\n' <<<"$CUDA_LIB_DIRS"; fi
  if [[ -n "${CUDA_HOME:-}" ]]; then
    printf '%s\n' "$CUDA_HOME/lib64" "$CUDA_HOME/lib" "$CUDA_HOME/targets/x86_64-linux/lib"
  fi
  if [[ "${CUDA_LIBS_NO_SYSTEM:-0}" != 1 ]]; then
    if [[ -n "${LD_LIBRARY_PATH:-}" ]]; then tr ':' '\n' <<<"$LD_LIBRARY_PATH"; fi
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64 \
             /usr/local/cuda-13*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/lib; do
      [[ -d "$d" ]] && echo "$d"
    done
    if command -v ldconfig >/dev/null 2>&1; then
      ldconfig -p 2>/dev/null | awk '/(libcudart|libcublas|libcublasLt|libcurand|libcudnn)\.so/ {print $NF}' | xargs -r -n1 dirname
    fi
  fi
  # Python packages: nvidia/<pkg>/lib (CUDA 12 wheels), nvidia/cu13/lib (CUDA 13 wheels), nvidia/<pkg>/<sub>/lib, torch/lib.
  "${PYTHON:-python3}" - <<'PY' 2>/dev/null
import glob, os, sys
seen = set()
for root in sys.path:
    if not root or not os.path.isdir(root):
        continue
    for pattern in ("nvidia/*/lib", "nvidia/*/*/lib", "nvidia/lib", "torch/lib"):
        for d in sorted(glob.glob(os.path.join(root, pattern))):
            d = os.path.realpath(d)
            if d not in seen:
                seen.add(d)
                print(d)
PY
}

# Where NAME lives among the candidates (first match), or nothing.
_cuda_find_one() {
  local name="$1" d
  while IFS= read -r d; do
    [[ -n "$d" && -e "$d/$name" ]] && { echo "$d"; return 0; }
  done <<<"$_CUDA_CANDIDATES"
  return 1
}

find_cuda_libs() {
  _CUDA_CANDIDATES="$(_cuda_candidate_dirs | awk 'NF && !seen[$0]++')"
  CUDA_LIB_PATH=""
  CUDA_LIBS_MISSING=""
  local name dir
  for name in "${CUDA_REQUIRED_LIBS[@]}" "${CUDA_OPTIONAL_LIBS[@]}"; do
    if dir="$(_cuda_find_one "$name")"; then
      echo "cuda-libs: $name -> $dir" >&2
      case ":$CUDA_LIB_PATH:" in *":$dir:"*) ;; *) CUDA_LIB_PATH="${CUDA_LIB_PATH:+$CUDA_LIB_PATH:}$dir" ;; esac
    elif [[ " ${CUDA_OPTIONAL_LIBS[*]} " == *" $name "* ]]; then
      echo "cuda-libs: $name not found (optional: ORT 1.31 runs without cuDNN on native CUDA paths)" >&2
    else
      echo "cuda-libs: MISSING $name" >&2
      CUDA_LIBS_MISSING="${CUDA_LIBS_MISSING:+$CUDA_LIBS_MISSING }$name"
    fi
  done
  if [[ -n "$CUDA_LIBS_MISSING" ]]; then
    {
      echo "error: CUDA 13 runtime library missing: $CUDA_LIBS_MISSING"
      echo "  searched: $(tr '\n' ' ' <<<"$_CUDA_CANDIDATES")"
      echo "  HINT: ONNX Runtime 1.31's CUDA provider needs ${CUDA_REQUIRED_LIBS[*]} (CUDA 13; cuDNN 9 optional)."
      echo "        Install the CUDA 13 runtime, or pip's CUDA 13 wheels (nvidia-cuda-runtime, nvidia-cublas, nvidia-curand),"
      echo "        or point CUDA_LIB_DIRS=dir1:dir2 (or CUDA_HOME) at folders that hold them."
    } >&2
    return 3
  fi
  return 0
}

# Run as a program: report and exit with find_cuda_libs' status.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  find_cuda_libs; status=$?
  [[ $status == 0 ]] && echo "LD_LIBRARY_PATH additions: $CUDA_LIB_PATH"
  exit $status
fi
