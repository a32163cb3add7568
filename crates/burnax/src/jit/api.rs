//! [`jit`]: the transformation, its options and its cache.

use std::any::{type_name, Any, TypeId};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use burn::prelude::*;
use burn::tensor::{DType, TensorPrimitive};

use super::program::Program;
use super::trace::{Recording, TracedTensor};
use super::tracing::backend::Traced;
use crate::error::{mismatch, take_raised, Error};
use crate::function::Function;
use crate::tree::{MapLeaves, On, TreeDef};

/// Signatures kept per function unless [`Jit::capacity`] says otherwise (JAX keeps every
/// one; a bound keeps a function called with ever new shapes from holding every trace).
pub const DEFAULT_CAPACITY: usize = 8;

/// `f` traced once per input signature and replayed, itself a [`Function`] (`jax.jit`). Built
/// by [`jit`].
pub struct Jit<F> {
    f: F,
    capacity: usize,
    eager_on_host_read: bool,
    fusion: bool,
    cache: Mutex<Vec<Entry>>,
    traces: AtomicUsize,
    warned: AtomicBool,
}

/// `jit(f)`: the function that traces `f` the first time it sees an input signature and from
/// then on replays the trace, without running `f`'s Rust body (see the [module docs](super)).
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{jit, Function};
///
/// /// selu(x), elementwise.
/// struct Selu;
/// impl Function for Selu {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         let (alpha, scale) = (1.673_263_2, 1.050_701);
///         let negative = x.clone().exp().sub_scalar(1.0).mul_scalar(alpha);
///         x.clone().greater_elem(0.0).float().mul(x.clone()).add(x.lower_equal_elem(0.0).float().mul(negative)).mul_scalar(scale)
///     }
/// }
///
/// let f = jit(Selu);
/// let x = Tensor::<Flex, 1>::from_floats([-1.0, 0.0, 2.0], &Default::default());
/// let first = f.call(x.clone()); // traces Selu's body while computing
/// let again = f.call(x.clone()); // replays the trace
/// assert_eq!(f.traces(), 1);
/// assert_eq!(again.into_data(), Selu.call(x).into_data()); // the same bits as the plain call
/// # let _ = first;
/// ```
pub fn jit<F: Function>(f: F) -> Jit<F> {
    Jit {
        f,
        capacity: DEFAULT_CAPACITY,
        eager_on_host_read: false,
        fusion: true,
        cache: Mutex::new(Vec::new()),
        traces: AtomicUsize::new(0),
        warned: AtomicBool::new(false),
    }
}

impl<F> Jit<F> {
    /// How many signatures the cache keeps (least recently used out); [`DEFAULT_CAPACITY`]
    /// unless set. A function traced more often than this is warned about once on stderr.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn capacity(mut self, n: usize) -> Self {
        assert!(n > 0, "jit: the cache capacity must be at least 1");
        self.capacity = n;
        self
    }

    /// Opts into running `f` eagerly, uncached, for the signatures whose trace reads a tensor on
    /// the host (JAX would raise a concretization error, as `jit` does by default). Such calls
    /// run the Rust body every time, at eager speed.
    pub fn eager_on_host_read(mut self) -> Self {
        self.eager_on_host_read = true;
        self
    }

    /// Turns fusion off (it is on by default): the replay then runs exactly the operations
    /// the eager call ran, so it gives the same bits, sums included. See [`Fusion`](super#fusion).
    pub fn without_fusion(mut self) -> Self {
        self.fusion = false;
        self
    }

    /// The function it jits.
    pub fn function(&self) -> &F {
        &self.f
    }

    /// How many times `f` has been traced: 1 after the first call, one more per new signature
    /// (and per signature traced again after it left the cache).
    pub fn traces(&self) -> usize {
        self.traces.load(Ordering::Relaxed)
    }

    /// The cached traces, most recently used last.
    pub fn cached(&self) -> Vec<CacheEntry> {
        self.lock()
            .iter()
            .map(|e| CacheEntry {
                signature: e.signature.describe(),
                recorded: e.compiled.as_ref().map_or(0, |c| c.program.recorded()),
                ops: e.compiled.as_ref().map_or_else(Vec::new, |c| c.program.names()),
                eager: e.compiled.is_none(),
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A panic while the lock is held leaves the cache consistent (entries are pushed whole).
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<F: Clone> Clone for Jit<F> {
    /// The same function with the same options, and an empty cache.
    fn clone(&self) -> Self {
        Jit {
            f: self.f.clone(),
            capacity: self.capacity,
            eager_on_host_read: self.eager_on_host_read,
            fusion: self.fusion,
            cache: Mutex::new(Vec::new()),
            traces: AtomicUsize::new(0),
            warned: AtomicBool::new(false),
        }
    }
}

impl<F: core::fmt::Debug> core::fmt::Debug for Jit<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Jit")
            .field("f", &self.f)
            .field("capacity", &self.capacity)
            .field("traces", &self.traces())
            .finish()
    }
}

/// One cached trace, for inspection ([`Jit::cached`]): JAX's `make_jaxpr`, in brief.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// The signature it was traced for: backend, and per leaf shape, dtype, device and whether
    /// it requires a gradient; then the static values.
    pub signature: String,
    /// Operations recorded while tracing.
    pub recorded: usize,
    /// The operations each call replays, in order (after dead code is removed).
    pub ops: Vec<&'static str>,
    /// Whether this signature runs eagerly (its trace read the host and
    /// [`Jit::eager_on_host_read`] was set).
    pub eager: bool,
}

