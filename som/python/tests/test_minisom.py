"""burnax_som.MiniSom against MiniSom 2.3.6, side by side: same data, same seed, same calls.

The oracle is MiniSom itself (float64 NumPy). Ours trains in float32, so weights are compared
to TRAIN_TOL: every step adds a rounding of about 6e-8 relative to each weight, and a SOM's
updates contract differences (each step moves a unit part of the way to the same example), so
the f32 runs stay within about 1e-6 of MiniSom's (measured on an AMD EPYC: 3e-7 to 6e-7 for
the runs below, 4.5e-7 after 20,000 steps). TRAIN_TOL = 1e-5 leaves room for other CPUs and
BLAS, and is far below what a wrong convention gives (sigma without MiniSom's factor 2: 0.74,
checked below). Metrics of the same map agree to EVAL_TOL, f32 distances against f64 ones
(measured: 1.5e-7 for the distance map, 2e-11 for the quantization error).

`SOM_BIN` (set by .ci/run) names a built `som` command for the file round trips; without it
those tests are skipped.
"""

import math
import os
import subprocess
import threading
import time
import json

import numpy as np
import pytest
from minisom import MiniSom as Theirs

import burnax_som
from burnax_som import MiniSom as Ours

TRAIN_TOL = 1e-5
EVAL_TOL = 1e-6


def data(n=300, d=4, seed=0):
    return np.random.RandomState(seed).rand(n, d)


def pair(x=7, y=5, d=4, **kw):
    return Ours(x, y, d, **kw), Theirs(x, y, d, **kw)


def same_map(ours, theirs):
    """Gives MiniSom our float32 weights, so that both evaluate the same map."""
    theirs._weights = ours.get_weights().astype(np.float64)


def test_initial_weights_are_minisoms_in_float32():
    ours, theirs = pair(random_seed=3)
    assert ours.get_weights().dtype == np.float32
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights().astype(np.float32))


@pytest.mark.parametrize("random_order", [False, True])
@pytest.mark.parametrize("use_epochs", [False, True])
def test_train_matches_minisom(random_order, use_epochs):
    x = data()
    ours, theirs = pair(sigma=1.5, learning_rate=0.4, random_seed=11)
    iterations = 3 if use_epochs else 700
    ours.train(x, iterations, random_order=random_order, use_epochs=use_epochs)
    theirs.train(x, iterations, random_order=random_order, use_epochs=use_epochs)
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=0, atol=TRAIN_TOL)
    # The weights moved: the comparison is of trained maps, not of two copies of the start.
    assert np.abs(theirs.get_weights() - Theirs(7, 5, 4, random_seed=11).get_weights()).max() > 0.1


@pytest.mark.parametrize("decay", ["asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero"])
@pytest.mark.parametrize("sigma_decay", ["asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one"])
def test_every_decay_matches_minisom(decay, sigma_decay):
    x = data(200, 3, seed=4)
    kw = dict(sigma=2.0, learning_rate=0.5, random_seed=5, decay_function=decay,
              sigma_decay_function=sigma_decay)
    ours, theirs = pair(6, 6, 3, **kw)
    ours.train_random(x, 400)
    theirs.train_random(x, 400)
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=0, atol=TRAIN_TOL)


def test_train_batch_and_train_random_are_minisoms():
    x = data(150, 4, seed=2)
    for method in ("train_batch", "train_random"):
        ours, theirs = pair(random_seed=8)
        getattr(ours, method)(x, 450)
        getattr(theirs, method)(x, 450)
        np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=0, atol=TRAIN_TOL)


def test_the_oracle_comparison_sees_a_wrong_convention():
    """What TRAIN_TOL is for: sigma taken without MiniSom's factor 2 (ours * sqrt(2)) lands far
    outside it."""
    x = data()
    ours = Ours(7, 5, 4, sigma=1.5 * math.sqrt(2), random_seed=11)
    theirs = Theirs(7, 5, 4, sigma=1.5, random_seed=11)
    ours.train(x, 700)
    theirs.train(x, 700)
    assert np.abs(ours.get_weights() - theirs.get_weights()).max() > 100 * TRAIN_TOL


