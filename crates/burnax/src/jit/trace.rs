//! Recording a trace: the builders on this thread, the instructions they collect, and the
//! typed operands and results an operation of `Traced<B>` records.
//!
//! An instruction is the operation's own closure (`B::op` with its non-tensor arguments
//! captured), run once eagerly while tracing and stored for replay, so a replay computes exactly
//! what the traced call computed. Values live in the slots of a [`Frame`], boxed as `dyn Any`:
//! the closure knows its operands' types, the program does not need to.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashSet;
use std::slice;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::fusable::Fusable;
use crate::error::{raise, Error};

/// Where a traced value lives: its trace, and its slot in that trace. Trace 0 is no trace (a
/// tensor of `Traced<B>` made while nothing was being traced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) trace: u64,
    pub(crate) slot: u32,
}

impl Node {
    pub(crate) const UNTRACED: Node = Node { trace: 0, slot: 0 };
}

/// How an instruction reads one operand: from its slot, moving the value out when this is its
/// last use (so the backend may reuse the buffer in place) or cloning it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Use {
    pub(crate) slot: u32,
    pub(crate) take: bool,
}

/// The values of one replay, one slot per traced value.
pub(crate) struct Frame {
    slots: Vec<Option<Box<dyn Any + Send>>>,
}

impl Frame {
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            slots: (0..slots).map(|_| None).collect(),
        }
    }

    /// The value of an operand. The program was lowered from a trace in which this slot held a
    /// `P`, so a missing value or another type is a bug of the lowering.
    pub(crate) fn get<P: Clone + 'static>(&mut self, u: Use) -> P {
        let slot = &mut self.slots[u.slot as usize];
        if u.take {
            *slot
                .take()
                .and_then(|b| b.downcast::<P>().ok())
                .expect("jit: replay read an empty slot")
        } else {
            slot.as_ref()
                .and_then(|b| b.downcast_ref::<P>())
                .expect("jit: replay read an empty slot")
                .clone()
        }
    }

    pub(crate) fn put<P: Send + 'static>(&mut self, slot: u32, p: P) {
        self.slots[slot as usize] = Some(Box::new(p));
    }
}

/// An instruction's body: reads its operands from the frame, writes its results.
pub(crate) type Run = Arc<dyn Fn(&mut Frame, &[Use], &[u32]) + Send + Sync>;

/// One recorded operation.
pub(crate) struct Instr {
    /// Burn's name of the operation, for messages.
    pub(crate) name: &'static str,
    pub(crate) inputs: Vec<u32>,
    pub(crate) outputs: Vec<u32>,
    pub(crate) run: Run,
    /// Kept even when its results are unused: it draws random numbers, whose state a later
    /// draw depends on.
    pub(crate) effect: bool,
    /// What fusion needs to know, for the operations it fuses.
    pub(crate) fuse: Option<Fusable>,
}

/// A trace being recorded.
pub(crate) struct Builder {
    pub(crate) id: u64,
    /// `TypeId` of the backend `B` of `Traced<B>` whose operations this trace records.
    backend: TypeId,
    pub(crate) instrs: Vec<Instr>,
    pub(crate) slots: u32,
    /// Slots whose value is the same at every replay (made in the body from constants alone).
    constants: HashSet<u32>,
}

thread_local! {
    /// The traces being recorded on this thread, innermost last (`jit` inside `jit` nests).
    static BUILDERS: RefCell<Vec<Builder>> = const { RefCell::new(Vec::new()) };
}

/// Whether a `jit` trace is being recorded on this thread.
pub(crate) fn recording() -> bool {
    BUILDERS.with(|b| !b.borrow().is_empty())
}

static NEXT_TRACE: AtomicU64 = AtomicU64::new(1);

/// Starts a trace of `Traced<B>`'s operations on this thread; it records until
/// [`Recording::finish`] (or the guard's drop, when the traced function panics).
pub(crate) struct Recording {
    id: u64,
}

impl Builder {
    /// Whether fusion applies to this trace (its backend is Flex).
    pub(crate) fn fuses(&self) -> bool {
        super::fusable::fuses(self.backend)
    }
}

