//! The NCCL communicator: on a machine with a CUDA device and `libnccl.so`, world size 1 against
//! the thread communicator's results (the same rank-order folds); elsewhere, `Nccl::new` must
//! return a clear error, not panic or hang. `BURNAX_EXPECT_NCCL=1` requires the first.

use burnax_comm::{all_gather, all_reduce, broadcast, shift, CommError, Communicator, Nccl, Reduce, Threads};

fn main() {
    let expect = std::env::var("BURNAX_EXPECT_NCCL").is_ok_and(|v| v == "1");
    let bootstrap = Threads::world(1).pop().expect("one rank");
    let nccl = match Nccl::new(&bootstrap, 0) {
        Ok(nccl) => nccl,
        Err(CommError::Transport {
            transport: "nccl",
            detail,
        }) if !expect => {
            assert!(
                detail.contains("libnccl") || detail.contains("CUDA"),
                "unclear error: {detail}"
            );
            println!("nccl: not available here, and Nccl::new says so: {detail}");
            return;
        }
        Err(e) => panic!("Nccl::new failed: {e}"),
    };
    assert_eq!((nccl.rank(), nccl.size(), nccl.transport()), (0, 1, "nccl"));
    let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 1e3).collect();
    let sum = all_reduce(&nccl, &x, Reduce::Sum).unwrap();
    assert_eq!(sum, all_reduce(&bootstrap, &x, Reduce::Sum).unwrap());
    assert_eq!(all_gather(&nccl, &[7u64, 8]).unwrap(), [vec![7, 8]]);
    assert_eq!(all_gather::<u8, _>(&nccl, &[]).unwrap(), [Vec::<u8>::new()]);
    assert_eq!(broadcast(&nccl, &[1.5f64, 2.5], 0).unwrap(), [1.5, 2.5]);
    // A message to itself: NCCL's send and receive in one group.
    assert_eq!(
        shift(&nccl, &[3u32, 4, 5], Some(0), Some(0)).unwrap(),
        Some(vec![3, 4, 5])
    );
    nccl.barrier().unwrap();
    assert!(matches!(nccl.broadcast(&[], 1), Err(CommError::Mismatch { .. })));
    println!("nccl: collectives agree with the thread communicator on 1 rank");
}