def test_initialisations_are_minisoms():
    x = data(120, 4, seed=6)
    for init in ("random_weights_init", "pca_weights_init"):
        ours, theirs = pair(random_seed=2)
        getattr(ours, init)(x)
        getattr(theirs, init)(x)
        np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights().astype(np.float32))


def test_metrics_of_the_same_map_are_minisoms():
    x = data(400, 4, seed=9)
    ours, theirs = pair(8, 6, 4, sigma=1.2, random_seed=1)
    ours.train(x, 2000, random_order=True)
    same_map(ours, theirs)
    assert ours.winner(x[5]) == tuple(int(v) for v in theirs.winner(x[5]))
    assert abs(ours.quantization_error(x) - theirs.quantization_error(x)) < EVAL_TOL
    assert ours.topographic_error(x) == theirs.topographic_error(x)
    for scaling in ("sum", "mean"):
        np.testing.assert_allclose(ours.distance_map(scaling), theirs.distance_map(scaling),
                                   rtol=0, atol=EVAL_TOL)
    np.testing.assert_array_equal(ours.activation_response(x), theirs.activation_response(x))
    np.testing.assert_allclose(ours.quantization(x), theirs.quantization(x), rtol=0, atol=1e-7)
    labels = (x[:, 0] > 0.5).astype(int)
    assert dict(ours.labels_map(x, labels)) == {
        tuple(int(v) for v in k): c for k, c in theirs.labels_map(x, labels).items()}
    assert dict(ours.win_map(x, return_indices=True)) == {
        tuple(int(v) for v in k): c for k, c in theirs.win_map(x, return_indices=True).items()}
    rows = ours.win_map(x)[ours.winner(x[0])]
    assert any(r is x[0] or np.array_equal(r, x[0]) for r in rows)
    np.testing.assert_allclose(ours.activate(x[3]), theirs.activate(x[3]), rtol=0, atol=EVAL_TOL)
    assert ours.distortion_measure(x) == pytest.approx(theirs.distortion_measure(x), rel=1e-5)


def test_update_is_minisoms_step():
    x = data(10, 4, seed=3)
    ours, theirs = pair(random_seed=4)
    for t in range(5):
        win = theirs.winner(x[t])
        ours.update(x[t], win, t, 5)
        theirs.update(x[t], win, t, 5)
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=0, atol=1e-6)


def test_weights_are_updated_in_place_and_float32_data_is_taken_as_is():
    x = data().astype(np.float32)
    som = Ours(7, 5, 4, random_seed=1)
    w = som.get_weights()
    before = w.copy()
    som.train(x, 100)
    assert som.get_weights() is w
    assert np.abs(w - before).max() > 0.01


def test_batch_map_orders_the_map():
    # Four tight clusters: a trained batch map puts every sample near a unit, neighbours next
    # to each other.
    rng = np.random.RandomState(0)
    centres = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    x = centres[rng.randint(4, size=400)] + rng.normal(scale=0.02, size=(400, 3))
    som = Ours(10, 10, 3, sigma=3, random_seed=0)
    before = som.quantization_error(x)
    som.train_batch_map(x, 30)
    assert som.quantization_error(x) < 0.05 < before
    assert som.topographic_error(x) < 0.05


def test_unsupported_features_say_so():
    for kw in (dict(topology="hexagonal"), dict(neighborhood_function="bubble"),
               dict(activation_distance="cosine"), dict(decay_function=lambda a, t, T: a)):
        with pytest.raises(NotImplementedError, match="not in burnax_som.MiniSom"):
            Ours(4, 4, 2, **kw)
    with pytest.raises(NotImplementedError, match="fixed_points"):
        Ours(4, 4, 2).train(data(10, 2), 10, fixed_points={0: (0, 0)})
    for kw in (dict(topology="torus"), dict(neighborhood_function="cone"),
               dict(decay_function="fast"), dict(sigma_decay_function="fast")):
        with pytest.raises(ValueError, match="not supported"):
            Ours(4, 4, 2, **kw)


