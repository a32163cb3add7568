//! [`pmap`]: the transformation, its options, and the threads it runs `f` on.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use burn::prelude::*;
use burnax_comm::{Communicator, Threads, DEFAULT_TIMEOUT};

use super::axis::{self, Axis};
use crate::error::{mismatch, restore, take_raised, Error};
use crate::function::Function;
use crate::jit::recording;
use crate::tree::{MapLeaves, On, TreeDef};
use crate::vmap::AxisSpec;

/// `f` run once per rank in parallel, each on its slice of the inputs, with collectives between
/// the ranks by axis name; itself a [`Function`] (`jax.pmap`). Built by [`pmap`].
#[derive(Clone)]
pub struct Pmap<F, IA = usize, OA = usize> {
    f: F,
    in_axes: IA,
    out_axes: OA,
    name: Option<String>,
    devices: Option<Arc<dyn Any + Send + Sync>>,
    comm: Option<Arc<dyn Communicator>>,
    timeout: Duration,
}

/// `pmap(f)`: the function that splits its inputs along axis 0 into one slice per rank, runs `f`
/// on every slice at once (one thread per rank, each on its device), and stacks the results
/// along axis 0 (see the [module docs](super)). Inside `f`, [`psum`](super::psum) and the other
/// collectives exchange values between the ranks by the name given with
/// [`axis_name`](Pmap::axis_name).
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{pmap, pmean, Function};
///
/// /// Each rank's rows, centred on the mean over every rank.
/// struct Centre;
/// impl Function for Centre {
///     type In = Leaf<2>;
///     type Out = Leaf<2>;
///     fn call<B: Backend>(&self, rows: Tensor<B, 2>) -> Tensor<B, 2> {
///         let mean = pmean(rows.clone().mean_dim(0), "devices");
///         rows - mean
///     }
/// }
///
/// // 2 ranks, 2 rows each: shape [ranks, rows per rank, features]
/// let x = Tensor::<Flex, 3>::from_floats([[[0.0], [2.0]], [[4.0], [6.0]]], &Default::default());
/// let y = pmap(Centre).axis_name("devices").call(x);
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [-3.0, -1.0, 1.0, 3.0]);
/// ```
///
/// # Panics
/// Raises (see [`try_call`](crate::try_call)) the error of the first rank that failed, or
/// resumes its panic, once every rank has stopped; an [`Error::Mismatch`] if the mapped inputs
/// disagree on the number of ranks or it differs from the devices given, if nothing is mapped
/// and no devices are given, and if called while `jit` traces (write `pmap(jit(f))`).
pub fn pmap<F: Function>(f: F) -> Pmap<F> {
    Pmap {
        f,
        in_axes: 0,
        out_axes: 0,
        name: None,
        devices: None,
        comm: None,
        timeout: DEFAULT_TIMEOUT,
    }
}

impl<F, IA, OA> Pmap<F, IA, OA> {
    /// The name collectives use for this `pmap`'s ranks (JAX's `axis_name`).
    pub fn axis_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Which inputs are split over the ranks, as [`Vmap::in_axes`](crate::vmap::Vmap::in_axes):
    /// `None` passes an input whole to every rank (replicated parameters).
    pub fn in_axes<A>(self, in_axes: A) -> Pmap<F, A, OA> {
        Pmap {
            f: self.f,
            in_axes,
            out_axes: self.out_axes,
            name: self.name,
            devices: self.devices,
            comm: self.comm,
            timeout: self.timeout,
        }
    }

    /// Where each output's rank axis goes, as [`Vmap::out_axes`](crate::vmap::Vmap::out_axes):
    /// `None` returns rank 0's value of an output that is the same on every rank (the result of
    /// a `psum`, replicated parameters).
    pub fn out_axes<A>(self, out_axes: A) -> Pmap<F, IA, A> {
        Pmap {
            f: self.f,
            in_axes: self.in_axes,
            out_axes,
            name: self.name,
            devices: self.devices,
            comm: self.comm,
            timeout: self.timeout,
        }
    }

    /// Rank `r` runs on `devices[r]` (JAX's `devices`); their number is the number of ranks.
    /// Without it every rank runs on the device its slice is on: on a CPU, the threads are the
    /// devices. The devices must be those of the backend `pmap` is called on.
    pub fn devices<D: Clone + Send + Sync + 'static>(mut self, devices: Vec<D>) -> Self {
        self.devices = Some(Arc::new(devices));
        self
    }

    /// Runs this process as one rank of `comm` (MPI: one process per device, as `mpirun`
    /// starts them), instead of one thread per rank: each process passes its own slice, a
    /// leading axis of size 1, and the collectives go over `comm`. This is JAX's multi-process
    /// `pmap`, one local device per process.
    pub fn communicator(mut self, comm: Arc<dyn Communicator>) -> Self {
        self.comm = Some(comm);
        self
    }

    /// How long a rank waits for a peer that runs on without joining a collective (an endless
    /// loop); [`DEFAULT_TIMEOUT`] unless set. A peer that fails or returns is noticed at once.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl<F: core::fmt::Debug, IA: core::fmt::Debug, OA: core::fmt::Debug> core::fmt::Debug for Pmap<F, IA, OA> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pmap")
            .field("f", &self.f)
            .field("in_axes", &self.in_axes)
            .field("out_axes", &self.out_axes)
            .field("axis_name", &self.name)
            .field("communicator", &self.comm)
            .finish_non_exhaustive()
    }
}

/// Moves every leaf to one device: `to_device` where gradients may flow through the move, host
/// staging otherwise (it works between any two devices; CubeCL 0.10 cannot copy between two
/// wgpu devices).
struct ToDevice<'a, B: Backend>(&'a B::Device);

