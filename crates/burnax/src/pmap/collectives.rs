//! The collectives a function under [`pmap`](super::pmap()) calls by axis name: [`psum`],
//! [`pmean`], [`pmax`], [`pmin`], [`all_gather`], [`ppermute`], [`axis_index`], [`axis_size`].
//!
//! Each reads its tensor on the host, exchanges it through the axis's communicator and makes the
//! result on the tensor's device. Reductions fold the ranks in rank order
//! (`((x_0 + x_1) + x_2) ...`), in the tensor's dtype (half precisions in `f32`), so they give
//! the same bits in every run, on threads and under MPI alike.

use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax_comm::{fold_ranks, CommError, Communicator, Element, Reduce};

use super::axis::{blame_peer, find};
use crate::error::{raise, Error};

/// The sum over the ranks of `axis` of each rank's `x` (`jax.lax.psum`): the same tensor on
/// every rank.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{pmap, psum, Function};
///
/// /// Each rank's share of the total.
/// struct Share;
/// impl Function for Share {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         x.clone() / psum(x, "ranks")
///     }
/// }
///
/// let x = Tensor::<Flex, 2>::from_floats([[1.0], [3.0]], &Default::default());
/// let y = pmap(Share).axis_name("ranks").call(x); // two ranks, one thread each
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [0.25, 0.75]);
/// ```
///
/// # Panics
/// Raises [`Error::Collective`] (catch it with [`try_call`](crate::try_call)) if no `pmap` level
/// named `axis` runs this thread, if the ranks' shapes differ, if a peer failed or returned
/// without joining, and if `x` is being differentiated: collectives have no gradient rule yet,
/// so take gradients per shard and reduce those (`pmean(grad(f)(..))`). Under `vmap` or `jit`
/// a collective is a host read and raises their [`Error::HostRead`].
#[track_caller]
pub fn psum<B: Backend, const D: usize>(x: Tensor<B, D>, axis: &str) -> Tensor<B, D> {
    reduce("psum", x, axis, Reduce::Sum)
}

/// [`psum`] divided by the number of ranks (`jax.lax.pmean`).
///
/// # Panics
/// As [`psum`].
#[track_caller]
pub fn pmean<B: Backend, const D: usize>(x: Tensor<B, D>, axis: &str) -> Tensor<B, D> {
    let n = find("pmean", axis).size();
    reduce("pmean", x, axis, Reduce::Sum).div_scalar(n as f64)
}

/// The elementwise largest over the ranks (`jax.lax.pmax`); NaN if any rank's is NaN.
///
/// # Panics
/// As [`psum`].
#[track_caller]
pub fn pmax<B: Backend, const D: usize>(x: Tensor<B, D>, axis: &str) -> Tensor<B, D> {
    reduce("pmax", x, axis, Reduce::Max)
}

/// The elementwise smallest over the ranks (`jax.lax.pmin`); NaN if any rank's is NaN.
///
/// # Panics
/// As [`psum`].
#[track_caller]
pub fn pmin<B: Backend, const D: usize>(x: Tensor<B, D>, axis: &str) -> Tensor<B, D> {
    reduce("pmin", x, axis, Reduce::Min)
}

/// Every rank's `x` stacked along a new leading axis, in rank order (`jax.lax.all_gather`):
/// shape `[size, ..x's shape]`, rank `D2 = D + 1`.
///
/// # Panics
/// As [`psum`], and if `D2 != D + 1`.
#[track_caller]
pub fn all_gather<B: Backend, const D: usize, const D2: usize>(x: Tensor<B, D>, axis: &str) -> Tensor<B, D2> {
    const OP: &str = "all_gather";
    if D2 != D + 1 {
        fail(
            OP,
            axis,
            format!("gathering rank-{D} tensors gives rank {}, not {D2}", D + 1),
        );
    }
    let comm = find(OP, axis);
    let (device, data) = (x.device(), host(OP, axis, x));
    let parts = gather(OP, axis, &*comm, &data);
    let mut shape = vec![comm.size()];
    shape.extend(data.shape.iter());
    let bytes: Vec<u8> = parts.concat();
    Tensor::from_data(TensorData::from_bytes_vec(bytes, shape, data.dtype), &device)
}

