//! The loss the pmap tests train: shared by `pmap.rs` and `pmap_mpi.rs`.

use burn::prelude::*;
use burnax::tree::Leaf;
use burnax::Function;

/// The mean squared error of a linear model `w` on rows `x` with targets `y`.
pub struct Loss;
impl Function for Loss {
    type In = (Leaf<1>, Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<B: Backend>(&self, (w, x, y): (Tensor<B, 1>, Tensor<B, 2>, Tensor<B, 1>)) -> Tensor<B, 1> {
        let [d] = w.dims();
        let pred = x.matmul(w.reshape([d, 1])).flatten::<1>(0, 1);
        (pred - y).square().mean()
    }
}