impl<B: Backend> MapLeaves<B, B> for ToDevice<'_, B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        if t.device() == *self.0 {
            t
        } else if B::ad_enabled(self.0) {
            t.to_device(self.0)
        } else {
            Tensor::from_data(t.into_data(), self.0)
        }
    }
}

/// How one rank ended when it did not return.
struct Failure {
    error: Option<Error>,
    payload: Box<dyn Any + Send>,
    peer_caused: bool,
}

impl<F, IA, OA> Function for Pmap<F, IA, OA>
where
    F: Function + Sync,
    IA: AxisSpec<F::In>,
    OA: AxisSpec<F::Out>,
{
    type In = IA::Stacked;
    type Out = OA::Stacked;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<IA::Stacked, B>) -> On<OA::Stacked, B> {
        if recording() {
            mismatch(
                "pmap",
                "pmap inside jit is not supported: jit the function each rank runs instead, `pmap(jit(f))`"
                    .into(),
            );
        }
        let devices: Option<Vec<B::Device>> = self.devices.as_ref().map(|d| {
            d.downcast_ref::<Vec<B::Device>>().cloned().unwrap_or_else(|| {
                let backend = std::any::type_name::<B>();
                mismatch(
                    "pmap",
                    format!("the devices given are not devices of the backend {backend}"),
                )
            })
        });
        let mut sizes = Vec::new();
        self.in_axes.sizes::<B>(&x, &mut sizes);
        let n = match (sizes.first(), &devices) {
            (Some(&n), _) => n,
            (None, Some(d)) => d.len(),
            (None, None) => mismatch(
                "pmap",
                "no input is mapped; give the devices with `.devices(..)`".into(),
            ),
        };
        if sizes.iter().any(|&s| s != n) {
            mismatch(
                "pmap",
                format!("the mapped inputs disagree on the number of ranks: {sizes:?}"),
            );
        }
        if let Some(d) = devices.as_ref().filter(|d| d.len() != n) {
            mismatch(
                "pmap",
                format!("{n} slices for {} devices: pass one slice per device", d.len()),
            );
        }
        if n == 0 {
            mismatch(
                "pmap",
                "the mapped inputs have no slices (a leading axis of 0)".into(),
            );
        }
        if let Some(comm) = &self.comm {
            if n != 1 {
                let detail = format!(
                    "with a communicator each process is one rank and passes its own slice (a leading axis of 1), not {n}"
                );
                mismatch("pmap", detail);
            }
            let level = Axis {
                name: self.name.clone(),
                comm: comm.clone(),
            };
            let y = axis::within(axis::current(), level, || {
                self.f.call::<B>(self.in_axes.example::<B>(&x, 0))
            });
            return self.out_axes.stack_all::<B>(vec![y]);
        }
        let shards: Vec<On<F::In, B>> = (0..n)
            .map(|r| {
                let shard = self.in_axes.example::<B>(&x, r);
                match &devices {
                    Some(d) => F::In::map::<B, B, _>(shard, &mut ToDevice::<B>(&d[r])),
                    None => shard,
                }
            })
            .collect();
        drop(x);
        let parent = axis::current();
        let comms = Threads::world_with_timeout(n, self.timeout);
        let ends: Vec<Result<On<F::Out, B>, Failure>> = std::thread::scope(|s| {
            let ranks: Vec<_> = shards
                .into_iter()
                .zip(comms)
                .enumerate()
                .map(|(r, (shard, comm))| {
                    let (f, axis) = (&self.f, (axis::for_inner_rank(&parent, r), self.name.clone()));
                    s.spawn(move || rank::<F, B>(f, axis, comm, shard))
                })
                .collect();
            ranks
                .into_iter()
                .map(|r| r.join().unwrap_or_else(|payload| panic::resume_unwind(payload)))
                .collect()
        });
        let mut ys = Vec::with_capacity(n);
        let mut failures = Vec::new();
        for end in ends {
            match end {
                Ok(y) => ys.push(y),
                Err(f) => failures.push(f),
            }
        }
        // The cause, not its echoes: the first rank that failed on its own account.
        if let Some(k) = failures
            .iter()
            .position(|f| !f.peer_caused)
            .or((!failures.is_empty()).then_some(0))
        {
            let cause = failures.swap_remove(k);
            if let Some(error) = cause.error {
                restore(error);
            }
            panic::resume_unwind(cause.payload);
        }
        if let Some(d) = &devices {
            let home = &d[0];
            ys = ys
                .into_iter()
                .map(|y| F::Out::map::<B, B, _>(y, &mut ToDevice::<B>(home)))
                .collect();
        }
        self.out_axes.stack_all::<B>(ys)
    }
}

/// One rank's thread: runs `f` on its slice under the axes `(parent, name)`; on failure tells
/// the peers at once, so that none waits for it.
fn rank<F: Function, B: Backend>(
    f: &F,
    (parent, name): (Vec<Axis>, Option<String>),
    comm: Threads,
    shard: On<F::In, B>,
) -> Result<On<F::Out, B>, Failure> {
    let comm = Arc::new(comm);
    take_raised();
    let level = Axis {
        name,
        comm: comm.clone(),
    };
    let out = axis::within(parent, level, || {
        panic::catch_unwind(AssertUnwindSafe(|| f.call::<B>(shard))).map_err(|payload| {
            let error = take_raised();
            let message = match &error {
                Some(e) => e.to_string(),
                None => panic_message(&*payload),
            };
            comm.fail(message);
            Failure {
                error,
                payload,
                peer_caused: axis::peer_caused(),
            }
        })
    });
    drop(comm); // finished: a peer still waiting for this rank fails now, not at its timeout
    out
}

/// A panic's message, when it is a string.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_string())
}