/// Sends `x` along the pairs `(source, destination)` of `perm` (`jax.lax.ppermute`): a rank
/// receives the `x` of the rank that names it as destination, or zeros if none does.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{axis_size, pmap, ppermute, Function};
///
/// /// Each rank's value moved one rank to the right, around the ring.
/// struct Rotate;
/// impl Function for Rotate {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         let n = axis_size("i");
///         let ring: Vec<(usize, usize)> = (0..n).map(|r| (r, (r + 1) % n)).collect();
///         ppermute(x, "i", &ring)
///     }
/// }
///
/// let x = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &Default::default());
/// let y = pmap(Rotate).axis_name("i").call(x);
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [3.0, 1.0, 2.0]);
/// ```
///
/// # Panics
/// As [`psum`], and if `perm` names a rank out of range, or a source or a destination twice.
#[track_caller]
pub fn ppermute<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    axis: &str,
    perm: &[(usize, usize)],
) -> Tensor<B, D> {
    const OP: &str = "ppermute";
    let comm = find(OP, axis);
    let (rank, size) = (comm.rank(), comm.size());
    for (k, &(src, dst)) in perm.iter().enumerate() {
        if src >= size || dst >= size {
            fail(
                OP,
                axis,
                format!("the pair ({src}, {dst}) names a rank out of range for {size} ranks"),
            );
        }
        if perm[..k].iter().any(|&(s, d)| s == src || d == dst) {
            fail(
                OP,
                axis,
                format!("the pair ({src}, {dst}) repeats a source or a destination"),
            );
        }
    }
    let to = perm.iter().find(|p| p.0 == rank).map(|p| p.1);
    let from = perm.iter().find(|p| p.1 == rank).map(|p| p.0);
    let (device, data) = (x.device(), host(OP, axis, x));
    let got = comm
        .shift(&encode(&data), to, from)
        .unwrap_or_else(|e| comm_failed(OP, axis, e));
    match got {
        Some(bytes) => {
            let (shape, payload) = decode(OP, axis, &bytes);
            check_shapes(OP, axis, &data.shape, &shape, from.unwrap_or(0));
            Tensor::from_data(
                TensorData::from_bytes_vec(payload.to_vec(), shape, data.dtype),
                &device,
            )
        }
        None => Tensor::zeros(data.shape.clone(), &device),
    }
}

/// This thread's rank on `axis`, in `0..axis_size(axis)` (`jax.lax.axis_index`).
///
/// # Panics
/// Raises [`Error::Collective`] if no `pmap` level named `axis` runs this thread.
#[track_caller]
pub fn axis_index(axis: &str) -> usize {
    find("axis_index", axis).rank()
}

/// The number of ranks on `axis` (JAX's `psum(1, axis)`).
///
/// # Panics
/// As [`axis_index`].
#[track_caller]
pub fn axis_size(axis: &str) -> usize {
    find("axis_size", axis).size()
}

#[track_caller]
fn fail(op: &'static str, axis: &str, detail: String) -> ! {
    raise(Error::Collective {
        op,
        axis: axis.to_string(),
        detail,
    })
}

#[track_caller]
fn comm_failed(op: &'static str, axis: &str, e: CommError) -> ! {
    if matches!(e, CommError::PeerFailed { .. } | CommError::PeerExited { .. }) {
        blame_peer();
    }
    fail(op, axis, e.to_string())
}

/// `x`'s data on the host, refused if `x` is being differentiated.
#[track_caller]
fn host<B: Backend, const D: usize>(op: &'static str, axis: &str, x: Tensor<B, D>) -> TensorData {
    if B::ad_enabled(&x.device()) && x.is_require_grad() {
        let detail =
            "the tensor is being differentiated and collectives have no gradient rule yet: take the \
                      gradient per shard and reduce it (pmean of grad(f)), as in data-parallel training";
        fail(op, axis, detail.to_string());
    }
    x.into_data()
}