impl Recording {
    pub(crate) fn start<B: 'static>() -> Self {
        let id = NEXT_TRACE.fetch_add(1, Ordering::Relaxed);
        BUILDERS.with(|b| {
            b.borrow_mut().push(Builder {
                id,
                backend: TypeId::of::<B>(),
                instrs: Vec::new(),
                slots: 0,
                constants: HashSet::new(),
            })
        });
        Self { id }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// A new slot for an input of the traced function.
    pub(crate) fn input(&self) -> Node {
        with_builder(self.id, |b| {
            b.slots += 1;
            Node {
                trace: self.id,
                slot: b.slots - 1,
            }
        })
    }

    /// Stops recording and returns the trace.
    pub(crate) fn finish(self) -> Builder {
        let id = self.id;
        std::mem::forget(self);
        pop(id)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        pop(self.id);
    }
}

fn pop(id: u64) -> Builder {
    BUILDERS.with(|b| {
        let mut b = b.borrow_mut();
        let at = b
            .iter()
            .rposition(|t| t.id == id)
            .expect("jit: trace ended twice");
        b.remove(at)
    })
}

fn with_builder<R>(id: u64, f: impl FnOnce(&mut Builder) -> R) -> R {
    BUILDERS.with(|b| {
        let mut b = b.borrow_mut();
        let builder = b
            .iter_mut()
            .rev()
            .find(|t| t.id == id)
            .expect("jit: no such trace");
        f(builder)
    })
}

/// The trace an operation with these operands records into: theirs, or for an operation
/// without tensor operands the innermost trace of backend `B`. `None` when nothing is traced.
#[track_caller]
fn trace_of<B: 'static>(name: &str, nodes: &[Node]) -> Option<u64> {
    BUILDERS.with(|b| {
        let b = b.borrow();
        let active = |id: u64| b.iter().any(|t| t.id == id);
        if nodes.iter().all(|n| n.trace == 0) && !b.iter().any(|t| t.backend == TypeId::of::<B>()) {
            return None;
        }
        let mut trace = None;
        for n in nodes {
            if n.trace == 0 || !active(n.trace) {
                escaped(name);
            }
            match trace {
                None => trace = Some(n.trace),
                Some(t) if t != n.trace => escaped(name),
                _ => {}
            }
        }
        trace.or_else(|| {
            let backend = TypeId::of::<B>();
            b.iter().rev().find(|t| t.backend == backend).map(|t| t.id)
        })
    })
}

#[track_caller]
fn escaped(name: &str) -> ! {
    raise(Error::Mismatch {
        transformation: "jit".into(),
        detail: format!(
            "`{name}` got a tensor from outside the trace being recorded (one kept from an earlier call \
             of a jitted function, or from another trace); pass it as an input instead"
        ),
    })
}

/// Whether a tensor at `node` is being traced, for operations that refuse to run under a trace.
pub(crate) fn is_traced(node: Node) -> bool {
    node.trace != 0 && BUILDERS.with(|b| b.borrow().iter().any(|t| t.id == node.trace))
}

