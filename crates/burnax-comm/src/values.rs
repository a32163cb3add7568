//! Typed collectives on top of a [`Communicator`]'s bytes: [`all_reduce`] in rank order, and
//! slices of numbers gathered, broadcast and sent.

use core::ops::Add;

use bytemuck::Pod;

use crate::communicator::Communicator;
use crate::error::CommError;

/// A number a collective carries: `f32`, `f64` and the integers.
pub trait Element: Pod + PartialOrd + Add<Output = Self> {}
impl Element for f32 {}
impl Element for f64 {}
impl Element for i8 {}
impl Element for i16 {}
impl Element for i32 {}
impl Element for i64 {}
impl Element for u8 {}
impl Element for u16 {}
impl Element for u32 {}
impl Element for u64 {}

/// How [`all_reduce`] combines the ranks' values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// `x_0 + x_1 + ... + x_{n-1}`, added left to right.
    Sum,
    /// The largest; NaN if any is NaN.
    Max,
    /// The smallest; NaN if any is NaN.
    Min,
}

impl Reduce {
    /// `a op b`.
    pub fn combine<T: Element>(self, a: T, b: T) -> T {
        // `x != x` only for NaN: it wins, as in XLA's max and min.
        #[allow(clippy::eq_op)]
        let nan = |x: T| x != x;
        match self {
            Reduce::Sum => a + b,
            Reduce::Max if nan(a) || a > b => a,
            Reduce::Min if nan(a) || a < b => a,
            Reduce::Max | Reduce::Min => b,
        }
    }
}

/// Every rank's `x` combined elementwise by `op`, folded in rank order
/// (`((x_0 op x_1) op x_2) ...`), the same on every rank, transport and run: a float sum does not
/// depend on timing or on how the transport routes messages.
///
/// # Errors
/// A [`CommError`] from the transport, or [`CommError::Mismatch`] if the ranks' lengths differ.
pub fn all_reduce<T: Element, C: Communicator + ?Sized>(
    comm: &C,
    x: &[T],
    op: Reduce,
) -> Result<Vec<T>, CommError> {
    fold_ranks(op, all_gather(comm, x)?)
}

/// The ranks' values `parts` (indexed by rank) combined elementwise by `op` in rank order: the
/// second half of [`all_reduce`], for values gathered another way.
///
/// # Errors
/// [`CommError::Mismatch`] if the parts' lengths differ.
pub fn fold_ranks<T: Element>(op: Reduce, parts: Vec<Vec<T>>) -> Result<Vec<T>, CommError> {
    let mut ranks = parts.into_iter();
    let mut acc = ranks.next().unwrap_or_default();
    for (r, xr) in ranks.enumerate() {
        if xr.len() != acc.len() {
            return Err(CommError::Mismatch {
                op: "all_reduce",
                detail: format!("rank 0 has {} values, rank {} has {}", acc.len(), r + 1, xr.len()),
            });
        }
        for (a, b) in acc.iter_mut().zip(xr) {
            *a = op.combine(*a, b);
        }
    }
    Ok(acc)
}

/// Every rank's `x`, indexed by rank.
///
/// # Errors
/// A [`CommError`] from the transport, or [`CommError::Mismatch`] if a rank's bytes are not a
/// whole number of `T`.
pub fn all_gather<T: Element, C: Communicator + ?Sized>(comm: &C, x: &[T]) -> Result<Vec<Vec<T>>, CommError> {
    comm.all_gather(bytemuck::cast_slice(x))?
        .iter()
        .map(|bytes| decode("all_gather", bytes))
        .collect()
}

/// `root`'s `x` on every rank.
///
/// # Errors
/// A [`CommError`] from the transport.
pub fn broadcast<T: Element, C: Communicator + ?Sized>(
    comm: &C,
    x: &[T],
    root: usize,
) -> Result<Vec<T>, CommError> {
    decode("broadcast", &comm.broadcast(bytemuck::cast_slice(x), root)?)
}

/// Sends `x` to rank `to`.
///
/// # Errors
/// A [`CommError`] from the transport.
pub fn send<T: Element, C: Communicator + ?Sized>(comm: &C, to: usize, x: &[T]) -> Result<(), CommError> {
    comm.send(to, bytemuck::cast_slice(x))
}

/// The next values from rank `from`.
///
/// # Errors
/// A [`CommError`] from the transport, or [`CommError::Mismatch`] if the bytes are not a whole
/// number of `T`.
pub fn recv<T: Element, C: Communicator + ?Sized>(comm: &C, from: usize) -> Result<Vec<T>, CommError> {
    decode("recv", &comm.recv(from)?)
}

/// [`Communicator::shift`] of values.
///
/// # Errors
/// As [`recv`].
pub fn shift<T: Element, C: Communicator + ?Sized>(
    comm: &C,
    x: &[T],
    to: Option<usize>,
    from: Option<usize>,
) -> Result<Option<Vec<T>>, CommError> {
    comm.shift(bytemuck::cast_slice(x), to, from)?
        .map(|bytes| decode("shift", &bytes))
        .transpose()
}

fn decode<T: Element>(op: &'static str, bytes: &[u8]) -> Result<Vec<T>, CommError> {
    let size = core::mem::size_of::<T>();
    if bytes.len() % size != 0 {
        return Err(CommError::Mismatch {
            op,
            detail: format!(
                "{} bytes are not a whole number of {size}-byte values",
                bytes.len()
            ),
        });
    }
    // A copy: received bytes need not be aligned for `T`.
    Ok(bytemuck::pod_collect_to_vec(bytes))
}
