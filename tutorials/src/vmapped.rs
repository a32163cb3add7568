//! The playbook's batch SOM step as its JAX notebook writes it: for one example, distances to all
//! units (as `|w|^2 - 2 x.w`, so that they batch into one matrix product), the best unit, its
//! neighbourhood row, and the example's share `(h x, h)`; then `vmap` over the examples and a
//! sum. Used by tutorial `03-som-burnax` and checked against `burnax-som`'s batch epoch in the
//! tests.
//!
//! The per-example form holds an `N x M x D` intermediate once vmapped (the examples' shares
//! before the sum), which XLA fuses away and Burn's op-by-op backends write to memory: measured
//! on the playbook's colours (2-core CPU, `Flex`), 2.0 s an epoch against 0.66 s for the direct
//! port. That is why `burnax-som` sums per unit instead.

use burn::prelude::*;
use burnax::tree::Leaf;
use burnax::vmap::{vmap_tree, Mapped, TreeFn};
use burnax_som::Grid;

/// One example's batch step on a map: `(x, w)` to `(h x, h)`, `h` the Gaussian neighbourhood
/// (widths `sigma`) of `x`'s best unit, `[M, D]` and `[M]`.
#[derive(Clone, Copy, Debug)]
pub struct SomStep {
    /// The map's grid (units numbered `x * height + y`, as in `burnax-som`).
    pub grid: Grid,
    /// Neighbourhood widths along x and y.
    pub sigma: [f64; 2],
}

impl TreeFn for SomStep {
    type In = (Leaf<1>, Leaf<2>);
    type Out = (Leaf<2>, Leaf<1>);

    fn call<B: Backend>(&self, (x, w): (Tensor<B, 1>, Tensor<B, 2>)) -> (Tensor<B, 2>, Tensor<B, 1>) {
        let [m, d] = w.dims();
        let gy = self.grid.height as i64;
        let device = w.device();
        let x = x.reshape([1, d]);
        // The best unit: the argmin over units of |w|^2 - 2 x.w (the squared distance less |x|^2,
        // which is the same for every unit). Written this way, the vmapped step computes all
        // distances with one matrix product instead of an N x M x D difference.
        let w2 = w.clone().square().sum_dim(1).reshape([1, m]);
        let scores = w2 - x.clone().matmul(w.transpose()).mul_scalar(2.0);
        let best = scores.argmin(1).reshape([1]);
        let (bx, by) = (
            best.clone().div_scalar(gy).float(),
            best.remainder_scalar(gy).float(),
        );
        // Its neighbourhood row, from the units' grid coordinates.
        let units = Tensor::<B, 1, Int>::arange(0..m as i64, &device);
        let (ux, uy) = (
            units.clone().div_scalar(gy).float(),
            units.remainder_scalar(gy).float(),
        );
        let gauss =
            |u: Tensor<B, 1>, b: Tensor<B, 1>, s: f64| (u - b).square().div_scalar(-(s * s) as f32).exp();
        let h = gauss(ux, bx, self.sigma[0]) * gauss(uy, by, self.sigma[1]);
        // The share h x as an outer product: one batched matrix product once vmapped (Burn's CPU
        // backend broadcasts `[n, m, 1] * [n, 1, d]` at about half that speed).
        (h.clone().reshape([m, 1]).matmul(x), h)
    }
}

/// One batch epoch by `vmap` of [`SomStep`] over the rows of `data`, summed over the examples:
/// the new weights `sum(h x) / sum(h)`.
pub fn vmap_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let [m, d] = w.dims();
    let step = vmap_tree::<(Mapped<1>, Leaf<2>), (Mapped<2>, Mapped<1>), _>(SomStep { grid, sigma });
    let (num, den) = step.call((data, w));
    let num = num.sum_dim(0).reshape([m, d]);
    let den = den.sum_dim(0).reshape([m, 1]);
    num / den.add_scalar(burnax_som::cpu::batch::DEN_EPS)
}
