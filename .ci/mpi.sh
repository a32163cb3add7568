#!/usr/bin/env bash
# Distributed checks under Open MPI (issue 14), called by .ci/run: the communicators and pmap
# against their one-process oracles at 2 and 3 ranks, a panicking rank that must end the job,
# and `som train` under mpirun against one process, byte for byte, with bad input, a killed rank
# and a resume on another number of ranks. Every mpirun is time-limited: a hang fails, never
# stalls CI.
set -euxo pipefail
PS4='+ $(date +%T) '
cd "$(dirname "$0")/.."
if ! command -v mpirun >/dev/null || ! dpkg -s libopenmpi-dev libclang-dev >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openmpi-bin libopenmpi-dev libclang-dev pkg-config
fi
# Root in CI containers; --oversubscribe for more ranks than cores; no single-copy transport
# where the container forbids ptrace.
mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe --mca btl_vader_single_copy_mechanism none --timeout 240"

# One feature set for the tests and the `som` binary (dev-dependencies included), so that
# nothing builds twice; then the tests as one process each.
mpi_build="-p burnax-comm -p burnax -p burnax-som-cli --features burnax-comm/mpi,burnax/mpi,burnax-som-cli/mpi"
cargo build $mpi_build --bin som --test mpi --test pmap_mpi
cargo test $mpi_build --test mpi --test pmap_mpi
comm_test=$(ls -t target/debug/deps/mpi-* | grep -v '\.d$' | head -1)
pmap_test=$(ls -t target/debug/deps/pmap_mpi-* | grep -v '\.d$' | head -1)
for np in 2 3; do
    $mpi -np $np "$comm_test"
    $mpi -np $np "$pmap_test"
done

out=$(mktemp -d)
# A rank that panics aborts the job at once (no hang): non-zero, well within the timeout.
start=$SECONDS
if BURNAX_PANIC_RANK=1 $mpi -np 3 "$comm_test" > "$out/panic.txt" 2>&1; then
    echo "a panicking rank did not fail the job"; exit 1
fi
grep -q "rank 1 panicked; aborting the MPI job" "$out/panic.txt"
test $((SECONDS - start)) -lt 60

som=./target/debug/som
python3 - "$out" <<'PY'
import random, struct, sys
random.seed(1)
rows = [[random.gauss(0, 1) * 10 ** random.randint(0, 3) for _ in range(4)] for _ in range(3001)]
with open(f"{sys.argv[1]}/d.csv", "w") as f:
    f.write("a,b,c,d\n")
    f.writelines(",".join(repr(v) for v in r) + "\n" for r in rows)
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3001, 4), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(f"{sys.argv[1]}/d.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack(f"<{len(rows) * 4}f", *[v for r in rows for v in r]))
PY
train="train --width 12 --height 9 --epochs 7 --init sample --seed 5"
for input in d.csv d.npy; do
    $som $train --input "$out/$input" --out "$out/one.som"
    $som export --model "$out/one.som" --weights "$out/one.npy"
    for np in 2 3; do
        $mpi -np $np $som $train --input "$out/$input" --out "$out/m.som" --png "$out/m.png"
        $som export --model "$out/m.som" --weights "$out/m.npy"
        cmp "$out/one.npy" "$out/m.npy"
        cmp "$out/one.som" "$out/m.som"
        test -s "$out/m.png"
        rm "$out/m.som" "$out/m.npy" "$out/m.png"
    done
done

# Bad input in the last rank's rows: one error line naming the file and line, from rank 0.
sed '2900s/.*/1,2,x,4/' "$out/d.csv" > "$out/bad.csv"
if $mpi -np 3 $som $train --input "$out/bad.csv" --out "$out/b.som" 2> "$out/bad.txt"; then
    echo "bad input was accepted"; exit 1
fi
test "$(grep -c '^error:' "$out/bad.txt")" -eq 1
grep -q "bad.csv:2900: column 3" "$out/bad.txt"
test ! -e "$out/b.som"

# A rank killed mid-run ends the job with an error; the checkpoint it left resumes on another
# number of ranks to the weights of one uninterrupted process.
long="train --demo colors --width 240 --height 135 --epochs 1500 --checkpoint-every 25"
$mpi -np 2 $som $long --out "$out/k.som" > "$out/kill.txt" 2>&1 &
job=$!
for _ in $(seq 600); do test -s "$out/k.som" && break; sleep 0.1; done
test -s "$out/k.som"
pkill -9 -n -f "^$som $long" || true  # a rank, not mpirun
start=$SECONDS
if wait $job; then echo "the job survived a killed rank (or finished before the kill)"; exit 1; fi
test $((SECONDS - start)) -lt 60
$mpi -np 3 $som train --demo colors --resume "$out/k.som" --out "$out/k.som"
$som $long --out "$out/full.som"
$som export --model "$out/k.som" --weights "$out/k.npy"
$som export --model "$out/full.som" --weights "$out/full.npy"
cmp "$out/k.npy" "$out/full.npy"
rm -rf "$out"
