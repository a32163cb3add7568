//! `pmap` with one rank per MPI process against the same `pmap` on threads in each process
//! (the oracle: the collectives fold in rank order on both transports), bit for bit: the
//! reductions, a gather, a ring, and a data-parallel gradient step.

use std::sync::Arc;

use burn::backend::Flex;
use burn::prelude::*;
use burnax::pmap::{Communicator, Mpi};
use burnax::tree::Leaf;
use burnax::{all_gather, axis_index, axis_size, grad, pmap, pmean, ppermute, psum, random, Function};

mod linear;
use linear::Loss;

type B = Flex;

/// The collectives of one step, and the data-parallel gradient of a linear model's loss.
struct Step;
impl Function for Step {
    type In = (Leaf<1>, Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<2>, Leaf<1>, Leaf<1>);
    fn call<B2: Backend>(
        &self,
        (w, x, y): (Tensor<B2, 1>, Tensor<B2, 2>, Tensor<B2, 1>),
    ) -> (Tensor<B2, 1>, Tensor<B2, 2>, Tensor<B2, 1>, Tensor<B2, 1>) {
        let n = axis_size("dp");
        let ring: Vec<(usize, usize)> = (0..n).map(|r| (r, (r + 1) % n)).collect();
        let g = grad(Loss).call((w, x, y.clone())).0;
        let tagged = y.clone().add_scalar(axis_index("dp") as f64);
        (
            psum(tagged, "dp"),
            all_gather(y.clone(), "dp"),
            ppermute(y, "dp", &ring),
            pmean(g, "dp"),
        )
    }
}

fn bits<const D: usize>(t: Tensor<B, D>) -> Vec<u32> {
    t.into_data().iter::<f32>().map(f32::to_bits).collect()
}

fn main() {
    let comm = Mpi::init().expect("MPI initializes");
    let (rank, size) = (comm.rank(), comm.size());
    let comm: Arc<dyn Communicator> = Arc::new(comm);
    let d = Default::default();
    // Every process makes the whole job's data from the same keys and keeps its slice.
    let (rows, features) = (8, 5);
    let w = random::normal::<B, 1>(random::key(1), [features], &d);
    let x = random::normal::<B, 3>(random::key(2), [size, rows, features], &d).mul_scalar(1e3);
    let y = random::normal::<B, 2>(random::key(3), [size, rows], &d);
    let f = || pmap(Step).axis_name("dp").in_axes((None, 0, 0));
    let threads = f().call((w.clone(), x.clone(), y.clone()));
    let mpi = f()
        .communicator(comm)
        .call((w, x.narrow(0, rank, 1), y.narrow(0, rank, 1)));
    assert_eq!(
        bits(mpi.0),
        bits(threads.0.narrow(0, rank, 1)),
        "psum on rank {rank}"
    );
    assert_eq!(
        bits(mpi.1),
        bits(threads.1.narrow(0, rank, 1)),
        "all_gather on rank {rank}"
    );
    assert_eq!(
        bits(mpi.2),
        bits(threads.2.narrow(0, rank, 1)),
        "ppermute on rank {rank}"
    );
    assert_eq!(
        bits(mpi.3),
        bits(threads.3.narrow(0, rank, 1)),
        "pmean of gradients on rank {rank}"
    );
    if rank == 0 {
        println!("pmap over mpi: equal to pmap over threads, bit for bit, on {size} ranks");
    }
}
