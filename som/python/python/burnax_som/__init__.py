"""Self-organizing maps on burnax-som's fused CPU kernels.

``burnax_som.MiniSom`` is MiniSom's class (``from minisom import MiniSom``) for the features
both libraries have: a rectangular map, the Gaussian neighbourhood, the Euclidean distance,
MiniSom's decay functions and its random generator, so a notebook ported by changing its import
gets the same map (to float32 rounding) from the same seed, trained by compiled kernels with
the GIL released. ``MiniSom.train_batch_map`` adds burnax-som's batch training (Kohonen's batch
map), and ``MiniSom.save`` / ``burnax_som.load`` read and write the ``som`` command's model
files.

    import numpy as np
    from burnax_som import MiniSom

    data = np.random.RandomState(0).rand(200, 3)
    som = MiniSom(8, 6, 3, sigma=1.5, random_seed=1)
    som.train(data, 1000)
    print(som.winner(data[0]), som.quantization_error(data))

See MINISOM.md at the root of the repository for where the conventions differ.
"""

from ._minisom import MiniSom, load

__all__ = ["MiniSom", "load"]
