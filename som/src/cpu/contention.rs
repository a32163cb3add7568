//! How online training notices a busy machine and steps down to one thread.
//!
//! The threads of a step meet at a barrier, so a step waits for the slowest of them: when
//! another process takes one of the cores, every time slice it takes stalls the others too,
//! and two threads sharing two cores with a busy process ran 2.5x (an Intel VM) to 10x (an AMD
//! one) slower than on a quiet machine (benches/README.md). The split of the map does not change the result, so the run goes in segments of a
//! fixed number of steps and each segment may run on a different thread count.

use std::time::Duration;

/// A thread count for each segment, from how the earlier segments ran.
pub(super) trait ChooseThreads {
    /// The thread count for the next segment.
    fn next(&mut self) -> usize;
    /// How the segment just run went: `steps` steps on `threads` threads took `took`, and a
    /// thread parked `parks` times waiting for another.
    fn record(&mut self, threads: usize, steps: usize, took: Duration, parks: usize);
}

/// Parks in more than one step in this many, on many threads, suggest a busy machine: worth
/// trying a segment on one thread. A quiet machine parks far less (a partner is rarely a whole
/// spin late), and a try that loses costs one segment on one thread.
const PARKS_PER_STEP_TO_TRY_ONE: usize = 16;

/// After a try, the segments before the next one: [`FIRST_WAIT`] after a try that won, twice
/// the last wait (at most [`MAX_WAIT`]) after one that lost, as a losing try is a slow segment.
const FIRST_WAIT: usize = 2;
const MAX_WAIT: usize = 64;

/// The rule online training uses: run on `many` threads; when they park often, time a segment
/// on one thread and keep the faster count; on one thread, try many again now and then, so a
/// machine that became quiet gets its threads back. Tries that lose come ever more rarely
/// ([`FIRST_WAIT`], [`MAX_WAIT`]).
pub(super) struct ThreadChooser {
    many: usize,
    /// The count most segments run on.
    current: usize,
    /// The next segment tries the other count.
    trying: bool,
    /// Time per step of the last segment on `current`.
    current_per_step: Duration,
    /// Segments to go before the next try may come, and the wait this count started from.
    wait_left: usize,
    wait: usize,
}

impl ThreadChooser {
    pub(super) fn new(many: usize) -> Self {
        Self {
            many,
            current: many,
            trying: false,
            current_per_step: Duration::MAX,
            wait_left: 0,
            wait: FIRST_WAIT,
        }
    }

    fn other(&self) -> usize {
        if self.current == 1 {
            self.many
        } else {
            1
        }
    }
}

impl ChooseThreads for ThreadChooser {
    fn next(&mut self) -> usize {
        if self.trying {
            self.other()
        } else {
            self.current
        }
    }

    fn record(&mut self, threads: usize, steps: usize, took: Duration, parks: usize) {
        if self.many == 1 || steps == 0 {
            return;
        }
        let per_step = took / steps as u32;
        if self.trying {
            self.trying = false;
            if per_step < self.current_per_step {
                self.current = threads;
                self.current_per_step = per_step;
                self.wait = FIRST_WAIT;
            } else {
                self.wait = (self.wait * 2).min(MAX_WAIT);
            }
            self.wait_left = self.wait;
            return;
        }
        self.current_per_step = per_step;
        self.wait_left = self.wait_left.saturating_sub(1);
        self.trying = self.wait_left == 0 && (self.current == 1 || parks * PARKS_PER_STEP_TO_TRY_ONE > steps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_millis(1);
    const SLOW: Duration = Duration::from_millis(4);

    /// Runs `segments` segments of 100 steps; `took(threads, i)` times segment `i` and
    /// `parks(threads, i)` its parks; returns the thread counts chosen.
    fn choices(
        segments: usize,
        took: impl Fn(usize, usize) -> Duration,
        parks: impl Fn(usize, usize) -> usize,
    ) -> Vec<usize> {
        let mut chooser = ThreadChooser::new(4);
        (0..segments)
            .map(|i| {
                let threads = chooser.next();
                chooser.record(threads, 100, took(threads, i), parks(threads, i));
                threads
            })
            .collect()
    }

    #[test]
    fn a_quiet_machine_keeps_its_threads() {
        // Few parks: one thread is never tried.
        let got = choices(50, |t, _| if t == 1 { SLOW } else { FAST }, |_, _| 6);
        assert_eq!(got, vec![4; 50]);
    }

    #[test]
    fn many_parks_try_one_thread_and_keep_the_faster() {
        // Parks, but many threads are still faster: one thread is tried after 0, 4, 8, ...
        // segments.
        let got = choices(20, |t, _| if t == 1 { SLOW } else { FAST }, |_, _| 50);
        let tries: Vec<usize> = (0..20).filter(|&i| got[i] == 1).collect();
        assert_eq!(tries, vec![1, 6, 15]);
        // A busy machine: one thread wins, many are tried after 2, 4, 8, ... segments.
        let got = choices(24, |t, _| if t == 1 { FAST } else { SLOW }, |_, _| 50);
        let tries: Vec<usize> = (2..24).filter(|&i| got[i] == 4).collect();
        assert_eq!(&got[..2], &[4, 1]);
        assert_eq!(tries, vec![4, 9, 18]);
    }

    #[test]
    fn a_machine_that_becomes_quiet_gets_its_threads_back() {
        // Busy for the first 10 segments, then quiet.
        let busy = |i: usize| i < 10;
        let got = choices(
            30,
            |t, i| if (t == 1) == busy(i) { FAST } else { SLOW },
            |t, i| if t > 1 && busy(i) { 50 } else { 0 },
        );
        let first_quiet_try = (10..30).find(|&i| got[i] == 4).expect("tries many");
        assert!(got[first_quiet_try..].iter().all(|&t| t == 4), "{got:?}");
    }

    /// Parks in exactly one step in 16 are not yet a busy machine.
    #[test]
    fn the_park_threshold_is_strict() {
        let mut chooser = ThreadChooser::new(4);
        chooser.record(4, 160, FAST, 10);
        assert_eq!(chooser.next(), 4, "10 parks in 160 steps: exactly the threshold");
        chooser.record(4, 160, FAST, 11);
        assert_eq!(chooser.next(), 1, "11 parks in 160 steps");
    }

    /// Counts are compared per step (a short last segment took less time, not less per step),
    /// and a try that only ties keeps the current count.
    #[test]
    fn tries_are_judged_per_step_and_ties_stay() {
        let mut chooser = ThreadChooser::new(4);
        chooser.record(4, 100, Duration::from_millis(4), 50); // 40 us a step, many parks
        assert_eq!(chooser.next(), 1);
        chooser.record(1, 20, Duration::from_millis(1), 0); // 50 us a step, less in all
        assert_eq!(chooser.next(), 4, "one thread was slower a step");
        let mut chooser = ThreadChooser::new(4);
        chooser.record(4, 100, Duration::from_millis(4), 50);
        chooser.record(1, 100, Duration::from_millis(4), 0);
        assert_eq!(chooser.next(), 4, "a tie keeps many");
    }

    #[test]
    fn one_thread_has_nothing_to_choose() {
        let mut chooser = ThreadChooser::new(1);
        for _ in 0..10 {
            assert_eq!(chooser.next(), 1);
            chooser.record(1, 100, FAST, 0);
        }
    }
}