/// Tensor operands of a recorded operation: a traced tensor, or tuples, `Vec`s and `Option`s of
/// them. `Inner` is what the inner backend's operation takes.
pub(crate) trait Operands: Sized {
    type Inner;
    /// The structure of the operands (a `Vec`'s length, whether an `Option` is `Some`), which
    /// replay needs to read them back.
    type Form: Send + Sync + 'static;
    fn split(self, nodes: &mut Vec<Node>) -> (Self::Inner, Self::Form);
    fn read(form: &Self::Form, frame: &mut Frame, uses: &mut slice::Iter<'_, Use>) -> Self::Inner;
}

/// Results of a recorded operation: a traced tensor, or tuples and `Option`s of them.
pub(crate) trait Results: Sized {
    type Inner: Clone + Send + Sync + 'static;
    fn count(inner: &Self::Inner) -> usize;
    fn write(inner: Self::Inner, frame: &mut Frame, outs: &mut slice::Iter<'_, u32>);
    fn wrap(inner: Self::Inner, nodes: &mut dyn Iterator<Item = Node>) -> Self;
}

/// A tensor of `Traced<B>`: the inner backend's tensor, computed eagerly,
/// and its place in the trace.
#[derive(Clone, Debug)]
pub struct TracedTensor<P> {
    pub(crate) inner: P,
    pub(crate) node: Node,
}

impl<P: Clone + Send + 'static> Operands for TracedTensor<P> {
    type Inner = P;
    type Form = ();
    fn split(self, nodes: &mut Vec<Node>) -> (P, ()) {
        nodes.push(self.node);
        (self.inner, ())
    }
    fn read(_: &(), frame: &mut Frame, uses: &mut slice::Iter<'_, Use>) -> P {
        frame.get(*uses.next().expect("jit: operand count"))
    }
}

impl<P: Clone + Send + Sync + 'static> Results for TracedTensor<P> {
    type Inner = P;
    fn count(_: &P) -> usize {
        1
    }
    fn write(inner: P, frame: &mut Frame, outs: &mut slice::Iter<'_, u32>) {
        frame.put(*outs.next().expect("jit: result count"), inner);
    }
    fn wrap(inner: P, nodes: &mut dyn Iterator<Item = Node>) -> Self {
        TracedTensor {
            inner,
            node: nodes.next().unwrap_or(Node::UNTRACED),
        }
    }
}

impl Operands for () {
    type Inner = ();
    type Form = ();
    fn split(self, _: &mut Vec<Node>) -> ((), ()) {
        ((), ())
    }
    fn read(_: &(), _: &mut Frame, _: &mut slice::Iter<'_, Use>) {}
}

impl<T: Operands> Operands for Vec<T> {
    type Inner = Vec<T::Inner>;
    type Form = Vec<T::Form>;
    fn split(self, nodes: &mut Vec<Node>) -> (Self::Inner, Self::Form) {
        self.into_iter().map(|t| t.split(nodes)).unzip()
    }
    fn read(form: &Self::Form, frame: &mut Frame, uses: &mut slice::Iter<'_, Use>) -> Self::Inner {
        form.iter().map(|f| T::read(f, frame, uses)).collect()
    }
}

impl<T: Operands> Operands for Option<T> {
    type Inner = Option<T::Inner>;
    type Form = Option<T::Form>;
    fn split(self, nodes: &mut Vec<Node>) -> (Self::Inner, Self::Form) {
        match self {
            Some(t) => {
                let (i, f) = t.split(nodes);
                (Some(i), Some(f))
            }
            None => (None, None),
        }
    }
    fn read(form: &Self::Form, frame: &mut Frame, uses: &mut slice::Iter<'_, Use>) -> Self::Inner {
        form.as_ref().map(|f| T::read(f, frame, uses))
    }
}

impl<T: Results> Results for Option<T> {
    type Inner = Option<T::Inner>;
    fn count(inner: &Self::Inner) -> usize {
        inner.as_ref().map_or(0, T::count)
    }
    fn write(inner: Self::Inner, frame: &mut Frame, outs: &mut slice::Iter<'_, u32>) {
        if let Some(i) = inner {
            T::write(i, frame, outs);
        }
    }
    fn wrap(inner: Self::Inner, nodes: &mut dyn Iterator<Item = Node>) -> Self {
        inner.map(|i| T::wrap(i, nodes))
    }
}

macro_rules! tuple_operands {
    ($($t:ident $i:tt),+) => {
        #[allow(non_snake_case)]
        impl<$($t: Operands),+> Operands for ($($t,)+) {
            type Inner = ($($t::Inner,)+);
            type Form = ($($t::Form,)+);
            fn split(self, nodes: &mut Vec<Node>) -> (Self::Inner, Self::Form) {
                $(let $t = self.$i.split(nodes);)+
                (($($t.0,)+), ($($t.1,)+))
            }
            fn read(form: &Self::Form, frame: &mut Frame, uses: &mut slice::Iter<'_, Use>) -> Self::Inner {
                ($($t::read(&form.$i, frame, uses),)+)
            }
        }

        impl<$($t: Results),+> Results for ($($t,)+) {
            type Inner = ($($t::Inner,)+);
            fn count(inner: &Self::Inner) -> usize {
                0 $(+ $t::count(&inner.$i))+
            }
            fn write(inner: Self::Inner, frame: &mut Frame, outs: &mut slice::Iter<'_, u32>) {
                $($t::write(inner.$i, frame, outs);)+
            }
            fn wrap(inner: Self::Inner, nodes: &mut dyn Iterator<Item = Node>) -> Self {
                ($($t::wrap(inner.$i, nodes),)+)
            }
        }
    };
}

tuple_operands!(A 0);
tuple_operands!(A 0, C 1);
tuple_operands!(A 0, C 1, D 2);
tuple_operands!(A 0, C 1, D 2, E 3);
tuple_operands!(A 0, C 1, D 2, E 3, F 4);

/// Runs `f` on the operands' inner tensors and records it in their trace: the one way every
/// operation of `Traced<B>` is built. Without a trace, only runs it.
#[track_caller]
pub(crate) fn op<B: 'static, I: Operands, O: Results>(
    name: &'static str,
    operands: I,
    f: impl Fn(I::Inner) -> O::Inner + Send + Sync + 'static,
) -> O {
    record::<B, I, O>(name, operands, false, None, f)
}