/// A message: the shape (count, then dims, as `u64`), then the data's bytes.
fn encode(data: &TensorData) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (1 + data.shape.len()) + data.bytes.len());
    out.extend((data.shape.len() as u64).to_le_bytes());
    for &d in data.shape.iter() {
        out.extend((d as u64).to_le_bytes());
    }
    out.extend_from_slice(data.as_bytes());
    out
}

#[track_caller]
fn decode<'a>(op: &'static str, axis: &str, bytes: &'a [u8]) -> (Vec<usize>, &'a [u8]) {
    let word = |k: usize| -> Option<usize> {
        let b = bytes.get(8 * k..8 * k + 8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?) as usize)
    };
    let parsed = word(0).and_then(|n| {
        let shape = (1..=n).map(word).collect::<Option<Vec<_>>>()?;
        Some((shape, bytes.get(8 * (n + 1)..)?))
    });
    parsed.unwrap_or_else(|| fail(op, axis, "a peer sent a message that is not a tensor".into()))
}

#[track_caller]
fn check_shapes(op: &'static str, axis: &str, mine: &[usize], theirs: &[usize], rank: usize) {
    if mine != theirs {
        fail(
            op,
            axis,
            format!("this rank's tensor has shape {mine:?}, rank {rank}'s {theirs:?}"),
        );
    }
}

/// Every rank's data bytes, after checking that every rank has the same shape.
#[track_caller]
fn gather(op: &'static str, axis: &str, comm: &dyn Communicator, data: &TensorData) -> Vec<Vec<u8>> {
    let all = comm
        .all_gather(&encode(data))
        .unwrap_or_else(|e| comm_failed(op, axis, e));
    all.iter()
        .enumerate()
        .map(|(r, bytes)| {
            let (shape, payload) = decode(op, axis, bytes);
            check_shapes(op, axis, &data.shape, &shape, r);
            payload.to_vec()
        })
        .collect()
}

#[track_caller]
fn reduce<B: Backend, const D: usize>(
    op: &'static str,
    x: Tensor<B, D>,
    axis: &str,
    how: Reduce,
) -> Tensor<B, D> {
    let comm = find(op, axis);
    let (device, data) = (x.device(), host(op, axis, x));
    let (dtype, shape) = (data.dtype, data.shape.to_vec());
    let parts = gather(op, axis, &*comm, &data);
    let folded = |parts: Vec<Vec<u8>>, as_f64: bool| -> Vec<u8> {
        fn fold<T: Element>(how: Reduce, parts: Vec<Vec<u8>>) -> Result<Vec<u8>, CommError> {
            let values = parts
                .iter()
                .map(|p| bytemuck::pod_collect_to_vec::<u8, T>(p))
                .collect();
            Ok(bytemuck::cast_slice(&fold_ranks(how, values)?).to_vec())
        }
        let out = if as_f64 {
            fold::<f64>(how, parts)
        } else {
            fold::<f32>(how, parts)
        };
        out.unwrap_or_else(|e| fail(op, axis, e.to_string()))
    };
    let out = match dtype {
        DType::F64 => TensorData::from_bytes_vec(folded(parts, true), shape, dtype),
        DType::F32 => TensorData::from_bytes_vec(folded(parts, false), shape, dtype),
        DType::F16 | DType::BF16 => {
            // Each rank's values widened to f32, folded there, rounded back once.
            let wide = parts
                .into_iter()
                .map(|p| {
                    let d = TensorData::from_bytes_vec(p, shape.clone(), dtype).convert_dtype(DType::F32);
                    d.as_bytes().to_vec()
                })
                .collect();
            TensorData::from_bytes_vec(folded(wide, false), shape, DType::F32).convert_dtype(dtype)
        }
        other => fail(
            op,
            axis,
            format!("reductions of {other:?} tensors are not implemented"),
        ),
    };
    Tensor::from_data(out, &device)
}
