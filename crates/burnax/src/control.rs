//! `fori_loop` and `scan`: loops that carry state functionally, as JAX's `lax` versions do.
//!
//! JAX needs these to trace a loop once for `jit`; here a transformation runs the Rust body
//! eagerly, so they are plain loops with JAX's signatures, and they work under every
//! transformation (`grad` differentiates through each iteration). The carry is any value:
//! a tensor, a tuple of tensors, a tree.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::control::{fori_loop, scan};
//!
//! let d = Default::default();
//! let x = Tensor::<Flex, 1>::from_floats([2.0], &d);
//! // x^(2^3) by repeated squaring.
//! let y = fori_loop(0, 3, |_, c: Tensor<Flex, 1>| c.clone() * c, x.clone());
//! assert_eq!(y.into_scalar(), 256.0);
//! // Running sums: carry the total, emit it at every step.
//! let xs = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &d);
//! let (total, sums): (_, Tensor<Flex, 2>) = scan(|c: Tensor<Flex, 1>, x: Tensor<Flex, 1>| { let c = c + x; (c.clone(), c) }, Tensor::zeros([1], &d), xs);
//! assert_eq!(total.into_scalar(), 6.0);
//! assert_eq!(sums.into_data().to_vec::<f32>().unwrap(), vec![1.0, 3.0, 6.0]);
//! ```

use burn::prelude::*;

/// `lax.fori_loop(lower, upper, body, init)`: `carry = body(i, carry)` for `i` in
/// `lower..upper`.
pub fn fori_loop<C>(lower: usize, upper: usize, mut body: impl FnMut(usize, C) -> C, init: C) -> C {
    (lower..upper).fold(init, |c, i| body(i, c))
}

/// `lax.scan(f, init, xs)` over the leading axis of `xs` (`[T, ...]`): for each slice `x_t`
/// (rank `D - 1`), `(carry, y_t) = f(carry, x_t)`; returns the final carry and the `y_t`
/// stacked along a new leading axis. (Rust cannot compute `D - 1` in a type, so the ranks of
/// the slices and of the stacked output are inferred from `f` and from the binding.)
///
/// # Panics
/// If `xs` has a leading axis of length 0 (there would be no `y` to stack), naming the shape.
#[track_caller]
pub fn scan<B: Backend, C, const D: usize, const DX: usize, const DY: usize, const DS: usize>(
    mut f: impl FnMut(C, Tensor<B, DX>) -> (C, Tensor<B, DY>),
    init: C,
    xs: Tensor<B, D>,
) -> (C, Tensor<B, DS>) {
    let dims = xs.dims();
    assert!(
        dims[0] > 0,
        "scan: xs has shape {dims:?}, its leading axis is empty"
    );
    assert!(
        DX + 1 == D && DS == DY + 1,
        "scan: xs of rank {D} gives slices of rank {}, got DX = {DX}, DS = {DS} for DY = {DY}",
        D - 1
    );
    let mut carry = init;
    let mut ys = Vec::with_capacity(dims[0]);
    for t in 0..dims[0] {
        let x: Tensor<B, DX> = xs.clone().narrow(0, t, 1).squeeze_dim(0);
        let (c, y) = f(carry, x);
        carry = c;
        ys.push(y);
    }
    (carry, Tensor::stack(ys, 0))
}
