//! The barrier online training's threads meet at once per step.
//!
//! A step takes microseconds, so a barrier that sleeps at once (`std::sync::Barrier`: a mutex
//! and a condition variable) would cost more than the step. One that only spins is as bad the
//! other way on a busy machine: a thread whose partner was descheduled burns the core that
//! partner needs, and a run slows tenfold. This one spins for a short while, then parks on a
//! futex (`atomic-wait`), and the last thread to arrive wakes the parked ones, making the system
//! call only when a thread is parked.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a thread spins before it parks: several steps of a small map, so a partner that
/// is only a little behind is met without a system call, and short next to a scheduler's time
/// slice (milliseconds), so a descheduled partner gets the core back soon.
const SPIN: Duration = Duration::from_micros(50);

/// A reusable barrier for a fixed set of `threads` threads.
pub(super) struct Barrier {
    threads: usize,
    arrived: AtomicUsize,
    /// Counts the barrier's openings (wrapping): a thread waits until it changes.
    generation: AtomicU32,
    /// Threads parked, or about to park, on `generation`.
    parked: AtomicUsize,
    /// Parks so far, all threads together.
    parks: AtomicUsize,
}

impl Barrier {
    pub(super) fn new(threads: usize) -> Self {
        Self {
            threads,
            arrived: AtomicUsize::new(0),
            generation: AtomicU32::new(0),
            parked: AtomicUsize::new(0),
            parks: AtomicUsize::new(0),
        }
    }

    /// How often a thread has parked: how often a partner was later than a spin.
    pub(super) fn parks(&self) -> usize {
        self.parks.load(Ordering::Relaxed)
    }

    /// Blocks until all `threads` threads have called `wait` since the barrier last opened.
    /// What a thread wrote before its `wait` is visible to every thread after theirs.
    pub(super) fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.arrived.store(0, Ordering::Relaxed);
            // SeqCst on this increment and on the `parked` accesses below: either a parking
            // thread sees the new generation, or this thread sees it parked and wakes it.
            self.generation.fetch_add(1, Ordering::SeqCst);
            if self.parked.load(Ordering::SeqCst) > 0 {
                atomic_wait::wake_all(&self.generation);
            }
            return;
        }
        let start = Instant::now();
        loop {
            // Read the clock once every 64 spins: it costs more than a spin.
            for _ in 0..64 {
                if self.generation.load(Ordering::Acquire) != generation {
                    return;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN {
                break;
            }
        }
        self.parks.fetch_add(1, Ordering::Relaxed);
        self.parked.fetch_add(1, Ordering::SeqCst);
        // `wait` returns at once if the value already changed, and may return spuriously.
        while self.generation.load(Ordering::SeqCst) == generation {
            atomic_wait::wait(&self.generation, generation);
        }
        self.parked.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Every thread sees every other thread's write of a round after the round's barrier, over
    /// rounds where one thread is always late enough to make the others park.
    #[test]
    fn every_write_before_the_barrier_is_seen_after_it() {
        for threads in [2usize, 3, 5] {
            let barrier = Barrier::new(threads);
            let slots: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
            std::thread::scope(|s| {
                for i in 0..threads {
                    let (barrier, slots) = (&barrier, &slots);
                    s.spawn(move || {
                        for round in 1..=200u64 {
                            if i == round as usize % threads && round % 10 == 0 {
                                // Later than SPIN: the others park and must be woken.
                                std::thread::sleep(SPIN * 4);
                            }
                            slots[i].store(round, Ordering::Relaxed);
                            barrier.wait();
                            for (j, slot) in slots.iter().enumerate() {
                                assert_eq!(
                                    slot.load(Ordering::Relaxed),
                                    round,
                                    "thread {i} reads thread {j}'s slot in round {round}"
                                );
                            }
                            // Nobody writes round + 1 before everyone has read round.
                            barrier.wait();
                        }
                    });
                }
            });
            // In the 20 late rounds every other thread outwaited its spin and parked.
            assert!(
                barrier.parks() >= 20 * (threads - 1),
                "{threads} threads: {} parks",
                barrier.parks()
            );
        }
    }
}
