//! The playbook's batch SOM step as its JAX notebook writes it: for one example, distances to all
//! units (as `|w|^2 - 2 x.w`, so that they batch into one matrix product), the best unit, its
//! neighbourhood row (from the separable Gaussian's per-axis tables), and the example's share
//! `(h x, h)`; then `vmap` over the examples and a sum. Used by tutorial `03-som-burnax` and checked against `burnax-som`'s batch epoch in the
//! tests.
//!
//! The per-example form holds an `N x M x D` intermediate once vmapped (the examples' shares
//! before the sum), which XLA fuses away and Burn's op-by-op backends write to memory: measured
//! on the playbook's colours (2-core CPU, `Flex`), 1.5 s an epoch against 0.67 s for the direct
//! port. That is why `burnax-som` sums per unit instead; `jit` of the epoch ([`VmapEpoch`]) replays
//! the same operations without the Rust body and fuses its elementwise tails.

use burn::prelude::*;
use burn::tensor::TensorData;
use burnax::tree::Leaf;
use burnax::{jit, vmap, Function};
use burnax_som::neighborhood::{gaussian_matrix, DEN_EPS};
use burnax_som::Grid;

/// One example's batch step on a map: `(x, w, tx, ty)` to `(h x, h)`, `h` the Gaussian
/// neighbourhood of `x`'s best unit, `[M, D]` and `[M]`. `tx` and `ty` are the neighbourhood's
/// per-axis tables ([`tables`]), inputs rather than constants so that one trace of the step
/// serves every epoch's width.
#[derive(Clone, Copy, Debug)]
pub struct SomStep {
    /// The map's grid (units numbered `x * height + y`, as in `burnax-som`).
    pub grid: Grid,
}

impl Function for SomStep {
    type In = (Leaf<1>, Leaf<2>, Leaf<2>, Leaf<2>);
    type Out = (Leaf<2>, Leaf<1>);

    fn call<B: Backend>(
        &self,
        (x, w, tx, ty): (Tensor<B, 1>, Tensor<B, 2>, Tensor<B, 2>, Tensor<B, 2>),
    ) -> (Tensor<B, 2>, Tensor<B, 1>) {
        let [m, d] = w.dims();
        let gy = self.grid.height as i64;
        let x = x.reshape([1, d]);
        // The best unit: the argmin over units of |w|^2 - 2 x.w (the squared distance less |x|^2,
        // which is the same for every unit). Written this way, the vmapped step computes all
        // distances with one matrix product instead of an N x M x D difference.
        let w2 = w.clone().square().sum_dim(1).reshape([1, m]);
        let scores = w2 - x.clone().matmul(w.transpose()).mul_scalar(2.0);
        let best = scores.argmin(1).reshape([1]);
        let (bx, by) = (best.clone().div_scalar(gy), best.remainder_scalar(gy));
        // Its neighbourhood row: the Gaussian is separable, so it is the outer product of the
        // best unit's rows of the two axes' tables (shared by every example).
        let hx = tx.select(0, bx); // [1, gx]
        let hy = ty.select(0, by); // [1, gy]
        let h = hx.transpose().matmul(hy).reshape([m]);
        // The share h x as an outer product: one batched matrix product once vmapped (Burn's CPU
        // backend broadcasts `[n, m, 1] * [n, 1, d]` at about half that speed).
        (h.clone().reshape([m, 1]).matmul(x), h)
    }
}

/// The neighbourhood's per-axis tables for widths `sigma`: `[gx, gx]` and `[gy, gy]`.
pub fn tables<B: Backend>(grid: Grid, sigma: [f64; 2], device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 2>) {
    let table = |n: usize, sigma: f64| {
        let values: Vec<f32> = gaussian_matrix(n, sigma).into_iter().map(|v| v as f32).collect();
        Tensor::<B, 2>::from_data(TensorData::new(values, [n, n]), device)
    };
    (table(grid.width, sigma[0]), table(grid.height, sigma[1]))
}

/// One batch epoch: [`SomStep`] vmapped over the rows of `data` (the weights and tables shared),
/// summed over the examples: the new weights `sum(h x) / sum(h)`. A [`Function`] of
/// `(w, data, tx, ty)`, so that it can be jitted whole.
#[derive(Clone, Copy, Debug)]
pub struct VmapEpoch {
    /// The map's grid.
    pub grid: Grid,
}

impl Function for VmapEpoch {
    type In = (Leaf<2>, Leaf<2>, Leaf<2>, Leaf<2>);
    type Out = Leaf<2>;

    fn call<B: Backend>(
        &self,
        (w, data, tx, ty): (Tensor<B, 2>, Tensor<B, 2>, Tensor<B, 2>, Tensor<B, 2>),
    ) -> Tensor<B, 2> {
        let [m, d] = w.dims();
        let step = vmap(SomStep { grid: self.grid }).in_axes((0, None, None, None));
        let (num, den) = step.call((data, w, tx, ty));
        let num = num.sum_dim(0).reshape([m, d]);
        let den = den.sum_dim(0).reshape([m, 1]);
        num / den.add_scalar(DEN_EPS)
    }
}

/// One batch epoch by `vmap` of [`SomStep`], run eagerly.
pub fn vmap_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let (tx, ty) = tables::<B>(grid, sigma, &w.device());
    VmapEpoch { grid }.call((w, data, tx, ty))
}

/// [`vmap_epoch`] jitted: `epoch` is a `jit(VmapEpoch { grid })` kept across epochs, so its
/// first call traces and the later ones replay.
pub fn jit_vmap_epoch<B: Backend>(
    epoch: &burnax::jit::Jit<VmapEpoch>,
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let (tx, ty) = tables::<B>(epoch.function().grid, sigma, &w.device());
    epoch.call((w, data, tx, ty))
}

/// `jit(VmapEpoch { grid })`.
pub fn jitted_epoch(grid: Grid) -> burnax::jit::Jit<VmapEpoch> {
    jit(VmapEpoch { grid })
}
