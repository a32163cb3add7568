# The tutorials with CUDA, for DGX Spark (GB10: ARM64, CUDA 13, unified memory).
#
#   docker build -t burnax-spark .
#   docker run --rm -it --gpus=all -v "$PWD/tutorial-output:/burnax/tutorial-output" burnax-spark
#   docker run --rm -it --gpus=all burnax-spark ./target/release/03-som-burnax --device cuda
#
# Not buildable on the project's own machines (no Docker engine); .github/workflows/container.yml
# builds it on GitHub's ARM64 runners.
FROM nvcr.io/nvidia/cuda:13.0.0-devel-ubuntu24.04

ARG RUST_VERSION=1.95.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl build-essential pkg-config \
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain "${RUST_VERSION}"

WORKDIR /burnax
COPY . .
RUN cargo build --release -p tutorials -p burnax-som-cli --features tutorials/cuda,burnax-som-cli/cuda --bins

CMD ["./target/release/tutorials"]
