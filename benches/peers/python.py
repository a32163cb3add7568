"""MiniSom and burnax_som.MiniSom (the Python package, som/python) side by side: the same
class, the same arguments, the same initial map and the same calls, one after the other in one
process. Quality (QE, TE) is measured by the peers' common.quality in float64 NumPy on each
final map, never by either library.

Modes
  online  MiniSom(x, y, D, sigma=max(x, y) / 2).train(data, max_iter, random_order=True):
          MiniSom's defaults (asymptotic decays, learning rate 0.5), both classes.
  batch   the batch SOM with the workload's schedule: MiniSom.train_batch_offline with its
          learning rate fixed at 1 and sigma geomspace(x_sigma, max(2, x * min_sigma_frac)) /
          sqrt(2) (as minisom_bench.py's `batch`), against burnax_som's train_batch_map with the
          same start and end (MiniSom's convention) and the same geometric schedule.

    python python.py --peers ../../../shared/peers --workload digits --mode online [--steps N]

`--steps` runs the first N steps (online) of the full-length schedule, for MiniSom runs too
long to wait for; the record says which fraction ran.
"""

import argparse
import math
import os
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peers", required=True)
    p.add_argument("--workload", required=True)
    p.add_argument("--mode", choices=("online", "batch"), required=True)
    p.add_argument("--impl", choices=("minisom", "burnax_som"), required=True)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers))
    import common

    if args.impl == "minisom":
        from minisom import MiniSom
        dtype = np.float64
    else:
        from burnax_som import MiniSom
        dtype = np.float32
    wl = common.WORKLOADS[args.workload]
    x = common.load_data(args.workload)
    data = x.astype(dtype)
    init = common.init_som(wl.xdim, wl.ydim, x.shape[1], args.seed).reshape(wl.xdim, wl.ydim, -1)

    def make(sigma):
        som = MiniSom(wl.xdim, wl.ydim, x.shape[1], sigma=sigma, random_seed=args.seed)
        som._weights = np.ascontiguousarray(init, dtype=dtype)
        return som

    if args.mode == "online":
        full = wl.max_iter
        steps = args.steps or full
        if steps != full and args.impl != "minisom":
            raise SystemExit("--steps is for MiniSom only: burnax_som runs the whole schedule")

        def run():
            som = make(max(wl.xdim, wl.ydim) / 2)
            if steps == full:
                som.train(data, full, random_order=True)
            else:
                # The first `steps` updates of the full schedule, MiniSom's order and decays.
                order = np.arange(full) % len(data)
                som._random_generator.shuffle(order)
                for t in range(steps):
                    som.update(data[order[t]], som.winner(data[order[t]]), t, full)
            return som.get_weights()
    else:
        full = steps = wl.epochs
        start = wl.x_sigma / math.sqrt(2)
        end = max(2, wl.xdim * wl.min_sigma_frac) / math.sqrt(2)

        def run():
            som = make(start)
            if args.impl == "minisom":
                schedule = np.geomspace(wl.x_sigma, max(2, wl.xdim * wl.min_sigma_frac),
                                        wl.epochs) / math.sqrt(2)
                som._learning_rate_decay_function = lambda lr, t, T: 1.0
                som._sigma_decay_function = lambda s, t, T: schedule[t]
                som.train_batch_offline(data, wl.epochs)
            else:
                som.train_batch_map(data, wl.epochs, sigma=start, final_sigma=end)
            return som.get_weights()

    wall, times, loads, w = common.timed(run)
    qe, te = common.quality(x, np.asarray(w, dtype=np.float64).reshape(-1, x.shape[1]),
                            wl.xdim, wl.ydim)
    name = "minisom" if args.impl == "minisom" else "burnax_som.MiniSom"
    common.record(name, args.workload, args.mode, wall, times, loads, qe, te,
                  fraction=steps / full,
                  extra={"dtype": np.dtype(dtype).name, "steps_run": steps, "steps_full": full})


if __name__ == "__main__":
    main()
