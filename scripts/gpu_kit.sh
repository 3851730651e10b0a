#!/usr/bin/env bash
# The GPU kit: densecorr and its GPU test binaries built on a machine with the CUDA toolkit but no
# GPU, packed with the shared libraries they need, then unpacked and run on a GPU machine that has
# neither Bazel nor our Debian libraries (e.g. the lent H100, whose image holds CUDA 13, PyTorch
# and the NVIDIA Python wheels with cuBLAS, cuDNN and NCCL).
#
#   scripts/gpu_kit.sh pack            here: build, stage bazel-bin/{train/densecorr, tests/<GPU
#                                      tests>, _solib_k8} and the non-system libraries they load
#                                      into .gpukit/kit.tar.xz (under the 64 MiB a device call
#                                      carries; .gpukit/ is git-ignored)
#   scripts/gpu_kit.sh tests [NAME..]  there: unpack, run the GPU test binaries (all, or the named
#                                      ones) with GoogleTest XML, print one line per binary and
#                                      "N passed, N failed, N skipped"; exit 1 on a failure
#   scripts/gpu_kit.sh run CMD [ARG..] there: unpack and run CMD with the kit's library path, e.g.
#                                      `run bazel-bin/train/densecorr train -c ... device=cuda`
#                                      (bazel-bin/train/densecorr sets the path itself, so the
#                                      benchmark scripts run unchanged with --no-build)
#
# Logs and XML go to $GPU_KIT_OUT, else $OUT (the device tool's result folder), else .gpukit/out.
# On the device: carry [".gpukit"] and start the command with `scripts/gpu_kit.sh tests` (docs/CUDA.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

KIT_DIR=.gpukit
KIT="$KIT_DIR/kit.tar.xz"
# Test binaries that exercise a GPU when one is present (each SKIPs its GPU cases without one).
GPU_TESTS=(cuda_build_test cuda_ops_test cuda_nn_test cuda_conv_test cuda_geom_index_test
  cuda_op_cases_test nets_module_to_test comm_nccl_test run_device_test cuda_train_test
  cuda_bench_train_step_test)
# Libraries the GPU machine provides itself: the C library family and the GCC runtime (newer there
# and backward compatible), the driver, and the CUDA libraries (from its toolkit or the NVIDIA
# wheels, matched to its driver). Everything else a binary loads travels in the kit.
SYSTEM_LIB_PATTERN='^(ld-linux.*|linux-vdso.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libstdc\+\+|libgcc_s|libcuda|libcudart|libcublas|libcublasLt|libcudnn.*|libnccl|libnvrtc.*|libnvJitLink)\.so'

usage() { sed -n '2,22p' "$0" >&2; exit 2; }

