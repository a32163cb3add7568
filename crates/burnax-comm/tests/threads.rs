//! The thread communicator against one-thread oracles: reductions bit for bit, failures as
//! errors and never hangs.

use std::time::{Duration, Instant};

use burnax_comm::{
    all_gather, all_reduce, broadcast, recv, send, shift, CommError, Communicator, Reduce, Threads,
};

mod common;
use common::values;

#[test]
fn sum_max_min_fold_in_rank_order_bit_for_bit() {
    for size in 1..=4 {
        let n = 257;
        for op in [Reduce::Sum, Reduce::Max, Reduce::Min] {
            // The oracle: one thread folding rank 0, 1, ... left to right.
            let mut expected = values(0, n);
            for r in 1..size {
                for (e, v) in expected.iter_mut().zip(values(r, n)) {
                    *e = match op {
                        Reduce::Sum => *e + v,
                        Reduce::Max => e.max(v),
                        Reduce::Min => e.min(v),
                    };
                }
            }
            let got = Threads::run(size, |c| all_reduce(&c, &values(c.rank(), n), op).unwrap());
            for (rank, g) in got.iter().enumerate() {
                let same = g.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(
                    same,
                    "{op:?} over {size} ranks, rank {rank}: not the rank-order fold"
                );
            }
        }
    }
}

#[test]
fn a_float_sum_is_the_rank_order_fold_not_another_order() {
    // 1e8 + 1 - 1e8 is 0 in f32 left to right, 1 in another order: the order is observable.
    let xs = [1e8f32, 1.0, -1e8];
    let got = Threads::run(3, |c| all_reduce(&c, &[xs[c.rank()]], Reduce::Sum).unwrap());
    assert!(got.iter().all(|g| g == &[0.0]), "{got:?}");
}

#[test]
fn max_and_min_propagate_nan() {
    let got = Threads::run(3, |c| {
        let x = [[1.0f64, f64::NAN, 3.0][c.rank()]];
        (
            all_reduce(&c, &x, Reduce::Max).unwrap(),
            all_reduce(&c, &x, Reduce::Min).unwrap(),
        )
    });
    assert!(got.iter().all(|(mx, mn)| mx[0].is_nan() && mn[0].is_nan()));
}

#[test]
fn gather_broadcast_and_ring_shift() {
    for size in 1..=4 {
        let got = Threads::run(size, |c| {
            let r = c.rank();
            let gathered = all_gather(&c, &[r as u64; 2]).unwrap();
            let root = size - 1;
            let b = broadcast(&c, &[r as i32 * 10], root).unwrap();
            // A ring step: everyone sends right and receives from the left.
            let left = (r + size - 1) % size;
            let ring = shift(&c, &[r as u16], Some((r + 1) % size), Some(left))
                .unwrap()
                .unwrap();
            (gathered, b, ring, left)
        });
        for (gathered, b, ring, left) in got {
            assert_eq!(gathered, (0..size as u64).map(|r| vec![r; 2]).collect::<Vec<_>>());
            assert_eq!(b, [(size as i32 - 1) * 10]);
            assert_eq!(ring, [left as u16]);
        }
    }
}

#[test]
fn messages_between_two_ranks_arrive_in_order() {
    let got = Threads::run(2, |c| {
        if c.rank() == 0 {
            for i in 0..5u32 {
                send(&c, 1, &[i]).unwrap();
            }
            Vec::new()
        } else {
            (0..5).map(|_| recv::<u32, _>(&c, 0).unwrap()[0]).collect()
        }
    });
    assert_eq!(got[1], [0, 1, 2, 3, 4]);
}

#[test]
fn a_failed_rank_fails_its_peers_with_its_reason() {
    let got = Threads::run(3, |c| {
        if c.rank() == 1 {
            c.fail("out of data on line 7");
            return None;
        }
        Some(all_reduce(&c, &[1.0f32], Reduce::Sum).unwrap_err())
    });
    for e in got.into_iter().flatten() {
        assert_eq!(
            e,
            CommError::PeerFailed {
                rank: 1,
                reason: "out of data on line 7".into()
            }
        );
    }
}

#[test]
fn a_rank_that_returns_early_is_an_error_not_a_hang() {
    let start = Instant::now();
    let got = Threads::run(2, |c| {
        if c.rank() == 0 {
            return None; // dropped without joining
        }
        Some(c.barrier().unwrap_err())
    });
    assert_eq!(
        got[1],
        Some(CommError::PeerExited {
            rank: 0,
            op: "all_gather"
        })
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "noticed late: {:?}",
        start.elapsed()
    );
}

#[test]
fn different_operations_at_one_point_are_a_mismatch() {
    let got = Threads::run(2, |c| {
        if c.rank() == 0 {
            c.broadcast(&[1], 0).map(|_| ())
        } else {
            c.all_gather(&[2]).map(|_| ())
        }
    });
    assert!(
        matches!(&got[1], Err(CommError::Mismatch { op: "all_gather", detail }) if detail.contains("`broadcast`")),
        "{got:?}"
    );
}

#[test]
fn a_peer_that_never_joins_times_out() {
    let timeout = Duration::from_millis(200);
    let got = std::thread::scope(|s| {
        let mut world = Threads::world_with_timeout(2, timeout).into_iter();
        let (a, b) = (world.next().unwrap(), world.next().unwrap());
        let waiting = s.spawn(move || a.barrier());
        let result = waiting.join().unwrap();
        drop(b); // rank 1 was alive (busy) the whole time
        result
    });
    assert_eq!(
        got,
        Err(CommError::Timeout {
            op: "all_gather",
            rank: 0,
            from: 1,
            after: timeout
        })
    );
}

#[test]
fn ranks_out_of_range_and_uneven_lengths_are_errors() {
    let got = Threads::run(2, |c| {
        let far = c.send(5, &[]).unwrap_err();
        let uneven = all_reduce(&c, &vec![1.0f32; 1 + c.rank()], Reduce::Sum).unwrap_err();
        (far, uneven)
    });
    for (far, uneven) in got {
        assert!(matches!(far, CommError::Mismatch { op: "send", ref detail } if detail.contains("rank 5")));
        assert!(matches!(uneven, CommError::Mismatch { op: "all_reduce", .. }));
    }
}

#[test]
fn channels_keep_their_messages_apart_and_share_failures() {
    let got = Threads::run(2, |c| {
        let (a, b) = (c.channel(1).unwrap(), c.channel(2).unwrap());
        // Rank 1 sends on channel 1, then 2; rank 0 reads channel 2 first and still gets 2.
        let got = if c.rank() == 1 {
            send(&*a, 0, &[1u32]).unwrap();
            send(&*b, 0, &[2u32]).unwrap();
            Vec::new()
        } else {
            let second = recv::<u32, _>(&*b, 1).unwrap();
            [second, recv::<u32, _>(&*a, 1).unwrap()].concat()
        };
        let on_b = all_reduce(&*b, &[10u32], Reduce::Sum).unwrap();
        drop((a, b)); // dropping a channel finishes nothing
        let world = all_reduce(&c, &[100u32], Reduce::Sum).unwrap();
        (got, on_b, world)
    });
    assert_eq!(got[0], (vec![2, 1], vec![20], vec![200]));
    assert_eq!(got[1], (vec![], vec![20], vec![200]));
    let failed = Threads::run(2, |c| {
        if c.rank() == 0 {
            c.fail("gone");
            return None;
        }
        Some(c.channel(7).unwrap().barrier().unwrap_err())
    });
    assert!(matches!(&failed[1], Some(CommError::PeerFailed { rank: 0, .. })));
}
