//! The named axes a thread runs under: which rank of which [`Communicator`] each `pmap` level
//! made it, found by name by the collectives.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::Arc;

use burnax_comm::Communicator;

use crate::error::{raise, Error};

/// One `pmap` level this thread runs in.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    pub(crate) name: Option<String>,
    pub(crate) comm: Arc<dyn Communicator>,
}

thread_local! {
    /// The levels this thread runs in, outermost first (`pmap` inside `pmap` nests).
    static AXES: RefCell<Vec<Axis>> = const { RefCell::new(Vec::new()) };
    /// Set when a collective failed because a peer had failed or returned: that rank's error
    /// is a consequence, the peer's is the cause `pmap` reports.
    static PEER_CAUSED: Cell<bool> = const { Cell::new(false) };
}

/// The levels of the calling thread, for a thread `pmap` starts under it.
pub(crate) fn current() -> Vec<Axis> {
    AXES.with(|a| a.borrow().clone())
}

/// The levels `parent` as inner rank `j` of a new level sees them: each outer communicator on
/// its channel `j`, so that the inner rank `j`s of every outer rank form their own group (a row
/// of the mesh) and never meet the other rows' messages.
///
/// # Panics
/// Raises [`Error::Mismatch`] if an outer transport has no channels.
#[track_caller]
pub(crate) fn for_inner_rank(parent: &[Axis], j: usize) -> Vec<Axis> {
    parent
        .iter()
        .map(|a| {
            let comm = a.comm.channel(j as u64).unwrap_or_else(|e| {
                let detail = format!("a pmap inside this pmap needs channels of its communicator: {e}");
                raise(Error::Mismatch {
                    transformation: "pmap".into(),
                    detail,
                })
            });
            Axis {
                name: a.name.clone(),
                comm,
            }
        })
        .collect()
}

/// Runs `f` with `parent` and then `axis` as this thread's levels, restoring the old ones after
/// (also when `f` unwinds).
pub(crate) fn within<R>(parent: Vec<Axis>, axis: Axis, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Vec<Axis>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take().unwrap_or_default();
            AXES.with(|a| *a.borrow_mut() = old);
        }
    }
    let mut levels = parent;
    levels.push(axis);
    let old = AXES.with(|a| std::mem::replace(&mut *a.borrow_mut(), levels));
    let _restore = Restore(Some(old));
    PEER_CAUSED.with(|p| p.set(false));
    f()
}

/// The communicator of the innermost level named `name`.
///
/// # Panics
/// Raises [`Error::Collective`] naming the axes in scope if there is none.
#[track_caller]
pub(crate) fn find(op: &'static str, name: &str) -> Arc<dyn Communicator> {
    AXES.with(|a| {
        let axes = a.borrow();
        if let Some(axis) = axes.iter().rev().find(|x| x.name.as_deref() == Some(name)) {
            return axis.comm.clone();
        }
        let named: Vec<String> = axes
            .iter()
            .filter_map(|x| x.name.as_ref().map(|n| format!("`{n}`")))
            .collect();
        let detail = if named.is_empty() {
            "no pmap with that axis name is running on this thread (name it with `pmap(f).axis_name(..)`)"
                .to_string()
        } else {
            format!("the axes in scope are {}", named.join(", "))
        };
        raise(Error::Collective {
            op,
            axis: name.to_string(),
            detail,
        })
    })
}

/// Marks the error being raised on this thread as caused by a peer.
pub(crate) fn blame_peer() {
    PEER_CAUSED.with(|p| p.set(true));
}

/// Whether this thread's last error was caused by a peer (see [`blame_peer`]).
pub(crate) fn peer_caused() -> bool {
    PEER_CAUSED.with(Cell::get)
}

/// Appends this thread's levels (name, rank and size of each) to `key`: `jit` traces each rank
/// apart, since `axis_index` is a different constant on each.
pub(crate) fn describe_into(key: &mut String) {
    AXES.with(|a| {
        for axis in a.borrow().iter() {
            let name = axis.name.as_deref().unwrap_or("_");
            let _ = write!(key, " pmap {name}={}/{}", axis.comm.rank(), axis.comm.size());
        }
    });
}