pack() {
  local targets=(//train:densecorr)
  local t
  for t in "${GPU_TESTS[@]}"; do targets+=("//tests:$t"); done
  bazel build "${targets[@]}"
  local stage="$KIT_DIR/stage"
  rm -rf "$stage"
  mkdir -p "$stage/bazel-bin/train" "$stage/bazel-bin/tests" "$stage/bazel-bin/_solib_k8" \
    "$stage/$KIT_DIR/hostlib"
  # cp -L: bazel-bin holds symlinks into Bazel's output base, which does not travel.
  cp -L bazel-bin/train/densecorr "$stage/bazel-bin/train/densecorr.bin"
  for t in "${GPU_TESTS[@]}"; do cp -L "bazel-bin/tests/$t" "$stage/bazel-bin/tests/$t"; done
  cp -L bazel-bin/_solib_k8/*.so "$stage/bazel-bin/_solib_k8/"
  # The wrapper that scripts call as bazel-bin/train/densecorr (see `run`).
  cat > "$stage/bazel-bin/train/densecorr" <<'EOF'
#!/usr/bin/env bash
# GPU kit wrapper (scripts/gpu_kit.sh): densecorr with the kit's libraries first on the path.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LD_LIBRARY_PATH="$(cat "$here/../../.gpukit/ld_library_path")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  exec "$here/densecorr.bin" "$@"
EOF
  chmod +x "$stage/bazel-bin/train/densecorr"
  # Every library the staged binaries resolve here, less the ones the GPU machine has.
  local elf lib name missing=0
  while read -r name lib; do
    if [[ "$lib" == "not" ]]; then
      echo "gpu_kit.sh pack: $name is not found on this machine" >&2
      missing=1
      continue
    fi
    if [[ "$name" =~ $SYSTEM_LIB_PATTERN ]]; then continue; fi
    cp -L "$lib" "$stage/$KIT_DIR/hostlib/$name"
  done < <(for elf in "$stage/bazel-bin/train/densecorr.bin" "$stage"/bazel-bin/tests/* \
      "$stage"/bazel-bin/_solib_k8/*.so; do
      LD_LIBRARY_PATH="$stage/bazel-bin/_solib_k8" ldd "$elf" | awk '$2 == "=>" {print $1, $3}'
    done | sort -u | grep -v "/_solib_k8/")
  ((missing == 0)) || exit 1
  tar -C "$stage" -cJf "$KIT" .
  rm -rf "$stage"
  local bytes
  bytes=$(stat -c %s "$KIT")
  echo "gpu_kit.sh: wrote $KIT ($((bytes / 1024 / 1024)) MiB): densecorr, ${#GPU_TESTS[@]} test" \
    "binaries and their libraries; carry .gpukit on the device and run scripts/gpu_kit.sh tests"
  if ((bytes > 56 * 1024 * 1024)); then
    echo "gpu_kit.sh: warning: the kit and the working tree together may exceed the 64 MiB a" \
      "device call carries" >&2
  fi
}

# Unpacks the kit (once) and writes .gpukit/ld_library_path: the kit's libraries, then the
# library folders of the NVIDIA Python wheels (cuBLAS, cuDNN, NCCL, the CUDA runtime).
unpack() {
  [[ -f "$KIT" ]] || { echo "gpu_kit.sh: no $KIT; run scripts/gpu_kit.sh pack first" \
    "(on the build machine) and carry .gpukit" >&2; exit 2; }
  if [[ ! -x bazel-bin/train/densecorr.bin ]]; then
    if [[ -L bazel-bin ]]; then
      echo "gpu_kit.sh: bazel-bin is Bazel's link here; unpack the kit on the GPU machine" >&2
      exit 2
    fi
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(".")' "$KIT"
  fi
  local wheels
  wheels=$(python3 - <<'EOF' || true
import glob, os
try:
    import nvidia  # namespace package of the nvidia-* wheels
    roots = list(nvidia.__path__)
except ImportError:
    roots = []
dirs = sorted({os.path.dirname(p) for r in roots
               for p in glob.glob(os.path.join(r, "**", "lib*.so*"), recursive=True)})
print(":".join(dirs))
EOF
)
  local path="$PWD/$KIT_DIR/hostlib"
  [[ -n "$wheels" ]] && path="$path:$wheels"
  [[ -d /usr/local/cuda/lib64 ]] && path="$path:/usr/local/cuda/lib64"
  echo "$path" > "$KIT_DIR/ld_library_path"
  export LD_LIBRARY_PATH="$path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # A library still missing stops here, named, rather than in the middle of a test run.
  if LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$PWD/bazel-bin/_solib_k8" ldd bazel-bin/train/densecorr.bin \
    bazel-bin/tests/* bazel-bin/_solib_k8/*.so | grep "not found" | sort -u >&2; then
    echo "gpu_kit.sh: the libraries above are missing on this machine (path: $LD_LIBRARY_PATH)" >&2
    exit 1
  fi
}

out_dir() {
  local dir="${GPU_KIT_OUT:-${OUT:-$KIT_DIR/out}}"
  mkdir -p "$dir"
  echo "$dir"
}

tests() {
  unpack
  local out
  out=$(out_dir)
  local names=("$@")
  ((${#names[@]} > 0)) || names=("${GPU_TESTS[@]}")
  if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 \
      | sed 's/^/gpu: /' || true
  else
    echo "gpu: no nvidia-smi on this machine (the GPU cases will report SKIPPED with the reason)"
  fi
  local xml_dir="$KIT_DIR/xml" name xmls=() status
  rm -rf "$xml_dir"
  mkdir -p "$xml_dir"
  export TEST_TMPDIR="${TMPDIR:-/tmp}/gpu_kit_tests"
  mkdir -p "$TEST_TMPDIR"
  for name in "${names[@]}"; do
    [[ -x "bazel-bin/tests/$name" ]] || { echo "gpu_kit.sh: no test binary '$name' in the kit" \
      "(it has: ${GPU_TESTS[*]})" >&2; exit 2; }
    local start=$SECONDS
    status=0
    "bazel-bin/tests/$name" --gtest_output="xml:$xml_dir/$name.xml" >> "$out/gpu_tests.log" 2>&1 \
      || status=$?
    echo "$name: exit $status, $((SECONDS - start)) s, $(python3 scripts/count_tests.py --xml \
      "$xml_dir/$name.xml" 2>/dev/null | tail -n 1)"
  done | tee -a "$out/gpu_tests_summary.txt"
  for name in "${names[@]}"; do xmls+=("$xml_dir/$name.xml"); done
  tar -C "$xml_dir" -czf "$out/gpu_tests_xml.tar.gz" .
  python3 scripts/count_tests.py --xml "${xmls[@]}" | tee -a "$out/gpu_tests_summary.txt"
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  tests) shift; tests "$@" ;;
  run)
    shift
    (($# > 0)) || usage
    unpack
    "$@"
    ;;
  *) usage ;;
esac
