//! [`linear`]: Burn's linear layer written so that it differentiates to any order.

use burn::prelude::*;

/// `layer.forward(x)` for Burn's `nn::Linear`, written with `matmul` and an add, so that it
/// can be differentiated to any order: Burn's own `forward` calls a fused operation whose
/// backward pass Burn cannot differentiate again (see the [module docs](super)). Same result up
/// to rounding.
///
/// ```
/// use burn::backend::Flex;
/// use burn::nn::LinearConfig;
/// use burn::prelude::*;
/// use burnax::grad::linear;
/// use burnax::tree::Leaf;
/// use burnax::{hessian, Function};
///
/// /// sum(tanh(x W + b)^2) for a fixed layer of 3 inputs.
/// struct Loss;
/// impl Function for Loss {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         let layer = LinearConfig::new(3, 2).init::<B>(&x.device());
///         linear(&layer, x.reshape([1, 3])).tanh().square().sum()
///     }
/// }
/// let x = Tensor::<Flex, 1>::from_floats([0.1, -0.2, 0.3], &Default::default());
/// assert_eq!(hessian(Loss).call(x).dims(), [3, 3]);
/// ```
pub fn linear<B: Backend, const D: usize>(layer: &burn::nn::Linear<B>, x: Tensor<B, D>) -> Tensor<B, D> {
    let y = x.matmul(layer.weight.val().unsqueeze());
    match &layer.bias {
        Some(b) => y + b.val().unsqueeze(),
        None => y,
    }
}
