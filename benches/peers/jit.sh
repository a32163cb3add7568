#!/usr/bin/env bash
# jit side by side: burnax's `cargo bench --bench jit` and JAX (with and without jit) and NumPy on
# the same workloads (../../../shared/peers/jit_peers.py), then the playbook's jitted vmapped SOM
# step (seed_jax.py --mode batch, rgb), one after another in one run on this machine. Prints one
# JSON line per measurement; check `uptime` first (a busy second process halves everything).
#
#   bash benches/peers/jit.sh > jit-results.jsonl
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
VENV=${VENV:-/tmp/peers-venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$PEERS/requirements.txt"
fi
PY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE JAX_PLATFORMS=cpu "$VENV/bin/python")
echo "{\"machine\": \"$(lscpu | sed -n 's/^Model name: *//p')\", \"cpus\": $(nproc), \"date\": \"$(date -Is)\"}"
(cd "$ROOT" && cargo bench -q -p benches --bench jit 2>/dev/null | grep '^{')
"${PY[@]}" "$PEERS/jit_peers.py" 2>&1 | grep '^{'
# 10 of the 50 epochs (the time per epoch is what the table compares).
"${PY[@]}" "$PEERS/seed_jax.py" --workload rgb --mode batch --steps 10 2>&1 | grep -v -i warning | tail -2
