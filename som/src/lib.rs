pub mod cpu;
pub mod error;
pub mod grid;
pub mod reference;
pub mod schedule;
pub use error::SomError;
pub use grid::Grid;
pub use schedule::{BatchTrainingConfig, OnlineTrainingConfig};