/// What a trace depends on besides its inputs' values.
#[derive(Clone, Debug, PartialEq)]
struct Signature {
    backend: TypeId,
    backend_name: &'static str,
    leaves: Vec<LeafSignature>,
    statics: String,
}

#[derive(Clone, Debug, PartialEq)]
struct LeafSignature {
    shape: Vec<usize>,
    dtype: DType,
    device: String,
    grad: bool,
}

impl Signature {
    fn describe(&self) -> String {
        let leaves: Vec<String> = self
            .leaves
            .iter()
            .map(|l| {
                let grad = if l.grad { ", requires grad" } else { "" };
                format!("{:?} {:?} on {}{grad}", l.shape, l.dtype, l.device)
            })
            .collect();
        let statics = if self.statics.is_empty() {
            String::new()
        } else {
            format!("; static {}", self.statics)
        };
        format!("{}: [{}]{statics}", self.backend_name, leaves.join(", "))
    }

    /// What changed from `other`, for the retrace warning.
    fn change_from(&self, other: &Signature) -> String {
        if self.backend != other.backend {
            return format!("backend {} -> {}", other.backend_name, self.backend_name);
        }
        if self.leaves.len() != other.leaves.len() {
            return format!("{} leaves -> {}", other.leaves.len(), self.leaves.len());
        }
        for (k, (a, b)) in other.leaves.iter().zip(&self.leaves).enumerate() {
            if a != b {
                return format!(
                    "leaf {k}: {:?} {:?} on {} -> {:?} {:?} on {}",
                    a.shape, a.dtype, a.device, b.shape, b.dtype, b.device
                );
            }
        }
        format!("static values {:?} -> {:?}", other.statics, self.statics)
    }
}

/// A lowered trace, with the structure of its output.
struct Compiled {
    program: Program,
    /// The output tree with empty leaves, which a replay fills: a `Mutex<On<F::Out, B>>` for
    /// the signature's backend `B`.
    skeleton: Box<dyn Any + Send + Sync>,
}

struct Entry {
    signature: Signature,
    /// `None`: this signature runs eagerly ([`Jit::eager_on_host_read`]).
    compiled: Option<Arc<Compiled>>,
}

/// Collects the signature and the primitives of a tree's leaves.
struct Collect<B: Backend> {
    leaves: Vec<LeafSignature>,
    prims: Vec<B::FloatTensorPrimitive>,
}

impl<B: Backend> MapLeaves<B, B> for Collect<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.leaves.push(LeafSignature {
            shape: t.dims().to_vec(),
            dtype: t.dtype(),
            device: format!("{:?}", t.device()),
            grad: t.is_require_grad(),
        });
        self.prims.push(t.clone().into_primitive().tensor());
        t
    }
}

/// Moves leaves into the trace, each a new input slot.
struct Wrap<'a> {
    recording: &'a Recording,
    slots: Vec<u32>,
}

impl<B: Backend> MapLeaves<B, Traced<B>> for Wrap<'_> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<Traced<B>, D> {
        let node = self.recording.input();
        self.slots.push(node.slot);
        let inner = t.into_primitive().tensor();
        Tensor::from_primitive(TensorPrimitive::Float(TracedTensor { inner, node }))
    }
}

/// Moves leaves out of the trace, keeping their slots.
struct Unwrap {
    trace: u64,
    slots: Vec<u32>,
}

impl<B: Backend> MapLeaves<Traced<B>, B> for Unwrap {
    #[track_caller]
    fn leaf<const D: usize>(&mut self, t: Tensor<Traced<B>, D>) -> Tensor<B, D> {
        let t = t.into_primitive().tensor();
        if t.node.trace != self.trace {
            mismatch(
                "jit",
                "the function returned a tensor from outside its trace (one kept from an earlier call)"
                    .into(),
            );
        }
        self.slots.push(t.node.slot);
        Tensor::from_primitive(TensorPrimitive::Float(t.inner))
    }
}

/// Replaces every leaf with an empty tensor: the skeleton of an output.
struct Empty;

impl<B: Backend> MapLeaves<B, B> for Empty {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        Tensor::empty([0; D], &t.device())
    }
}

/// Fills a skeleton's leaves with a replay's outputs, in order.
struct Fill<P>(std::vec::IntoIter<P>);

