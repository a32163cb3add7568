#!/usr/bin/env bash
# Side-by-side SOM numbers: burnax-som and the peers of ../../../shared/peers (or $PEERS), one
# after another on the same machine, in one run. Results: $PEERS_OUT (default ./peers-results)/
# results.jsonl and table.md.
#
#   bash benches/peers/run.sh            # the default set (about 10 minutes on 2 cores)
#   FULL=1 bash benches/peers/run.sh     # also NumPy and MiniSom (about an hour)
#   PYTHON=1 bash benches/peers/run.sh   # also the Python package against MiniSom (about 15 minutes)
#   MAPS=1 OLD=/path/to/som bash benches/peers/run.sh
#                                        # also hexagonal and toroidal maps, the other
#                                        # neighbourhoods and distances, and the playbook's map
#                                        # against an OLD build of som (about 7 minutes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
export PEERS_OUT=${PEERS_OUT:-$PWD/peers-results}
VENV=${VENV:-/tmp/peers-venv}
mkdir -p "$PEERS_OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$PEERS/requirements.txt"
fi
PY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE JAX_PLATFORMS=cpu "$VENV/bin/python")
(cd "$ROOT" && cargo build --release -q -p benches --bin som-bench)
EXPORT=$(mktemp -d)
[ -f "$PEERS_OUT/results.jsonl" ] && mv "$PEERS_OUT/results.jsonl" "$PEERS_OUT/results.$(date +%Y%m%dT%H%M%S).jsonl"
{ date -Is; lscpu | grep -E 'Model name|^CPU\(s\)'; } > "$PEERS_OUT/machine.txt"

ours() { "${PY[@]}" "$ROOT/benches/peers/ours.py" --peers "$PEERS" --bin "$ROOT/target/release/som-bench" --export "$EXPORT" --workload "$1" --mode "$2"; }
peer() { local wl=$1; shift; "${PY[@]}" "$PEERS/$1" "${@:2}" --workload "$wl" 2>&1 | grep -v -i warning; }

for wl in rgb digits scale; do
    "${PY[@]}" "$PEERS/export_workload.py" --workload "$wl" --out "$EXPORT" > /dev/null
done
ours rgb batch;    peer rgb best_jax.py --mode batch;   peer rgb seed_jax.py --mode batch
ours rgb online;   peer rgb seed_jax.py --mode online
ours digits batch; peer digits best_jax.py --mode batch
ours digits online; peer digits seed_jax.py --mode online
ours scale batch;  peer scale best_jax.py --mode batch
if [ -n "${PYTHON:-}" ]; then
    # burnax_som.MiniSom and MiniSom: the same class, arguments, initial map and calls.
    "$VENV/bin/pip" install -q "$ROOT/som/python"
    py() { "${PY[@]}" "$ROOT/benches/peers/python.py" --peers "$PEERS" "$@" 2>&1 | grep -v -i warning; }
    for wl in rgb digits; do
        for mode in batch online; do
            py --workload $wl --mode $mode --impl burnax_som
            py --workload $wl --mode $mode --impl minisom
        done
    done
fi
if [ -n "${MAPS:-}" ]; then
    (cd "$ROOT" && cargo build --release -q -p burnax-som-cli --bin som)
    "${PY[@]}" "$ROOT/benches/peers/maps.py" --peers "$PEERS" --old "${OLD:?OLD=path to a som built before the change}" \
        --new "$ROOT/target/release/som" | tee "$PEERS_OUT/maps.md"
fi
if [ -n "${FULL:-}" ]; then
    peer rgb seed_numpy.py --mode batch; peer rgb seed_numpy.py --mode online
    peer rgb minisom_bench.py --mode batch; peer rgb minisom_bench.py --mode online
    peer digits seed_numpy.py --mode batch; peer digits minisom_bench.py --mode batch
fi
"${PY[@]}" "$PEERS/make_table.py" > "$PEERS_OUT/table.md"
cat "$PEERS_OUT/table.md"
rm -rf "$EXPORT"
