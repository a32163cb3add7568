#!/usr/bin/env bash
# Issue 5's GPU table in one go, on a machine with an NVIDIA GPU, JAX (CUDA) and PyTorch:
# the CUDA kernel tests, then burnax-som (cuda) beside the playbook's JAX and the best JAX
# formulation on the same GPU, then the floors of the large workload (GEMM rate and memory
# bandwidth measured with PyTorch on the same card).
#
#   bash benches/gpu/run.sh
#
# Needs, built for this machine with `--features cuda` (see benches/README.md, "GPU"):
#   $BIN/som-bench            cargo build --release -p benches --features cuda --bin som-bench
#   $KERNEL_TESTS             cargo test --release -p burnax-som --features cuda --test kernels --no-run
#   $BIN/som (optional)       cargo build --release -p burnax-som-cli --features cuda --bin som
#                             (the other maps on the kernels, against the playbook's: maps.py part 2)
#   $NCCL_TEST (optional)     cargo test --release -p burnax-comm --features nccl --test nccl --no-run
#                             (needs libnccl.so on the library path; a pip wheel's libnccl.so.2 linked to it)
# Results: $PEERS_OUT (default ./gpu-results): results.jsonl, table.md, log lines on stdout.
# BATCH="rgb large" ONLINE="rgb" pick workloads (default: all). The whole set takes about 6.5
# minutes on an H200, a third of it writing and reading the large workload's 512 MB of data.
# On a lent machine, pipe straight into `tee "$OUT/log"`: a filter in between buffers, and a
# time limit then loses the log.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
BIN=${BIN:-$ROOT/target/release}
export PEERS_OUT=${PEERS_OUT:-$PWD/gpu-results}
export JAX_PLATFORMS=cuda
# cudarc loads libcuda and NVRTC at run time; CUDA's own folder holds NVRTC.
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}:/usr/local/cuda/lib64
PY=${PY:-python3}
mkdir -p "$PEERS_OUT"
EXPORT=$(mktemp -d)
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv > "$PEERS_OUT/machine.txt" 2>&1
cat "$PEERS_OUT/machine.txt"

step() { echo "== $*"; timeout "${STEP_TIMEOUT:-240}" "$@" || echo "!! failed ($?): $*"; }

if [ -n "${KERNEL_TESTS:-}" ]; then
    step "$KERNEL_TESTS" --test-threads 1
fi
if [ -n "${NCCL_TEST:-}" ]; then
    BURNAX_EXPECT_NCCL=1 step "$NCCL_TEST"
fi

peer() { local wl=$1 script=$2; shift 2; step "$PY" "$ROOT/benches/peers/extra.py" "$PEERS" "$script" --workload "$wl" "$@"; }
ours() { local wl=$1 mode=$2; shift 2; step "$PY" "$ROOT/benches/peers/ours.py" --peers "$PEERS" --bin "$BIN/som-bench" --export "$EXPORT" --device cuda --workload "$wl" --mode "$mode" "$@"; }

BATCH=${BATCH:-rgb digits scale large}
ONLINE=${ONLINE:-rgb digits}
for wl in $(echo $BATCH $ONLINE | tr ' ' '\n' | sort -u); do
    step "$PY" "$ROOT/benches/peers/extra.py" "$PEERS" export_workload.py --workload "$wl" --out "$EXPORT" > /dev/null
done
for wl in $BATCH; do
    ours "$wl" batch
    peer "$wl" best_jax.py --mode batch
    case $wl in
        rgb|digits) peer "$wl" seed_jax.py --mode batch ;;
        scale) ours scale batch --precision tf32 ;;
        large)
            ours large batch --tile small
            # The opt-in tensor-core search (TF32, then BF16 operands; see SearchPrecision).
            ours large batch --precision tf32
            ours large batch --precision bf16
            # JAX's default f32 matmul precision on NVIDIA GPUs may use TF32; this row is
            # best_jax held to full f32, like our kernels.
            echo "-- best_jax with JAX_DEFAULT_MATMUL_PRECISION=highest:"
            JAX_DEFAULT_MATMUL_PRECISION=highest peer large best_jax.py --mode batch ;;
    esac
done
for wl in $ONLINE; do
    ours "$wl" online
    # The playbook's online loop is one jitted step per Python iteration; on digits, 20,000
    # of the 179,700 steps, extrapolated (marked so in the table).
    case $wl in
        digits) peer digits seed_jax.py --mode online --steps 20000 ;;
        *) peer "$wl" seed_jax.py --mode online ;;
    esac
done

# Hexagonal and toroidal maps, other neighbourhoods and distances on the kernels, against the
# playbook's map on the same card (rgb, batch and online).
if [ -x "$BIN/som" ]; then
    step "$PY" "$ROOT/benches/peers/maps.py" --peers "$PEERS" --new "$BIN/som" --parts 2 --device cuda
fi

# Floors of the large workload (N = 1e6, D = 64, M = 1e4): fp32 GEMM rate of the distance
# product's own shape (cuBLAS, no TF32) and device memory bandwidth.
step "$PY" - <<'PY'
import time, torch
torch.backends.cuda.matmul.allow_tf32 = False
n, d, m = 1_000_000, 64, 10_000
x = torch.rand(n, d, device="cuda"); w = torch.rand(m, d, device="cuda")
for _ in range(3): (x @ w.T)
torch.cuda.synchronize(); t = time.perf_counter(); reps = 10
for _ in range(reps): y = x @ w.T
torch.cuda.synchronize(); dt = (time.perf_counter() - t) / reps
print(f"floor: fp32 GEMM {n}x{d} @ {d}x{m}: {dt*1e3:.2f} ms, {2*n*m*d/dt/1e12:.1f} TFLOP/s")
del y
a = torch.empty(1 << 30, dtype=torch.uint8, device="cuda"); b = torch.empty_like(a)
for _ in range(3): b.copy_(a)
torch.cuda.synchronize(); t = time.perf_counter()
for _ in range(reps): b.copy_(a)
torch.cuda.synchronize(); dt = (time.perf_counter() - t) / reps
print(f"floor: device copy {2 * a.numel() / dt / 1e9:.0f} GB/s (read + write)")
print(f"floor: one epoch reads the data twice: {2*n*d*4/1e6:.0f} MB")
PY
"$PY" "$PEERS/make_table.py" > "$PEERS_OUT/table.md" 2>&1
cat "$PEERS_OUT/table.md"
rm -rf "$EXPORT"