def test_bad_input_is_a_clear_error():
    som = Ours(4, 4, 3)
    with pytest.raises(ValueError, match="Received 2 features, expected 3."):
        som.train(data(10, 2), 10)
    x = data(10, 3)
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match="row 4, column 1"):
        som.quantization_error(x)
    with pytest.raises(ValueError, match="num_iteration"):
        som.train(data(10, 3), 0)


def test_training_releases_the_gil():
    """Another Python thread runs while a map trains (about 0.2 s here). Were the GIL held
    by the kernels, this thread could tick only in the call's few Python moments around them,
    a tick or two; released, it ticks about once a millisecond throughout."""
    x = data(2000, 16, seed=1).astype(np.float32)
    som = Ours(40, 40, 16, sigma=5, random_seed=0)
    span = []

    def train():
        span.append(time.perf_counter())
        som.train(x, 20000, random_order=True)
        span.append(time.perf_counter())

    worker = threading.Thread(target=train)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = span
    inside = sum(start < t < end for t in ticks)
    assert end - start > 0.05, "the training is too short to tell"
    assert inside >= 10, f"{inside} ticks in {end - start:.3f} s of training"


SOM = os.environ.get("SOM_BIN")
needs_som = pytest.mark.skipif(not SOM, reason="SOM_BIN names no som command")


@needs_som
def test_models_go_to_the_som_command_and_back(tmp_path):
    x = data(300, 3, seed=5)
    som = Ours(9, 7, 3, sigma=1.5, random_seed=2)
    som.train(x, 1500, random_order=True)
    som.save(tmp_path / "m.som", features=["r", "g", "b"])
    csv = tmp_path / "x.csv"
    np.savetxt(csv, x.astype(np.float32), delimiter=",", header="r,g,b", comments="")
    out = subprocess.run([SOM, "eval", "--model", str(tmp_path / "m.som"), "--input", str(csv),
                          "--json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    assert report["quantization_error"] == pytest.approx(som.quantization_error(x), rel=1e-6)
    assert report["topographic_error"] == som.topographic_error(x)
    back = burnax_som.load(tmp_path / "m.som")
    np.testing.assert_array_equal(back.get_weights(), som.get_weights())
    # A model the command trained on rescaled data: the package rescales inputs the same way.
    wide = x * np.array([1.0, 100.0, 1e4])
    np.savetxt(csv, wide.astype(np.float32), delimiter=",", header="r,g,b", comments="")
    subprocess.run([SOM, "train", "--input", str(csv), "--width", "6", "--height", "5",
                    "--epochs", "5", "--normalize", "zscore", "--out", str(tmp_path / "z.som")],
                   check=True, capture_output=True)
    out = subprocess.run([SOM, "eval", "--model", str(tmp_path / "z.som"), "--input", str(csv),
                          "--json"], check=True, capture_output=True, text=True).stdout
    z = burnax_som.load(tmp_path / "z.som")
    assert json.loads(out)["quantization_error"] == pytest.approx(
        z.quantization_error(wide.astype(np.float32)), rel=1e-5)
    # A map MiniSom's class cannot hold is refused, not read as a rectangular one.
    subprocess.run([SOM, "train", "--input", str(csv), "--width", "6", "--height", "4",
                    "--epochs", "2", "--topology", "hexagonal", "--toroidal",
                    "--out", str(tmp_path / "h.som")], check=True, capture_output=True)
    with pytest.raises(ValueError, match="toroidal hexagonal map"):
        burnax_som.load(tmp_path / "h.som")
