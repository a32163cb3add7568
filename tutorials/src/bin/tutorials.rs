//! The table of contents: where a newcomer starts (the container's default command).

fn main() {
    println!(
        "burnax tutorials: NVIDIA's \"JAX on DGX Spark\" playbook, retold in Rust

  01-intro           arrays and immutable updates, timing on a device, PRNG keys, grad
  02-som-reference   the NumPy SOM notebook: a self-organizing map built the slow, clear way
  03-som-burnax      the refined SOM notebook: direct port, one batched step, fused kernels, a film

Run one (add -- --quick for tiny sizes, --device cpu|wgpu|cuda where built, --out DIR for pictures):

  cargo run --release -p tutorials --bin 01-intro
  cargo run --release -p tutorials --bin 02-som-reference
  cargo run --release -p tutorials --bin 03-som-burnax

Start with 01-intro if JAX is new to you, with 02-som-reference if SOMs are."
    );
}