/// [`op`] for an operation that fusion may fuse (`fusable::tag` says whether).
#[track_caller]
pub(crate) fn fusable<B: 'static, I: Operands, O: Results>(
    name: &'static str,
    fuse: Option<Fusable>,
    operands: I,
    f: impl Fn(I::Inner) -> O::Inner + Send + Sync + 'static,
) -> O {
    record::<B, I, O>(name, operands, false, fuse, f)
}

/// [`op`] for an operation with an effect (a random draw): never removed as dead code.
#[track_caller]
pub(crate) fn effect<B: 'static, I: Operands, O: Results>(
    name: &'static str,
    operands: I,
    f: impl Fn(I::Inner) -> O::Inner + Send + Sync + 'static,
) -> O {
    record::<B, I, O>(name, operands, true, None, f)
}

#[track_caller]
fn record<B: 'static, I: Operands, O: Results>(
    name: &'static str,
    operands: I,
    effect: bool,
    fuse: Option<Fusable>,
    f: impl Fn(I::Inner) -> O::Inner + Send + Sync + 'static,
) -> O {
    let mut nodes = Vec::new();
    let (inner, form) = operands.split(&mut nodes);
    let Some(trace) = trace_of::<B>(name, &nodes) else {
        return O::wrap(f(inner), &mut std::iter::empty());
    };
    let out = f(inner);
    let count = O::count(&out);
    // Constant folding: a pure operation of constants is a constant, its value the one just
    // computed, which every replay shares instead of computing it again.
    let constant = !effect && with_builder(trace, |b| nodes.iter().all(|n| b.constants.contains(&n.slot)));
    let run: Run = if constant {
        let value = out.clone();
        Arc::new(move |frame: &mut Frame, _: &[Use], outs: &[u32]| {
            O::write(value.clone(), frame, &mut outs.iter());
        })
    } else {
        Arc::new(move |frame: &mut Frame, uses: &[Use], outs: &[u32]| {
            let inner = I::read(&form, frame, &mut uses.iter());
            O::write(f(inner), frame, &mut outs.iter());
        })
    };
    let first = with_builder(trace, |b| {
        let first = b.slots;
        b.slots += count as u32;
        let outputs: Vec<u32> = (first..first + count as u32).collect();
        if constant {
            b.constants.extend(&outputs);
        }
        b.instrs.push(Instr {
            name,
            inputs: if constant {
                Vec::new()
            } else {
                nodes.iter().map(|n| n.slot).collect()
            },
            outputs,
            run,
            effect,
            fuse: if constant { None } else { fuse },
        });
        first
    });
    let mut slots = (first..first + count as u32).map(|slot| Node { trace, slot });
    O::wrap(out, &mut slots)
}
