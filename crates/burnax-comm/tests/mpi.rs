//! The MPI communicator against oracles each rank computes alone: run by `cargo test --features
//! mpi` as a job of one, and by `.ci/run` under `mpirun -np 2` and `-np 3`. With
//! `BURNAX_PANIC_RANK=r` set, rank `r` panics before the first collective: the job must end with
//! an error (the panic hook aborts it), not hang.

use burnax_comm::{all_gather, all_reduce, broadcast, recv, send, shift, Communicator, Mpi, Reduce};

mod common;
use common::values;

fn main() {
    let comm = Mpi::init().expect("MPI initializes");
    let (rank, size) = (comm.rank(), comm.size());
    if std::env::var("BURNAX_PANIC_RANK")
        .ok()
        .and_then(|v| v.parse().ok())
        == Some(rank)
    {
        panic!("rank {rank} panics on purpose (BURNAX_PANIC_RANK)");
    }

    // A sum in rank order, bit for bit, on 1 M values (4 MB).
    let n = 1 << 20;
    let mut expected = values(0, n);
    for r in 1..size {
        for (e, v) in expected.iter_mut().zip(values(r, n)) {
            *e += v;
        }
    }
    let got = all_reduce(&comm, &values(rank, n), Reduce::Sum).unwrap();
    assert!(
        got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()),
        "rank {rank}: the sum is not the rank-order fold"
    );
    let max = all_reduce(&comm, &[rank as i64], Reduce::Max).unwrap();
    assert_eq!(max, [size as i64 - 1]);

    // Gather with lengths that differ by rank, broadcast from the last rank.
    let gathered = all_gather(&comm, &vec![rank as u32; rank + 1]).unwrap();
    assert_eq!(
        gathered,
        (0..size).map(|r| vec![r as u32; r + 1]).collect::<Vec<_>>()
    );
    let b = broadcast(&comm, &[rank as f64 + 0.5; 3], size - 1).unwrap();
    assert_eq!(b, [size as f64 - 0.5; 3]);

    // A ring step of 1 MB messages (both directions at once: no deadlock), then a chain.
    let left = (rank + size - 1) % size;
    let ring = shift(
        &comm,
        &vec![rank as u8; 1 << 20],
        Some((rank + 1) % size),
        Some(left),
    )
    .unwrap()
    .unwrap();
    assert!(ring.len() == 1 << 20 && ring.iter().all(|&v| v == left as u8));
    let mut token = if rank == 0 {
        vec![0u64]
    } else {
        recv(&comm, rank - 1).unwrap()
    };
    token.push(rank as u64);
    if rank + 1 < size {
        send(&comm, rank + 1, &token).unwrap();
    } else {
        assert_eq!(
            token,
            (0..size as u64).fold(vec![0], |mut t, r| {
                t.push(r);
                t
            })
        );
    }
    comm.barrier().unwrap();
    if rank == 0 {
        println!("mpi: collectives agree with their oracles on {size} ranks");
    }
}
