#!/usr/bin/env bash
# gpu-check on a bare GPU machine (docs/gpu-check.md): unpack .device/pack (Node, node_modules, dist),
# bring the Vulkan loader where the machine lacks it, point Vulkan at the NVIDIA driver, select
# webgpu, and run every stage but pack. Results and this script's log go to $OUT.
#   bash gpu/device/run.sh [gpu-check options, e.g. --stages parity --memory-steps 200]
# Environment: OUT (results; default .device/out), GPU_CHECK_PACK (default .device/pack),
# GPU_CHECK_WORK (Node and the Vulkan prefix; default /tmp/quantscope-gpu), GPU_CHECK_PYTHON
# (default python3), QUANTSCOPE_BACKEND (default webgpu), VK_DRIVER_FILES (kept if it names a file).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 3
REPO=$PWD
PACK=${GPU_CHECK_PACK:-$REPO/.device/pack}
WORK=${GPU_CHECK_WORK:-/tmp/quantscope-gpu}
RESULTS=${OUT:-$REPO/.device/out}
PY=${GPU_CHECK_PYTHON:-python3}
mkdir -p "$RESULTS" "$WORK" || exit 3

# Where the dynamic linker would find a library: its cache, else the usual folders.
find_lib() {
  local hit
  hit=$(ldconfig -p 2>/dev/null | grep -m1 "$1 " | sed 's/.*=> //')
  if [ -n "$hit" ]; then echo "$hit"; return 0; fi
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    if [ -e "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  return 1
}

# The NVIDIA Vulkan ICD manifest: a preset VK_DRIVER_FILES, the usual folders, the driver's own
# folder, then anything named nvidia*icd*.json under /usr/share, /usr/local and /etc.
find_icd() {
  local preset=${VK_DRIVER_FILES:-}
  if [ -n "$preset" ] && [ -f "${preset%%:*}" ]; then echo "$preset"; return 0; fi
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d /usr/local/nvidia/vulkan/icd.d /usr/local/nvidia/etc/vulkan/icd.d; do
    for f in "$d"/nvidia*.json; do
      if [ -f "$f" ]; then echo "$f"; return 0; fi
    done
  done
  find /usr/share /usr/local /etc -maxdepth 6 -name 'nvidia*icd*.json' -print -quit 2>/dev/null | grep . && return 0
  return 1
}

main() {
  echo "== device: $(date -u +%FT%TZ) $(uname -srm); python: $(command -v "$PY")"
  nvidia-smi -L 2>&1 || echo "nvidia-smi: not available"
  "$PY" "$REPO/gpu/device/unpack.py" pack "$PACK" "$REPO" "$WORK" || { echo "unpack failed"; return 3; }
  export PATH="$WORK/bin:$PATH"

  # Vulkan loader, and libGLdispatch which NVIDIA's ICD library links: the system's, else the carried debs.
  local missing=()
  for lib in libvulkan.so.1 libGLdispatch.so.0; do find_lib "$lib" >/dev/null || missing+=("$lib"); done
  if [ ${#missing[@]} -gt 0 ] && [ ! -d "$PACK/debs" ]; then
    echo "warning: this machine lacks ${missing[*]} and the pack has no debs (packed with --no-vulkan-debs): WebGPU will find no Vulkan loader"
  elif [ ${#missing[@]} -gt 0 ]; then
    "$PY" "$REPO/gpu/device/unpack.py" debs "$PACK/debs" "$WORK/vulkan" || { echo "the Vulkan debs could not be unpacked"; return 3; }
    export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export GPU_CHECK_CARRIED_LIBS="${missing[*]} from $(cd "$PACK/debs" && echo *.deb)"
  fi
  export GPU_CHECK_VULKAN_LOADER
  GPU_CHECK_VULKAN_LOADER=$(find_lib libvulkan.so.1 || echo "carried: $WORK/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1")

  # The ICD json names NVIDIA's library by file name, so the dynamic linker must find it: where the
  # linker's cache does not list it (a driver folder mounted into a container), add its folder.
  local icd glx
  if glx=$(find_lib libGLX_nvidia.so.0); then
    export GPU_CHECK_GLX="$glx"
    if ! ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0 '; then
      export LD_LIBRARY_PATH="$(dirname "$glx")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
  fi
  if icd=$(find_icd); then
    export GPU_CHECK_ICD_SOURCE="found"
  elif [ -n "${glx:-}" ]; then
    # No manifest shipped with the driver: write one naming its Vulkan entry library.
    icd="$WORK/nvidia_icd.json"
    printf '{"file_format_version": "1.0.1", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$glx" >"$icd"
    export GPU_CHECK_ICD_SOURCE="generated for $glx"
  else
    icd=""
    export GPU_CHECK_ICD_SOURCE="none: no nvidia ICD json and no libGLX_nvidia.so.0 found; WebGPU will find no adapter"
  fi
  if [ -n "$icd" ]; then export VK_DRIVER_FILES="$icd"; export GPU_CHECK_ICD="$icd"; cat "${icd%%:*}"; fi
  echo "Vulkan loader: $GPU_CHECK_VULKAN_LOADER${GPU_CHECK_CARRIED_LIBS:+ ($GPU_CHECK_CARRIED_LIBS)}; ICD: ${icd:-none} ($GPU_CHECK_ICD_SOURCE)"

  # Dawn's own view first, with the Vulkan loader's errors and warnings in the log: when WebGPU finds
  # no adapter, this is what says why.
  echo "== Dawn adapter (VK_LOADER_DEBUG=error,warn)"
  VK_LOADER_DEBUG=error,warn timeout 30 node --input-type=module -e '
    import { create } from "webgpu";
    const adapter = await create([]).requestAdapter({ powerPreference: "high-performance" });
    console.log(adapter ? `adapter: ${JSON.stringify(adapter.info)}` : "no adapter");
    process.exit(0);' 2>&1 | tail -n 40

  export QUANTSCOPE_BACKEND=${QUANTSCOPE_BACKEND:-webgpu}
  echo "== gpu-check: $(node --version), backend $QUANTSCOPE_BACKEND"
  node dist/gpu/check.js --skip pack --out "$RESULTS" "$@"
}

main "$@" 2>&1 | tee "$RESULTS/gpu-check.log"
exit "${PIPESTATUS[0]}"
