#!/usr/bin/env bash
# Data-parallel SOM scaling on this machine: `som train` as one process and under `mpirun -np 2`
# on the peers' scale workload (100,000 x 64, a 64 x 64 map, 10 batch epochs, the peers' initial
# map and radii), interleaved rounds, medians; the models must be byte-identical.
#
#   bash benches/peers/mpi.sh          # about 3 minutes on 2 cores
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
VENV=${VENV:-/tmp/peers-venv}
ROUNDS=${ROUNDS:-3}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$PEERS/requirements.txt"
fi
(cd "$ROOT" && cargo build --release -q -p burnax-som-cli --features mpi --bin som)
SOM=$ROOT/target/release/som
EXPORT=$(mktemp -d)
JAX_PLATFORMS=cpu "$VENV/bin/python" "$PEERS/export_workload.py" --workload scale --out "$EXPORT" > /dev/null
{ date -Is; lscpu | grep -E 'Model name|^CPU\(s\)'; uptime; } | sed 's/^/# /'
args=(train --input "$EXPORT/scale_data.npy" --init "$EXPORT/scale_init.npy" --width 64 --height 64
      --epochs 10 --sigma 32,32 --min-sigma-frac 0.05)
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
run() { # name, then the command; prints "name seconds"
    local name=$1; shift
    local line
    line=$("$@" 2>&1 | grep '^trained')
    python3 -c 'import re,sys; v,u=re.search(r" in ([0-9.]+)(ms|s):", sys.argv[2]).groups(); print(sys.argv[1], float(v)/(1000 if u=="ms" else 1))' "$name" "$line"
}
for r in $(seq "$ROUNDS"); do
    run "1-process-1-thread" env RAYON_NUM_THREADS=1 MATMUL_NUM_THREADS=1 "$SOM" "${args[@]}" --out "$EXPORT/a.som"
    run "1-process-2-threads" "$SOM" "${args[@]}" --out "$EXPORT/b.som"
    run "2-processes-1-thread-each" "${mpi[@]}" -np 2 -x RAYON_NUM_THREADS=1 -x MATMUL_NUM_THREADS=1 "$SOM" "${args[@]}" --out "$EXPORT/c.som"
    cmp "$EXPORT/a.som" "$EXPORT/c.som"
    cmp "$EXPORT/b.som" "$EXPORT/c.som"
done | tee "$EXPORT/times.txt"
echo "# models byte-identical in every round; medians of $ROUNDS rounds (seconds, 10 epochs):"
python3 - "$EXPORT/times.txt" <<'PY'
import collections, statistics, sys
t = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, s = line.split()
    t[name].append(float(s))
for name, v in t.items():
    print(f"{name}: {statistics.median(v):.3f} s ({', '.join(f'{x:.3f}' for x in v)})")
PY
rm -rf "$EXPORT"
