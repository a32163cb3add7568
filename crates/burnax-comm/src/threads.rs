//! [`Threads`]: a communicator between threads of one process (CPU cores, or one thread per
//! GPU of a host), on queues under one lock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::communicator::{check_rank, Communicator};
use crate::error::CommError;

/// How long a rank waits for a peer that is still running before giving up, unless
/// [`Threads::world_with_timeout`] says otherwise. Peers that fail or return are noticed at once;
/// this bounds only a peer that runs on without ever joining (an endless loop).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// One rank of a group of threads; [`Threads::world`] makes the whole group, one value per
/// thread. Dropping a rank's value says it has finished: a peer still waiting for it then gets
/// [`CommError::PeerExited`] instead of waiting forever. [Channels](Communicator::channel) share
/// their rank's state: a failure on one fails them all, and dropping one finishes nothing.
///
/// ```
/// use burnax_comm::{all_reduce, Communicator, Reduce, Threads};
///
/// let sums = Threads::run(3, |comm| all_reduce(&comm, &[comm.rank() as f32, 1.0], Reduce::Sum).unwrap());
/// assert!(sums.iter().all(|s| s == &[3.0, 3.0])); // 0 + 1 + 2, and 1 + 1 + 1
/// ```
#[derive(Debug)]
pub struct Threads {
    rank: usize,
    shared: Arc<Shared>,
    /// The [channel](Communicator::channel): ids from the world down, empty for the world.
    path: Vec<u64>,
}

#[derive(Debug)]
struct Shared {
    size: usize,
    timeout: Duration,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Messages from `.0` to `.1`, collective (`.2` true) or point-to-point, on channel `.3`,
    /// each tagged with the operation that sent it, oldest first.
    queues: HashMap<Key, VecDeque<(&'static str, Vec<u8>)>>,
    status: Vec<Status>,
}

type Key = (usize, usize, bool, Vec<u64>);

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Running,
    Finished,
    Failed(String),
}

impl Threads {
    /// A group of `size` ranks, rank `r` at index `r`, with the [`DEFAULT_TIMEOUT`].
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn world(size: usize) -> Vec<Threads> {
        Self::world_with_timeout(size, DEFAULT_TIMEOUT)
    }

    /// Runs `f` on every rank of a new `size`-rank group ([`world`](Self::world)), one scoped
    /// thread each, and returns the results by rank.
    ///
    /// # Panics
    /// If `size` is 0, or with a rank's panic once every rank has stopped (the panicking
    /// rank's value is dropped as it unwinds, so its peers fail instead of waiting for it).
    pub fn run<T: Send>(size: usize, f: impl Fn(Threads) -> T + Sync) -> Vec<T> {
        let f = &f;
        std::thread::scope(|s| {
            let ranks: Vec<_> = Self::world(size)
                .into_iter()
                .map(|comm| s.spawn(move || f(comm)))
                .collect();
            ranks
                .into_iter()
                .map(|r| r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }

    /// [`world`](Self::world) with another timeout for a peer that runs on without joining.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn world_with_timeout(size: usize, timeout: Duration) -> Vec<Threads> {
        assert!(size > 0, "Threads::world: a group needs at least one rank");
        let shared = Arc::new(Shared {
            size,
            timeout,
            state: Mutex::new(State {
                queues: HashMap::new(),
                status: vec![Status::Running; size],
            }),
            changed: Condvar::new(),
        });
        (0..size)
            .map(|rank| Threads {
                rank,
                shared: shared.clone(),
                path: Vec::new(),
            })
            .collect()
    }

    /// Marks this rank failed with `reason`: every peer's current and next operation returns
    /// [`CommError::PeerFailed`] naming this rank.
    pub fn fail(&self, reason: impl Into<String>) {
        let mut state = self.lock();
        state.status[self.rank] = Status::Failed(reason.into());
        drop(state);
        self.shared.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned lock still holds whole messages.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, to: usize, collective: bool, op: &'static str, data: &[u8]) {
        let mut state = self.lock();
        state
            .queues
            .entry((self.rank, to, collective, self.path.clone()))
            .or_default()
            .push_back((op, data.to_vec()));
        drop(state);
        self.shared.changed.notify_all();
    }

    /// The next message from `from`, failing as soon as a rank failed or `from` finished.
    fn take(&self, from: usize, collective: bool, op: &'static str) -> Result<Vec<u8>, CommError> {
        let deadline = Instant::now() + self.shared.timeout;
        let mut state = self.lock();
        loop {
            if let Some((r, reason)) = state.status.iter().enumerate().find_map(|(r, s)| match s {
                Status::Failed(reason) if r != self.rank => Some((r, reason.clone())),
                _ => None,
            }) {
                return Err(CommError::PeerFailed { rank: r, reason });
            }
            let key = (from, self.rank, collective, self.path.clone());
            if let Some((sent_by, data)) = state.queues.get_mut(&key).and_then(VecDeque::pop_front) {
                if sent_by != op {
                    return Err(CommError::Mismatch {
                        op,
                        detail: format!(
                            "rank {from} is in `{sent_by}` where rank {} is in `{op}`",
                            self.rank
                        ),
                    });
                }
                return Ok(data);
            }
            if state.status[from] == Status::Finished {
                return Err(CommError::PeerExited { rank: from, op });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CommError::Timeout {
                    op,
                    rank: self.rank,
                    from,
                    after: self.shared.timeout,
                });
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        if !self.path.is_empty() {
            return; // a channel: the rank goes on
        }
        let mut state = self.lock();
        if state.status[self.rank] == Status::Running {
            state.status[self.rank] = Status::Finished;
        }
        drop(state);
        self.shared.changed.notify_all();
    }
}

impl Communicator for Threads {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.shared.size
    }

    fn transport(&self) -> &'static str {
        "threads"
    }

    fn channel(&self, id: u64) -> Result<Arc<dyn Communicator>, CommError> {
        let mut path = self.path.clone();
        path.push(id);
        Ok(Arc::new(Threads {
            rank: self.rank,
            shared: self.shared.clone(),
            path,
        }))
    }

    fn all_gather(&self, data: &[u8]) -> Result<Vec<Vec<u8>>, CommError> {
        let n = self.shared.size;
        for to in (0..n).filter(|&r| r != self.rank) {
            self.put(to, true, "all_gather", data);
        }
        (0..n)
            .map(|from| {
                if from == self.rank {
                    Ok(data.to_vec())
                } else {
                    self.take(from, true, "all_gather")
                }
            })
            .collect()
    }

    fn broadcast(&self, data: &[u8], root: usize) -> Result<Vec<u8>, CommError> {
        check_rank("broadcast", root, self.shared.size)?;
        if self.rank == root {
            for to in (0..self.shared.size).filter(|&r| r != root) {
                self.put(to, true, "broadcast", data);
            }
            Ok(data.to_vec())
        } else {
            self.take(root, true, "broadcast")
        }
    }

    fn send(&self, to: usize, data: &[u8]) -> Result<(), CommError> {
        check_rank("send", to, self.shared.size)?;
        self.put(to, false, "send", data);
        Ok(())
    }

    fn recv(&self, from: usize) -> Result<Vec<u8>, CommError> {
        check_rank("recv", from, self.shared.size)?;
        self.take(from, false, "send")
    }

    fn shift(
        &self,
        data: &[u8],
        to: Option<usize>,
        from: Option<usize>,
    ) -> Result<Option<Vec<u8>>, CommError> {
        // Sends never block here, so send-then-receive cannot deadlock.
        if let Some(to) = to {
            self.send(to, data)?;
        }
        from.map(|from| self.recv(from)).transpose()
    }
}
