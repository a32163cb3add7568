//! [`value_and_grad_module`]: the bridge to Burn's own training loop, for any `#[derive(Module)]`
//! on an autodiff backend.

use burn::module::AutodiffModule;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// The value of a scalar loss of a Burn module and the gradients of all its parameters
/// (JAX's `value_and_grad` with the model's parameters as the differentiated argument).
///
/// The module lives on an autodiff backend, as Burn modules being trained do; the gradients come
/// back as Burn's [`GradientsParams`], ready for an optimizer, and are read per parameter with
/// `grads.get::<B::InnerBackend, D>(param.id)`.
///
/// ```
/// use burn::backend::{Autodiff, Flex};
/// use burn::nn::LinearConfig;
/// use burn::prelude::*;
/// use burnax::grad::value_and_grad_module;
///
/// type B = Autodiff<Flex>;
/// let device = Default::default();
/// let linear = LinearConfig::new(3, 1).init::<B>(&device);
/// let x = Tensor::<B, 2>::ones([4, 3], &device);
/// let (loss, grads) = value_and_grad_module(&linear, |m| m.forward(x.clone()).square().sum());
/// let dw = grads.get::<Flex, 2>(linear.weight.id).expect("the weight is used");
/// assert_eq!(dw.dims(), [3, 1]);
/// assert!(loss.into_scalar() >= 0.0);
/// ```
///
/// # Panics
/// If `loss` does not return shape `[1]`.
#[track_caller]
pub fn value_and_grad_module<AB: AutodiffBackend, M: AutodiffModule<AB>>(
    module: &M,
    loss: impl FnOnce(&M) -> Tensor<AB, 1>,
) -> (Tensor<AB::InnerBackend, 1>, GradientsParams) {
    let y = loss(module);
    assert_eq!(
        y.dims(),
        [1],
        "value_and_grad_module: the loss must be a scalar (shape [1]), got shape {:?}",
        y.dims()
    );
    let grads = y.backward();
    (y.inner(), GradientsParams::from_grads(grads, module))
}
