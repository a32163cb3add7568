//! The playbook's per-example SOM step, vmapped, against `burnax-som`'s batch epoch.

use burn::backend::Flex;
use burnax_som::{tensor_ops, Grid, SomConfig};
use burnax_testing::{assert_close, Tolerance};
use tutorials::vmapped::{jit_vmap_epoch, jitted_epoch, vmap_epoch};

/// Both compute `sum(h x) / sum(h)` in `f32`, the vmapped step summing over examples per unit and
/// `burnax-som` summing per unit before smoothing: the same terms in another order.
#[test]
fn the_vmapped_step_equals_the_batch_epoch() {
    for (gx, gy, n, d, sigma) in [
        (6, 5, 40, 3, [2.0, 1.5]),
        (1, 4, 7, 2, [0.5, 3.0]),
        (5, 1, 1, 5, [1.0, 1.0]),
    ] {
        let grid = Grid::new(gx, gy);
        let device = Default::default();
        let data = SomConfig::new(n, 1, d)
            .with_seed(3)
            .init::<Flex>(&device)
            .weights();
        let w = SomConfig::new(gx, gy, d)
            .with_seed(4)
            .init::<Flex>(&device)
            .weights();
        let got = vmap_epoch(w.clone(), data.clone(), grid, sigma);
        let want = tensor_ops::batch_epoch(w, data, grid.into(), sigma);
        assert_close(
            &got.into_data().to_vec::<f32>().unwrap(),
            &want.into_data().iter::<f64>().collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            &format!("{gx} x {gy} map, {n} examples of dimension {d}"),
        );
    }
}

/// The jitted epoch against the eager one, over epochs whose widths change: one trace, and the
/// fused replay within the reordered-sum tolerance (its elementwise tail is exact; the sums
/// inside are Burn's, replayed).
#[test]
fn the_jitted_epoch_equals_the_eager_one_with_one_trace() {
    let grid = Grid::new(6, 5);
    let device = Default::default();
    let data = SomConfig::new(40, 1, 3)
        .with_seed(3)
        .init::<Flex>(&device)
        .weights();
    let mut w = SomConfig::new(6, 5, 3)
        .with_seed(4)
        .init::<Flex>(&device)
        .weights();
    let epoch = jitted_epoch(grid);
    for sigma in [[3.0, 2.5], [2.0, 1.5], [1.0, 0.7]] {
        let want = vmap_epoch(w.clone(), data.clone(), grid, sigma);
        let got = jit_vmap_epoch(&epoch, w.clone(), data.clone(), sigma);
        assert_close(
            &got.clone().into_data().to_vec::<f32>().unwrap(),
            &want.into_data().iter::<f64>().collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            &format!("sigma {sigma:?}"),
        );
        w = got;
    }
    assert_eq!(epoch.traces(), 1);
}

/// burnax-som's portable epoch (plain Burn tensor operations) inside a jitted function: its
/// fused kernels are reachable only through `SomBackend`, which a `Function` (generic over every
/// backend) cannot name, so the tensor-op path is what a jitted function can use.
#[test]
fn the_tensor_op_epoch_can_be_jitted() {
    use burnax::tree::Leaf;
    use burnax::{jit, Function};
    struct Epoch(Grid, [f64; 2]);
    impl Function for Epoch {
        type In = (Leaf<2>, Leaf<2>);
        type Out = Leaf<2>;
        fn call<B: burn::prelude::Backend>(
            &self,
            (w, data): (burn::prelude::Tensor<B, 2>, burn::prelude::Tensor<B, 2>),
        ) -> burn::prelude::Tensor<B, 2> {
            tensor_ops::batch_epoch(w, data, self.0.into(), self.1)
        }
    }
    let grid = Grid::new(6, 5);
    let device = Default::default();
    let data = SomConfig::new(40, 1, 3)
        .with_seed(3)
        .init::<Flex>(&device)
        .weights();
    let w = SomConfig::new(6, 5, 3)
        .with_seed(4)
        .init::<Flex>(&device)
        .weights();
    let f = jit(Epoch(grid, [2.0, 1.5]));
    for _ in 0..2 {
        let got = f.call((w.clone(), data.clone()));
        let want = Epoch(grid, [2.0, 1.5]).call((w.clone(), data.clone()));
        assert_close(
            &got.into_data().to_vec::<f32>().unwrap(),
            &want.into_data().iter::<f64>().collect::<Vec<_>>(),
            Tolerance::F32_REORDERED,
            "jit(batch_epoch)",
        );
    }
    assert_eq!(f.traces(), 1);
}
