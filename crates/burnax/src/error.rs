//! [`Error`]: what can go wrong inside a transformed function; [`try_call`](crate::try_call)
//! returns it.
//!
//! A transformation that cannot run a function panics with the error's message, naming the
//! transformation, the operation and the shapes, as Burn does for misuse: a wrong shape or tree
//! is a bug at the call site. Some failures are properties of the function's body instead (an
//! operation without a batching rule, a host read under `vmap`), which a caller may want to
//! handle, for example by falling back to [`Vmap::sequential`](crate::vmap::Vmap::sequential):
//! [`try_call`](crate::try_call) returns those, and every other failure of a transformation, as
//! a `Result`.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{try_call, vmap, Error, Function};
//!
//! /// Reads its input on the host: fine alone, not under `vmap`.
//! struct HostRead;
//! impl Function for HostRead {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         let first: f32 = x.clone().slice(0..1).into_scalar().elem();
//!         x.mul_scalar(first)
//!     }
//! }
//! let xs = Tensor::<Flex, 2>::ones([3, 2], &Default::default());
//! let err = try_call(&vmap(HostRead), xs.clone()).unwrap_err();
//! assert!(matches!(err, Error::HostRead { .. }));
//! let ys = try_call(&vmap(HostRead).sequential(), xs).unwrap(); // the loop can read
//! assert_eq!(ys.dims(), [3, 2]);
//! ```

use std::cell::RefCell;

/// A transformation's failure to run a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// An operation has no rule under the transformation for its operands (`vmap` of a
    /// convolution with per-example weights, ...).
    NoRule {
        /// The transformation, e.g. `vmap`.
        transformation: &'static str,
        /// The operation, e.g. `conv2d`.
        op: String,
        /// Which operands had no rule, and what would.
        detail: String,
    },
    /// An operation reads a tensor's data on the host where the transformation has no single
    /// value to give (`into_data` of a tensor that varies along a vmapped axis).
    HostRead {
        /// The transformation.
        transformation: &'static str,
        /// The operation, e.g. `into_data`.
        op: String,
        /// Why there is no single value.
        detail: String,
    },
    /// Trees or shapes that do not fit together: a cotangent unlike the output, inputs batched
    /// with different sizes, an axis out of range, ...
    Mismatch {
        /// The transformation.
        transformation: String,
        /// What does not fit, with the shapes.
        detail: String,
    },
    /// A collective under [`pmap`](crate::pmap()) failed: no `pmap` axis of that name, ranks
    /// with different shapes, a peer that failed or returned without joining, a differentiated
    /// operand.
    Collective {
        /// The collective, e.g. `psum`.
        op: &'static str,
        /// The axis name it was called with.
        axis: String,
        /// What went wrong.
        detail: String,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::NoRule {
                transformation,
                op,
                detail,
            } => write!(f, "{transformation}: `{op}` has no batching rule for {detail}"),
            Error::HostRead {
                transformation,
                op,
                detail,
            } => write!(
                f,
                "{transformation}: `{op}` reads a tensor's data on the host, but {detail}"
            ),
            Error::Mismatch {
                transformation,
                detail,
            } => write!(f, "{transformation}: {detail}"),
            Error::Collective { op, axis, detail } => write!(f, "pmap: `{op}` over axis `{axis}`: {detail}"),
        }
    }
}

impl std::error::Error for Error {}

thread_local! {
    /// The error behind the panic in flight on this thread, for [`try_call`](crate::try_call).
    static RAISED: RefCell<Option<Error>> = const { RefCell::new(None) };
}

/// Panics with `error`'s message, keeping the error for a [`try_call`](crate::try_call) on this
/// thread.
#[track_caller]
pub(crate) fn raise(error: Error) -> ! {
    let message = error.to_string();
    RAISED.with(|r| *r.borrow_mut() = Some(error));
    panic!("{message}")
}

/// Panics with a [`Error::Mismatch`] of `transformation`.
#[track_caller]
pub(crate) fn mismatch(transformation: &str, detail: String) -> ! {
    raise(Error::Mismatch {
        transformation: transformation.to_string(),
        detail,
    })
}

/// Puts back an error taken with [`take_raised`], for a panic that continues unwinding.
pub(crate) fn restore(error: Error) {
    RAISED.with(|r| *r.borrow_mut() = Some(error));
}

/// Takes the error a transformation raised on this thread, if any: what [`try_call`](crate::try_call) returns.
pub(crate) fn take_raised() -> Option<Error> {
    RAISED.with(|r| r.borrow_mut().take())
}