impl<B: Backend> MapLeaves<B, B> for Fill<B::FloatTensorPrimitive> {
    fn leaf<const D: usize>(&mut self, _: Tensor<B, D>) -> Tensor<B, D> {
        let p = self
            .0
            .next()
            .expect("jit: a replay returned fewer outputs than traced");
        Tensor::from_primitive(TensorPrimitive::Float(p))
    }
}

impl<F: Function> Function for Jit<F>
where
    F::Out: 'static,
{
    type In = F::In;
    type Out = F::Out;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<F::Out, B> {
        let mut collect = Collect::<B> {
            leaves: Vec::new(),
            prims: Vec::new(),
        };
        let x = F::In::map::<B, B, _>(x, &mut collect);
        let mut statics = String::new();
        F::In::statics::<B>(&x, &mut statics);
        crate::pmap::describe_axes(&mut statics);
        let signature = Signature {
            backend: TypeId::of::<B>(),
            backend_name: type_name::<B>(),
            leaves: collect.leaves,
            statics,
        };
        match self.lookup(&signature) {
            Some(Some(compiled)) => {
                drop(x); // the primitives are the only handles left: the replay may reuse them
                let outputs = compiled.program.run(collect.prims);
                let skeleton = compiled
                    .skeleton
                    .downcast_ref::<Mutex<On<F::Out, B>>>()
                    .expect("jit: the signature's backend names the skeleton's")
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                F::Out::map::<B, B, _>(skeleton, &mut Fill(outputs.into_iter()))
            }
            Some(None) => {
                drop(collect.prims);
                self.f.call::<B>(x)
            }
            None => {
                drop(collect.prims);
                self.trace::<B>(x, signature)
            }
        }
    }
}

impl<F: Function> Jit<F>
where
    F::Out: 'static,
{
    /// The cached program for `signature` (`Some(None)`: run eagerly), marked most recently used.
    fn lookup(&self, signature: &Signature) -> Option<Option<Arc<Compiled>>> {
        let mut cache = self.lock();
        let at = cache.iter().position(|e| &e.signature == signature)?;
        let entry = cache.remove(at);
        let compiled = entry.compiled.clone();
        cache.push(entry);
        Some(compiled)
    }

    /// Traces `f` on `x` (computing its result), lowers the trace and caches it.
    #[track_caller]
    fn trace<B: Backend>(&self, x: On<F::In, B>, signature: Signature) -> On<F::Out, B> {
        let fallback = self.eager_on_host_read.then(|| x.clone());
        let traced = {
            let recording = Recording::start::<B>();
            let mut wrap = Wrap {
                recording: &recording,
                slots: Vec::new(),
            };
            let xt = F::In::map::<B, Traced<B>, _>(x, &mut wrap);
            let inputs = wrap.slots;
            let run = || self.f.call::<Traced<B>>(xt);
            let yt = if fallback.is_some() {
                take_raised();
                match panic::catch_unwind(AssertUnwindSafe(run)) {
                    Ok(yt) => Ok(yt),
                    Err(payload) => match take_raised() {
                        Some(Error::HostRead {
                            transformation: "jit",
                            ..
                        }) => Err(()),
                        Some(other) => {
                            crate::error::restore(other);
                            panic::resume_unwind(payload)
                        }
                        None => panic::resume_unwind(payload),
                    },
                }
            } else {
                Ok(run())
            };
            yt.map(|yt| {
                let mut unwrap = Unwrap {
                    trace: recording.id(),
                    slots: Vec::new(),
                };
                let y = F::Out::map::<Traced<B>, B, _>(yt, &mut unwrap);
                let program = Program::lower(recording.finish(), inputs, unwrap.slots, self.fusion);
                (y, program)
            })
        };
        self.traces.fetch_add(1, Ordering::Relaxed);
        let (y, compiled) = match traced {
            Ok((y, program)) => {
                let skeleton = F::Out::map::<B, B, _>(y.clone(), &mut Empty);
                let compiled = Compiled {
                    program,
                    skeleton: Box::new(Mutex::new(skeleton)),
                };
                (y, Some(Arc::new(compiled)))
            }
            Err(()) => {
                let x = fallback.expect("jit: the fallback input was kept");
                (self.f.call::<B>(x), None)
            }
        };
        self.insert(signature, compiled);
        y
    }

    fn insert(&self, signature: Signature, compiled: Option<Arc<Compiled>>) {
        let mut cache = self.lock();
        let last = cache.last().map(|e| e.signature.clone());
        if cache.len() >= self.capacity {
            cache.remove(0);
        }
        let traces = self.traces();
        if traces > self.capacity && !self.warned.swap(true, Ordering::Relaxed) {
            let change = last.map_or_else(String::new, |l| {
                format!("; the last change: {}", signature.change_from(&l))
            });
            eprintln!(
                "burnax::jit warning: `{}` has been traced {traces} times, more than its cache holds ({}): \
                 its calls keep changing shapes, dtypes or static values{change}",
                type_name::<F>(),
                self.capacity
            );
        }
        cache.push(Entry { signature, compiled });
    }
}
