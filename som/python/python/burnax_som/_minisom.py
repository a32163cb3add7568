"""``MiniSom``: MiniSom 2.3's API on burnax-som's kernels.

Conventions, and where they differ from MiniSom's:

- ``sigma`` is MiniSom's: the neighbourhood is ``exp(-d^2 / (2 sigma^2))``. burnax-som's own
  radius (the ``som`` command's ``--sigma``) has no factor 2, so MiniSom's ``sigma`` is ours
  divided by ``sqrt(2)``; this class converts, so the same ``sigma`` gives the same map.
- The weights are ``float32`` (MiniSom's are ``float64``): the kernels run in single precision.
  ``get_weights()`` returns the ``(x, y, input_len)`` array itself, no copy, as MiniSom does.
- The random generator is MiniSom's (``numpy.random.RandomState(random_seed)``), used in the
  same order, so the initial weights and the example order are MiniSom's for the same seed.
- ``train``, ``train_batch`` and ``train_random`` are MiniSom's online training (one example a
  step, MiniSom's decay functions). ``train_batch_map`` is burnax-som's batch training.
- Not here (a ``NotImplementedError`` that says so): MiniSom's hexagonal grid, its bubble,
  triangle and Mexican-hat neighbourhoods and its other distances. burnax-som has all of them
  (``som train --topology hexagonal --toroidal --neighborhood ... --distance ...``), but with
  the formulas of its docs, and MiniSom's differ: its hexagonal rows shift one way or the other
  by the parity of ``y``'s size, its bubble and triangle use grid indices rather than the
  hexagons' positions, its triangle is ``(sigma - |d|)`` unscaled, its Mexican hat's
  exponential and polynomial use different radii, its Chebyshev distance is the largest
  signed difference. A class that promises MiniSom's maps cannot give these, so it refuses
  them. Also not here: callable decay functions, ``fixed_points``, ``train_batch_offline``.
"""

import math
from collections import Counter, defaultdict
from warnings import warn

import numpy as np

from . import _core

_LR_DECAYS = ("inverse_decay_to_zero", "linear_decay_to_zero", "asymptotic_decay")
_SIGMA_DECAYS = ("inverse_decay_to_one", "linear_decay_to_one", "asymptotic_decay")
_NEIGHBORHOODS = ("gaussian", "mexican_hat", "bubble", "triangle")
_DISTANCES = ("euclidean", "cosine", "manhattan", "chebyshev")


def _not_yet(what, instead=""):
    return NotImplementedError(f"{what} is not in burnax_som.MiniSom{instead}")


# What the constructor's refusals add.
_HAS = (": MiniSom's formula for it differs from burnax-som's (see this module's docs); the som "
        "command trains burnax-som's with --topology, --neighborhood and --distance")


def _build_iteration_indexes(data_len, num_iterations, random_generator=None, use_epochs=False):
    """MiniSom's example order: the same indexes from the same generator state."""
    if use_epochs:
        per_epoch = np.arange(data_len)
        if random_generator:
            random_generator.shuffle(per_epoch)
        return np.tile(per_epoch, num_iterations)
    iterations = np.arange(num_iterations) % data_len
    if random_generator:
        random_generator.shuffle(iterations)
    return iterations


