#!/usr/bin/env bash
# Packs STAGE/<name>/ into OUT/<name>.tar.<zst|gz>.part-NN, each at most 56 MiB, plus OUT/bundle.manifest and
# OUT/SHA256SUMS, so that each part can travel on its own and run-on-gpu.sh can check and reassemble them.
#
#   bash tools/gpu/pack-bundle.sh STAGE_DIR OUT_DIR [NAME]      (NAME defaults to onnx-kto)
# Environment: BUNDLE_COMPRESSION=auto|zstd|gzip (auto: zstd, installing it with apt-get when missing and
# possible, else gzip); BUNDLE_ZSTD_LEVEL (default 19); BUNDLE_PART_SIZE (split's -b, default 56M = 56 MiB).
set -euo pipefail

stage="${1:?usage: pack-bundle.sh STAGE_DIR OUT_DIR [NAME]}"
out="${2:?usage: pack-bundle.sh STAGE_DIR OUT_DIR [NAME]}"
name="${3:-onnx-kto}"
part_size="${BUNDLE_PART_SIZE:-56M}"
[[ -d "$stage/$name" ]] || { echo "error: $stage/$name is not a folder" >&2; exit 2; }

compression="${BUNDLE_COMPRESSION:-auto}"
if [[ "$compression" == auto ]]; then
  if ! command -v zstd >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    echo "zstd missing: installing it with apt-get" >&2
    { apt-get update -qq && apt-get install -y -qq zstd; } >&2 || true
  fi
  if command -v zstd >/dev/null 2>&1; then compression=zstd; else compression=gzip; fi
fi
case "$compression" in
  zstd) ext=zst; compress=(zstd -q -"${BUNDLE_ZSTD_LEVEL:-19}" -T0 -c) ;;
  gzip) ext=gz;  compress=(gzip -9 -c) ;;
  *) echo "error: BUNDLE_COMPRESSION must be auto, zstd or gzip, not '$compression'" >&2; exit 2 ;;
esac

mkdir -p "$out"
archive="$name.tar.$ext"
rm -f "$out/$name".tar.*.part-* "$out/bundle.manifest" "$out/SHA256SUMS"
# Sorted names and fixed owners keep the archive independent of the machine that packed it.
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -cf - "$name" \
  | "${compress[@]}" \
  | split -b "$part_size" -d -a 2 - "$out/$archive.part-"
parts=("$out/$archive".part-*)
{
  echo "name=$name"
  echo "archive=$archive"
  echo "compression=$compression"
  echo "parts=${#parts[@]}"
  echo "archive_sha256=$(cat "${parts[@]}" | sha256sum | awk '{print $1}')"
  echo "archive_bytes=$(cat "${parts[@]}" | wc -c)"
} > "$out/bundle.manifest"
(cd "$out" && sha256sum "$archive".part-* > SHA256SUMS)
echo "packed $stage/$name into ${#parts[@]} part(s) of $archive ($compression):"
for p in "${parts[@]}"; do stat -c '%n %s' "$p" | awk '{n=split($1,a,"/"); printf "  %s  %d bytes (%.1f MiB)\n", a[n], $2, $2/1048576}'; done
