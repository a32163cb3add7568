pub mod backend;
pub mod cpu;
pub mod error;
pub mod grid;
pub mod init;
pub mod io;
pub mod model;
pub mod reference;
pub mod render;
pub mod schedule;
pub mod som;
pub mod tensor_ops;

pub use backend::SomBackend;
pub use error::SomError;
pub use grid::Grid;
pub use init::Init;
pub use schedule::{BatchTrainingConfig, OnlineTrainingConfig};
pub use som::{example_order, Progress, Som, SomConfig};