class MiniSom:
    """A self-organizing map with MiniSom's constructor and methods.

    Parameters are MiniSom's; see the module's docstring for what differs. Raises
    ``ValueError`` for a value MiniSom refuses and ``NotImplementedError`` for a MiniSom
    feature burnax_som does not have yet.
    """

    def __init__(self, x, y, input_len, sigma=1, learning_rate=0.5,
                 decay_function="asymptotic_decay", neighborhood_function="gaussian",
                 topology="rectangular", activation_distance="euclidean", random_seed=None,
                 sigma_decay_function="asymptotic_decay"):
        if sigma > math.sqrt(x * x + y * y):
            warn("Warning: sigma might be too high for the dimension of the map.")
        if topology not in ("hexagonal", "rectangular"):
            raise ValueError(f"{topology} not supported only hexagonal and rectangular available")
        if topology != "rectangular":
            raise _not_yet(f"topology={topology!r}", _HAS)
        if callable(decay_function):
            raise _not_yet("a callable decay_function", ": name one of " + ", ".join(_LR_DECAYS))
        if decay_function not in _LR_DECAYS:
            raise ValueError(f"{decay_function} not supported. Functions available: "
                             + ", ".join(_LR_DECAYS))
        if sigma_decay_function not in _SIGMA_DECAYS:
            raise ValueError(f"{sigma_decay_function} not supported. Functions available: "
                             + ", ".join(_SIGMA_DECAYS))
        if neighborhood_function not in _NEIGHBORHOODS:
            raise ValueError(f"{neighborhood_function} not supported. Functions available: "
                             + ", ".join(_NEIGHBORHOODS))
        if neighborhood_function != "gaussian":
            raise _not_yet(f"neighborhood_function={neighborhood_function!r}", _HAS)
        if callable(activation_distance):
            raise _not_yet("a callable activation_distance", _HAS)
        if activation_distance not in _DISTANCES:
            raise ValueError(f"{activation_distance} not supported. Distances available: "
                             + ", ".join(_DISTANCES))
        if activation_distance != "euclidean":
            raise _not_yet(f"activation_distance={activation_distance!r}", _HAS)

        self._random_generator = np.random.RandomState(random_seed)
        self._seed = 0 if random_seed is None else int(random_seed)
        self._learning_rate = learning_rate
        self._sigma = sigma
        self._input_len = input_len
        self._decay_function = decay_function
        self._sigma_decay_function = sigma_decay_function
        self.topology = topology
        # MiniSom's initialisation: uniform in [-1, 1), each unit scaled to length 1.
        weights = self._random_generator.rand(x, y, input_len) * 2 - 1
        weights /= np.linalg.norm(weights, axis=-1, keepdims=True)
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._activation_map = np.zeros((x, y))
        self._neigx = np.arange(x)
        self._neigy = np.arange(y)
        self._xx, self._yy = np.meshgrid(self._neigx, self._neigy)
        self._xx = self._xx.astype(float)
        self._yy = self._yy.astype(float)
        # Set by `load` from a model trained on rescaled data: applied to every input.
        self._normalization = None
        self._features = None

    # -- the map ---------------------------------------------------------------------------

    @property
    def _shape(self):
        return self._weights.shape[0], self._weights.shape[1]

    def _flat(self):
        """The weights as the kernels take them: ``(x * y, input_len)``, a view."""
        x, y = self._shape
        self._weights = np.ascontiguousarray(self._weights, dtype=np.float32)
        return self._weights.reshape(x * y, self._input_len)

    def _set_flat(self, flat):
        # In place, as MiniSom updates its weights: an array from get_weights() stays current.
        self._weights[...] = flat.reshape(self._weights.shape)

    def get_weights(self):
        """The weights, ``(x, y, input_len)`` float32: the array itself, not a copy."""
        return self._weights

    def get_euclidean_coordinates(self):
        """The units' positions on the plane, as two ``(x, y)`` meshgrids (MiniSom's)."""
        return self._xx.T, self._yy.T

    def convert_map_to_euclidean(self, xy):
        """Map coordinates to positions on the plane (MiniSom's)."""
        return self._xx.T[xy], self._yy.T[xy]

    # -- data ------------------------------------------------------------------------------

    def _check_iteration_number(self, num_iteration):
        if num_iteration < 1:
            raise ValueError("num_iteration must be > 1")

    def _check_input_len(self, data):
        data_len = len(data[0])
        if self._input_len != data_len:
            raise ValueError(f"Received {data_len} features, expected {self._input_len}.")

    def _data(self, data):
        """``data`` as the kernels read it: 2-D C-contiguous float32, rescaled as the model's
        training data was (no copy when it already is float32 and no rescaling applies)."""
        a = np.asarray(data)
        if a.ndim == 1:
            a = a[np.newaxis, :]
        if a.ndim != 2:
            raise ValueError(f"data must be a matrix of samples in rows, got shape {a.shape}")
        self._check_input_len(a)
        if self._normalization is not None:
            _, shift, scale = self._normalization
            a = (a.astype(np.float64) - shift) / scale
        return np.ascontiguousarray(a, dtype=np.float32)

    def _rescale(self, data):
        """``data`` as float64, rescaled as the model's training data was, if it was."""
        a = np.asarray(data, dtype=np.float64)
        if self._normalization is None:
            return a
        _, shift, scale = self._normalization
        return (a - shift) / scale

    def _xy(self, index):
        return divmod(int(index), self._shape[1])

    # -- initialisation --------------------------------------------------------------------

    def random_weights_init(self, data):
        """Each unit a random sample of ``data`` (MiniSom's draws, in MiniSom's order)."""
        self._check_input_len(data)
        data = self._rescale(data)
        for index in np.ndindex(*self._shape):
            self._weights[index] = data[self._random_generator.randint(len(data))]

    def pca_weights_init(self, data):
        """Weights spanning the first two principal components (MiniSom's formula)."""
        if self._input_len == 1:
            raise ValueError("The data needs at least 2 features for pca initialization")
        self._check_input_len(data)
        if len(self._neigx) == 1 or len(self._neigy) == 1:
            warn("PCA initialization inappropriate:One of the dimensions of the map is 1.")
        data = self._rescale(data)
        eigvals, eigvecs = np.linalg.eigh(np.cov(data, rowvar=False))
        order = np.argsort(eigvals)[::-1]
        pc1, pc2 = eigvecs[:, order[0]], eigvecs[:, order[1]]
        mean = np.mean(data, axis=0)
        for i, c1 in enumerate(np.linspace(-1, 1, len(self._neigx))):
            for j, c2 in enumerate(np.linspace(-1, 1, len(self._neigy))):
                self._weights[i, j] = mean + c1 * pc1 + c2 * pc2

    # -- training --------------------------------------------------------------------------

    def train(self, data, num_iteration, random_order=False, verbose=False, use_epochs=False,
              fixed_points=None):
        """MiniSom's online training: ``num_iteration`` steps (or epochs, with
        ``use_epochs``), in order or in MiniSom's random order, with MiniSom's decays."""
        self._check_iteration_number(num_iteration)
        self._check_input_len(data)
        if fixed_points:
            raise _not_yet("fixed_points")
        x = self._data(data)
        order = _build_iteration_indexes(
            len(x), num_iteration, self._random_generator if random_order else None, use_epochs)
        flat = _core.train_online(
            self._flat(), x, *self._shape, np.ascontiguousarray(order, dtype=np.int64),
            float(self._sigma), float(self._learning_rate), self._decay_function,
            self._sigma_decay_function, len(x) if use_epochs else 1)
        self._set_flat(flat)
        if verbose:
            print("\n quantization error:", self.quantization_error(data))

    def train_random(self, data, num_iteration, verbose=False):
        """``train`` with the samples in random order."""
        self.train(data, num_iteration, random_order=True, verbose=verbose)

    def train_batch(self, data, num_iteration, verbose=False):
        """``train`` with the samples in order (MiniSom's name: it is online training)."""
        self.train(data, num_iteration, random_order=False, verbose=verbose)

    def train_batch_map(self, data, num_epochs, sigma=None, final_sigma=None):
        """burnax-som's batch training (Kohonen's batch map): every epoch each unit becomes the
        neighbourhood-weighted mean of the samples, ``w_j = sum_i h(b_i, j) x_i / sum_i h(b_i,
        j)``, the radius geometric from ``sigma`` to ``final_sigma`` over the epochs (MiniSom's
        convention, both; defaults: the map's ``sigma``, and the ``som`` command's end radius
        ``max(2, max(x, y) / 5) / sqrt(2)``, but no more than ``sigma``). No learning rate:
        a batch epoch moves each unit all the way to its mean."""
        self._check_iteration_number(num_epochs)
        x = self._data(data)
        start = float(self._sigma if sigma is None else sigma)
        if final_sigma is None:
            final_sigma = min(start, max(2.0, max(self._shape) / 5) / math.sqrt(2))
        flat = _core.train_batch(self._flat(), x, *self._shape, int(num_epochs),
                                 math.sqrt(2) * start, math.sqrt(2) * float(final_sigma))
        self._set_flat(flat)

    def train_batch_offline(self, data, num_iteration, verbose=False):
        """Not here: MiniSom's blended batch rule. ``train_batch_map`` is burnax_som's batch
        SOM (MiniSom's rule with learning rate 1)."""
        raise _not_yet("train_batch_offline (MiniSom's blended batch rule)",
                       ": train_batch_map is burnax_som's batch training")

    def update(self, x, win, t, max_iteration):
        """MiniSom's one step: every unit pulled towards ``x`` by the decayed learning rate
        times the Gaussian around ``win``."""
        eta = _core.decay(self._decay_function, self._learning_rate, t, max_iteration)
        sig = _core.decay(self._sigma_decay_function, self._sigma, t, max_iteration)
        g = self.neighborhood(win, sig) * eta
        self._weights += (g[:, :, np.newaxis] * (self._data(x)[0] - self._weights)).astype(np.float32)

    def neighborhood(self, c, sigma):
        """MiniSom's Gaussian around unit ``c``: ``exp(-d^2 / (2 sigma^2))``, ``(x, y)``."""
        d = 2 * sigma * sigma
        ax = np.exp(-np.power(self._xx - self._xx.T[c], 2) / d)
        ay = np.exp(-np.power(self._yy - self._yy.T[c], 2) / d)
        return (ax * ay).T

    # -- using the map ---------------------------------------------------------------------

    def _winners(self, data):
        return _core.winners(self._flat(), self._data(data), *self._shape)

    def winner(self, x):
        """The map coordinates ``(i, j)`` of the unit nearest to ``x`` (the first of equals)."""
        return self._xy(self._winners(x)[0])

    def activate(self, x):
        """The distance from ``x`` to every unit, ``(x, y)``."""
        self._activation_map = np.linalg.norm(self._data(x)[0] - self._weights, axis=-1)
        return self._activation_map

    def quantization(self, data):
        """Each sample's nearest unit's weights."""
        return self._flat()[self._winners(data)]

    def quantization_error(self, data):
        """The mean distance from each sample to its nearest unit."""
        return _core.evaluate(self._flat(), self._data(data), *self._shape)[0]

    def topographic_error(self, data):
        """The share of samples whose two nearest units are not neighbours (8 around a unit);
        NaN, with a warning, on a 1 x 1 map, as MiniSom."""
        if self._shape == (1, 1):
            warn("The topographic error is not defined for a 1-by-1 map.")
            return np.nan
        return _core.evaluate(self._flat(), self._data(data), *self._shape)[1]

    def distortion_measure(self, data):
        """``sum_i sum_c h(c, sigma) |x_i - w_c|^2`` with the map's starting ``sigma`` (MiniSom's,
        which, despite its docstring, sums distances, not their squares)."""
        winners = self._winners(data)
        x = self._data(data)
        total = 0.0
        for xi, b in zip(x, winners):
            total += (self.neighborhood(self._xy(b), self._sigma)
                      * np.linalg.norm(xi - self._weights, axis=2)).sum()
        return total

    def distance_map(self, scaling="sum"):
        """Each unit's distances to its 8 neighbours, summed (``scaling='sum'``) or averaged
        (``'mean'``), divided by the largest: MiniSom's U-matrix, ``(x, y)``, float64."""
        if scaling not in ("sum", "mean"):
            raise ValueError(f'scaling should be either "sum" or "mean" ("{scaling}" not valid)')
        x, y = self._shape
        mean = _core.umatrix(self._flat(), x, y).astype(np.float64)
        if scaling == "sum":
            # Neighbours of each unit: 3 x 3 cells, cut at the borders, less the unit itself.
            nx = np.minimum(np.arange(x) + 1, x - 1) - np.maximum(np.arange(x) - 1, 0) + 1
            ny = np.minimum(np.arange(y) + 1, y - 1) - np.maximum(np.arange(y) - 1, 0) + 1
            mean = mean * (np.outer(nx, ny) - 1)
        return mean / mean.max()

    def activation_response(self, data):
        """How many samples each unit is nearest to, ``(x, y)``."""
        self._check_input_len(data)
        hits = _core.evaluate(self._flat(), self._data(data), *self._shape)[3]
        return hits.reshape(self._shape).astype(np.float64)

    def win_map(self, data, return_indices=False):
        """``{(i, j): [the samples (or their indexes) whose nearest unit is (i, j)]}``."""
        self._check_input_len(data)
        winmap = defaultdict(list)
        for i, b in enumerate(self._winners(data)):
            winmap[self._xy(b)].append(i if return_indices else data[i])
        return winmap

    def labels_map(self, data, labels):
        """``{(i, j): Counter(label: how many samples of it have (i, j) as nearest unit)}``."""
        self._check_input_len(data)
        if not len(data) == len(labels):
            raise ValueError("data and labels must have the same length.")
        winmap = defaultdict(list)
        for b, label in zip(self._winners(data), labels):
            winmap[self._xy(b)].append(label)
        for position in winmap:
            winmap[position] = Counter(winmap[position])
        return winmap

    # -- files -----------------------------------------------------------------------------

    def save(self, path, features=None):
        """Writes the map as a model file of the ``som`` command (``som eval``, ``predict``,
        ``render`` read it), atomically. ``features``: the features' names, if known."""
        x, y = self._shape
        names = features if features is not None else self._features
        _core.save_model(str(path), self._flat(), x, y, self._seed,
                         None if names is None else [str(n) for n in names],
                         None if self._normalization is None else (
                             self._normalization[0], list(map(float, self._normalization[1])),
                             list(map(float, self._normalization[2]))))


def load(path, sigma=1, learning_rate=0.5, **kwargs):
    """A ``MiniSom`` holding the map of a model file written by the ``som`` command or by
    ``MiniSom.save``; the other arguments are ``MiniSom``'s, for further training. A model
    trained on rescaled data (``som train --normalize``) rescales every input the same way. A
    model of a map this class cannot hold (hexagonal, toroidal, another neighbourhood or
    distance: the module's docs say why) is a ``ValueError``."""
    m = _core.load_model(str(path))
    som = MiniSom(m["width"], m["height"], m["dim"], sigma=sigma, learning_rate=learning_rate,
                  random_seed=m["seed"], **kwargs)
    som._weights = m["weights"].reshape(m["width"], m["height"], m["dim"])
    som._features = m["features"]
    if m["normalization"] is not None:
        method, shift, scale = m["normalization"]
        som._normalization = (method, np.asarray(shift), np.asarray(scale))
    return som
