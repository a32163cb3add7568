"""Adds the `large` workload of issue 5 to the peers' workloads, then runs a peers script.

    python extra.py PEERS_DIR SCRIPT.py [script arguments...]

`large`: 1,000,000 x 64 Gaussian blobs (64 centres, scaled to [0, 1] per column, like `scale`)
on a 100 x 100 map, sigmas 50/50, 10 batch epochs, min_sigma_frac 0.05. ours.py calls `patch`
too, so both sides see the same data.
"""
import os
import runpy
import sys


def patch(common):
    if "large" in common.WORKLOADS:
        return
    common.WORKLOADS["large"] = common.Workload("large", 100, 100, 50.0, 50.0, 1_000_000, 10, 0.05)
    original = common.load_data

    def load_data(name):
        if name != "large":
            return original(name)
        from sklearn.datasets import make_blobs
        x, _ = make_blobs(n_samples=1_000_000, n_features=64, centers=64, cluster_std=2.5,
                          random_state=common.DATA_SEED)
        lo, hi = x.min(axis=0), x.max(axis=0)
        return (x - lo) / (hi - lo)

    common.load_data = load_data


if __name__ == "__main__":
    peers, script = os.path.abspath(sys.argv[1]), sys.argv[2]
    sys.path.insert(0, peers)
    import common  # noqa: E402

    patch(common)
    sys.argv = [script] + sys.argv[3:]
    runpy.run_path(os.path.join(peers, script), run_name="__main__")
