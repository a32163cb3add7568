"""Hexagonal and toroidal maps, side by side in one run (issue 15's measurements):

1. the playbook's map on two builds of `som` (OLD and NEW: before and after the other maps),
   interleaved, to show that the default path kept its speed;
2. every other grid, neighbourhood and distance on the rgb workload against the rectangular
   one, on NEW;
3. hexagonal and toroidal maps on the digits workload: ours against MiniSom's hexagonal map
   (MiniSom has no torus), same data and initial map.

QE is the mean Euclidean distance to the best unit and TE the share of rows whose two best
units are more than one unit apart in the map's own positions (our hexagonal positions for
ours, MiniSom's for MiniSom's), both computed here in float64 NumPy from each final map.

    python maps.py --peers ../../../shared/peers --old /tmp/som-old --new target/release/som

On a GPU (benches/gpu/run.sh), part 2 on the CubeCL kernels of a `som` built with `--features
cuda`: `python maps.py --peers ... --new SOM --parts 2 --device cuda`.
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--peers", required=True)
p.add_argument("--old", help="som built before the other maps (part 1)")
p.add_argument("--new", required=True, help="som built with them")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--skip-minisom", action="store_true")
p.add_argument("--parts", default="1,2,3", help="which of the three tables, e.g. 2")
p.add_argument("--device", help="passed to every `som train` (cpu, wgpu, cuda)")
a = p.parse_args()
parts = {int(v) for v in a.parts.split(",")}
if 1 in parts and not a.old:
    p.error("part 1 needs --old")
sys.path.insert(0, os.path.abspath(a.peers))
import common  # noqa: E402

tmp = tempfile.mkdtemp()
HEX_ROW = math.sqrt(3) / 2


def train_time(binary, args):
    """Runs `som train ...` and returns the training time it prints, in seconds."""
    device = ["--device", a.device] if a.device else []
    out = subprocess.run([binary, "train", *args, *device], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{binary} train {' '.join(args)}: {out.stderr}")
    m = re.search(r" in ([0-9.]+)(ms|s|µs): QE", out.stderr)
    value = float(m.group(1))
    return {"ms": value / 1e3, "s": value, "µs": value / 1e6}[m.group(2)]


def median_time(binary, args, reps=a.reps):
    return statistics.median(train_time(binary, args) for _ in range(reps))


def positions(xdim, ydim, hexagonal, minisom=False):
    x, y = np.divmod(np.arange(xdim * ydim), ydim)
    px, py = x.astype(float), y.astype(float)
    if hexagonal:
        if minisom:
            # MiniSom: meshgrid rows y = ydim - 1, ydim - 3, ... shifted left by half a unit.
            px = px - 0.5 * ((ydim - 1 - y) % 2 == 0)
        else:
            px = px + 0.5 * (y % 2)
        py = py * HEX_ROW
    return px, py


def quality(x, w, xdim, ydim, hexagonal=False, toroidal=False, minisom=False):
    w = np.asarray(w, dtype=np.float64).reshape(xdim * ydim, -1)
    d2 = (w * w).sum(1)[None, :] - 2 * x @ w.T
    b1 = d2.argmin(1)
    d2[np.arange(len(x)), b1] = np.inf
    b2 = d2.argmin(1)
    qe = np.linalg.norm(x - w[b1], axis=1).mean()
    px, py = positions(xdim, ydim, hexagonal, minisom)
    dx, dy = np.abs(px[b1] - px[b2]), np.abs(py[b1] - py[b2])
    if toroidal:
        dx = np.minimum(dx, xdim - dx)
        dy = np.minimum(dy, ydim * (HEX_ROW if hexagonal else 1.0) - dy)
    far = np.hypot(dx, dy) > 1.01 if hexagonal else np.maximum(dx, dy) > 1.01
    return qe, far.mean()


rows = []
print(f"machine: {os.uname().machine}, load before: {os.getloadavg()[0]:.2f}", flush=True)

# 1. The playbook's map, before and after.
rgb = ["--demo", "colors", "--width", "240", "--height", "135", "--out", f"{tmp}/m.som"]
wl = common.WORKLOADS["digits"]
x = common.load_data("digits")
np.save(f"{tmp}/digits.npy", x)
np.save(f"{tmp}/init.npy", common.init_som(wl.xdim, wl.ydim, x.shape[1]))
# The workload's batch schedule: radius geometric from half the map to max(2, 40 * 0.05).
DIGITS_BATCH = ["--mode", "batch", "--epochs", "100", "--min-sigma-frac", str(wl.min_sigma_frac)]
digits = ["--input", f"{tmp}/digits.npy", "--init", f"{tmp}/init.npy", "--width", "40", "--height", "40",
          "--out", f"{tmp}/d.som"]
default = [
    ("rgb batch (50 epochs)", rgb + ["--mode", "batch"]),
    ("rgb online (50,000 steps)", rgb + ["--mode", "online", "--steps", "50000"]),
    ("digits batch (100 epochs)", digits + DIGITS_BATCH),
    ("digits online (179,700 steps)", digits + ["--mode", "online", "--steps", "179700"]),
]
if 1 in parts:
    print("\n| the playbook's map | before (s) | after (s) | after / before |\n|---|---|---|---|")
for name, args in default if 1 in parts else []:
    old, new = [], []
    for _ in range(a.reps):  # interleaved, so that a slow moment hits both
        old.append(train_time(a.old, args))
        new.append(train_time(a.new, args))
    o, n = statistics.median(old), statistics.median(new)
    print(f"| {name} | {o:.3f} | {n:.3f} | {n / o:.3f} |", flush=True)

# 2. The other maps against the rectangular one, rgb.
maps = [
    ("rectangular, gaussian, euclidean", []),
    ("hexagonal", ["--topology", "hexagonal"]),
    ("toroidal", ["--toroidal"]),
    # A hexagonal torus needs an even height: 134 rows (the rectangular map has 135).
    ("hexagonal toroidal (240 x 134)", ["--topology", "hexagonal", "--toroidal", "--height", "134"]),
    ("bubble", ["--neighborhood", "bubble"]),
    ("triangle", ["--neighborhood", "triangle"]),
    ("mexican-hat (online only)", ["--neighborhood", "mexican-hat"]),
    ("manhattan", ["--distance", "manhattan"]),
    ("chebyshev", ["--distance", "chebyshev"]),
    ("cosine", ["--distance", "cosine"]),
]
if 2 in parts:
    print(f"\n| rgb, 240 x 135 ({a.device or 'cpu'}) | batch (s) | x rectangular | online (s) | x rectangular |"
          "\n|---|---|---|---|---|")
base = {}
for name, flags in maps if 2 in parts else []:
    cells = []
    for mode, extra in (("batch", ["--mode", "batch"]), ("online", ["--mode", "online", "--steps", "50000"])):
        if mode == "batch" and "mexican-hat" in flags:
            cells += ["-", "-"]
            continue
        args = rgb + extra + flags
        if flags.count("--height"):  # the row's own height replaces the workload's
            at = args.index("--height")
            del args[at:at + 2]
        t = median_time(a.new, args)
        base.setdefault(mode, t)
        cells += [f"{t:.3f}", f"{t / base[mode]:.2f}"]
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

# 3. Digits: hexagonal and toroidal, ours and MiniSom's hexagonal.
digits_maps = (
    ("rectangular", [], False, False),
    ("hexagonal", ["--topology", "hexagonal"], True, False),
    ("toroidal", ["--toroidal"], False, True),
    ("hexagonal toroidal", ["--topology", "hexagonal", "--toroidal"], True, True),
)
if 3 in parts:
    print("\n| digits, 40 x 40 | impl | time (s) | QE | TE |\n|---|---|---|---|---|")
for name, flags, hexagonal, toroidal in digits_maps if 3 in parts else ():
    for mode, extra in (("batch", DIGITS_BATCH), ("online", ["--mode", "online", "--steps", "179700"])):
        t = median_time(a.new, digits + extra + flags, reps=1)
        npy = f"{tmp}/w.npy"
        subprocess.run([a.new, "export", "--model", f"{tmp}/d.som", "--weights", npy], check=True,
                       capture_output=True)
        qe, te = quality(x, np.load(npy), 40, 40, hexagonal, toroidal)
        print(f"| {name} {mode} | burnax-som | {t:.2f} | {qe:.5f} | {te:.4f} |", flush=True)
if 3 in parts and not a.skip_minisom:
    from minisom import MiniSom

    init = common.init_som(wl.xdim, wl.ydim, x.shape[1]).reshape(40, 40, -1)
    for mode in ("batch", "online"):
        som = MiniSom(40, 40, x.shape[1], sigma=20.0, topology="hexagonal", random_seed=0)
        som._weights = init.copy()
        start = time.perf_counter()
        if mode == "batch":
            # The batch SOM with our schedule, as minisom_bench.py's matched batch: learning
            # rate 1, sigma geomspace(20, max(2, 40 * 0.05)) / sqrt(2) (MiniSom's 2 sigma^2).
            schedule = np.geomspace(wl.x_sigma, max(2, wl.xdim * wl.min_sigma_frac), wl.epochs) / math.sqrt(2)
            som._learning_rate_decay_function = lambda lr, t, T: 1.0
            som._sigma_decay_function = lambda s, t, T: schedule[t]
            som.train_batch_offline(x, wl.epochs)
        else:
            som.train(x, wl.max_iter, random_order=True)
        t = time.perf_counter() - start
        qe, te = quality(x, som.get_weights(), 40, 40, True, False, minisom=True)
        print(f"| hexagonal {mode} | MiniSom 2.3.6 | {t:.2f} | {qe:.5f} | {te:.4f} |", flush=True)
print(f"\nload after: {os.getloadavg()[0]:.2f}")
