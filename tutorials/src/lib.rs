//! The playbook's three notebooks (JAX intro, a NumPy SOM, refined JAX SOMs) retold as Rust
//! binaries. **Not written yet**: this crate holds no tutorial so far. Until then, the `som`
//! command of `burnax-som` trains and draws the playbook's colour map.
#![warn(missing_docs)]
