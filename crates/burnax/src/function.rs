//! The function family: [`Function`], the one trait every transformation takes and returns.
//!
//! A plain function of one tensor is a function of a one-leaf tree:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{grad, Function};
//!
//! /// f(x) = x^2 on shape [1].
//! struct Square;
//! impl Function for Square {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x
//!     }
//! }
//!
//! let x = Tensor::<Flex, 1>::from_floats([3.0], &Default::default());
//! assert_eq!(grad(Square).call(x).into_scalar(), 6.0);
//! ```
//!
//! Several inputs or outputs are a tuple (or any other [tree](crate::tree)); a function with
//! auxiliary outputs returns `(value, aux)` and is differentiated with `.has_aux()`, as in JAX.
//!
//! # Why a trait and not a closure
//! A transformation runs the function on another backend than the caller's (`grad` on
//! `Autodiff<B>`, `vmap` on [`Batched<B>`](crate::vmap::Batched)), and a Rust closure cannot be
//! generic over the backend. A `Function` has a generic `call`, so it is written once and runs on
//! every backend a transformation needs; each transformation returns a `Function` again, so they
//! nest: `vmap(grad(f))`, `grad(grad(f))`, `jacrev(vmap(f))`.

use std::panic::{self, AssertUnwindSafe};

use burn::prelude::*;

use crate::error::{take_raised, Error};
use crate::tree::{On, TreeDef};

/// A pure function from a tree of tensors to a tree of tensors, callable on any backend: what
/// every transformation takes and returns. See the [module docs](self).
pub trait Function {
    /// The input's structure: [`Leaf<D>`](crate::tree::Leaf) for one tensor, a tuple for
    /// several, any [`TreeDef`].
    type In: TreeDef;
    /// The output's structure.
    type Out: TreeDef;
    /// Evaluates the function on backend `B`.
    fn call<B: Backend>(&self, x: On<Self::In, B>) -> On<Self::Out, B>;
}

impl<F: Function + ?Sized> Function for &F {
    type In = F::In;
    type Out = F::Out;
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<F::Out, B> {
        (**self).call(x)
    }
}

/// `f.call(x)`, with a transformation's failure inside it returned as an [`Error`] instead of
/// unwinding. Any other panic (a bug in `f`, an out-of-memory, Burn's own checks) continues
/// unwinding. The panic hook is left as it is, so the message is still printed where the hook
/// prints it (stderr by default).
///
/// # Errors
/// The [`Error`] a transformation raised while running `f`.
pub fn try_call<F: Function, B: Backend>(f: &F, x: On<F::In, B>) -> Result<On<F::Out, B>, Error> {
    take_raised();
    match panic::catch_unwind(AssertUnwindSafe(|| f.call::<B>(x))) {
        Ok(y) => Ok(y),
        Err(payload) => match take_raised() {
            Some(error) => Err(error),
            None => panic::resume_unwind(payload),
        },
    }
}
