"""Runs burnax-som (target/release/som-bench) on a peers workload and records the result with the
peers' own common.record, QE/TE from common.quality: the same metrics, the same table.

    python ours.py --peers ../../../shared/peers --bin ../../target/release/som-bench \
        --export /tmp/wl --workload rgb --mode batch
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument("--peers", required=True)
p.add_argument("--bin", required=True)
p.add_argument("--export", required=True)
p.add_argument("--workload", required=True)
p.add_argument("--mode", required=True)
p.add_argument("--device", default="cpu", help="cpu (Flex), wgpu or cuda")
p.add_argument("--precision", default="f32", help="batch search operands on cuda: f32, tf32 or bf16")
p.add_argument("--tile", help="batch search register tile on wgpu/cuda: small or large (default: automatic)")
a = p.parse_args()
sys.path.insert(0, os.path.abspath(a.peers))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import common  # noqa: E402
import extra  # noqa: E402

extra.patch(common)

wl = common.WORKLOADS[a.workload]
order = os.path.join(a.export, f"{a.workload}_order_f64.npy")
if not os.path.exists(order):
    np.save(order, np.load(os.path.join(a.export, f"{a.workload}_order.npy")).astype(np.float64).reshape(-1, 1))
out = os.path.join(a.export, f"{a.workload}_{a.mode}_ours.npy")
before = common.loadavg()
res = json.loads(subprocess.run([a.bin, "--dir", a.export, "--workload", a.workload, "--mode", a.mode,
                                 "--out", out, "--device", a.device, "--precision", a.precision]
                                + (["--tile", a.tile] if a.tile else []), check=True, capture_output=True, text=True).stdout)
after = common.loadavg()
x = common.load_data(a.workload)
qe, te = common.quality(x, np.load(out), wl.xdim, wl.ydim)
runs = res["runs"]
label = {"cpu": "Flex"}.get(a.device, a.device)
if a.precision != "f32":
    label += f", {a.precision} search"
if a.tile:
    label += f", {a.tile} tile"
common.record(f"burnax-som ({label})", a.workload, a.mode, statistics.median(runs), runs,
              [{"start": before, "end": after}], qe, te, extra={"dtype": "float32", "search": a.precision})
