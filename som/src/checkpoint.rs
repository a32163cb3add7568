//! A training run that saves itself to a model file as it goes: what `som train
//! --checkpoint-every K` runs, and what resumes a run that was stopped or killed.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burn::tensor::TensorData;
//! use burnax_som::checkpoint::CheckpointedRun;
//! use burnax_som::model::{fingerprint, ModelFile, Schedule};
//! use burnax_som::{io, BatchTrainingConfig, SomConfig, SomError};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let colours = io::demo_colors(3);
//! let x = Tensor::<Flex, 2>::from_data(TensorData::new(colours.values.clone(), [1000, 3]), &Default::default());
//! let config = SomConfig::new(9, 7, 3).with_seed(3);
//! let mut som = config.init_with_data(&x).unwrap();
//! let run = CheckpointedRun {
//!     config: config.clone(),
//!     schedule: Schedule::Batch(BatchTrainingConfig::new(6)),
//!     data_fingerprint: fingerprint(1000, 3, &colours.values),
//!     every: Some(2),
//!     out: dir.path().join("m.som"),
//!     features: Some(vec!["r".into(), "g".into(), "b".into()]),
//!     normalization: None,
//! };
//! // Stop after the checkpoint at epoch 4, as a kill would.
//! let stop = |_: &_, p: burnax_som::Progress| if p.done == 4 { Err(SomError::Data("stop".into())) } else { Ok(()) };
//! assert!(run.train(&mut som, &x, 0, stop).is_err());
//! let saved = ModelFile::load(&run.out).unwrap();
//! assert_eq!(saved.training.unwrap().done, 4);
//! ```

use std::path::PathBuf;

use burn::prelude::*;

use crate::backend::SomBackend;
use crate::error::SomError;
use crate::model::{ModelFile, Schedule, TrainingState};
use crate::normalize::Normalization;
use crate::som::{Order, Progress, Som, SomConfig};

/// About how many times a batch run reports progress ([`CheckpointedRun::train`]).
const BATCH_STOPS: usize = 20;

/// A training run and where it saves itself. The model file written after epoch (or step) `k`
/// holds the weights, `config`, `schedule` and `k`: [`CheckpointedRun::train`] from it with
/// `done = k` ends with the same weights, bit for bit, as a run never stopped.
#[derive(Clone, Debug)]
pub struct CheckpointedRun {
    /// The map's config, saved with every checkpoint.
    pub config: SomConfig,
    /// The whole schedule, batch or online.
    pub schedule: Schedule,
    /// [`crate::model::fingerprint`] of the training data: a resume checks it.
    pub data_fingerprint: String,
    /// Save a checkpoint after every this many epochs (batch) or steps (online); `None`: only
    /// the finished model.
    pub every: Option<usize>,
    /// The model file, rewritten atomically at every checkpoint and at the end.
    pub out: PathBuf,
    /// The features' names, saved with every checkpoint.
    pub features: Option<Vec<String>>,
    /// How the training data was rescaled, saved with every checkpoint.
    pub normalization: Option<Normalization>,
}

impl CheckpointedRun {
    /// Trains `som` on `data` from epoch or step `done` to the end of the schedule, saving a
    /// checkpoint every `self.every` epochs or steps and the finished model at the end. After
    /// each block of epochs (batch: every twentieth of the run) or chunk of steps (online:
    /// every hundredth of the run), and at every checkpoint, once any checkpoint due is
    /// written, calls `on_progress`: an error from it stops the run there, with that checkpoint
    /// on disk. Weights that stop being finite stop the run with an error before they are
    /// written.
    ///
    /// # Errors
    /// [`SomError::Config`] if `every` is 0 or `done` is past the schedule; as
    /// [`Som::train_batch_with`] and [`Som::train_online_with`]; the errors of writing the file;
    /// whatever `on_progress` returns.
    pub fn train<B: SomBackend>(
        &self,
        som: &mut Som<B>,
        data: &Tensor<B, 2>,
        done: usize,
        mut on_progress: impl FnMut(&Som<B>, Progress) -> Result<(), SomError>,
    ) -> Result<(), SomError> {
        let (every, total) = self.check(done)?;
        let mut step = |som: &Som<B>, p: Progress| -> Result<(), SomError> {
            if p.done % every == 0 && p.done < p.total {
                self.save(som, p.done)?;
            }
            on_progress(som, p)
        };
        match &self.schedule {
            // Progress about 20 times per run (each stop reads the weights' check back; between
            // stops a GPU enqueues the epochs with nothing read back), checkpoints exactly on
            // multiples of `every`.
            Schedule::Batch(c) => {
                let progress = total.div_ceil(BATCH_STOPS);
                som.train_batch_with(data, c, done..total, &[progress, every], &mut step)?
            }
            Schedule::Online(c) => {
                // Progress about 100 times per run, and checkpoints exactly on multiples of
                // `every`: at most 100 + total / every stops, however the two divide.
                let progress = total.div_ceil(100);
                let order = Order::Shuffled(self.config.seed);
                som.train_online_with(data, c, order, done..total, &[progress, every], &mut step)?
            }
        }
        self.save(som, total)
    }

    /// [`CheckpointedRun::train`] of a batch schedule over every rank's shard of the data
    /// ([`Som::train_batch_distributed`], `total` rows in all): the same weights, bit for bit,
    /// and the same files, which rank 0 alone writes.
    ///
    /// # Errors
    /// As [`CheckpointedRun::train`]; [`SomError::Config`] for an online schedule (one sequence
    /// of steps, which does not split over ranks); a communication error.
    pub fn train_distributed<B: SomBackend>(
        &self,
        comm: &dyn burnax_comm::Communicator,
        som: &mut Som<B>,
        shard: &Tensor<B, 2>,
        total_rows: usize,
        done: usize,
        mut on_progress: impl FnMut(&Som<B>, Progress) -> Result<(), SomError>,
    ) -> Result<(), SomError> {
        let Schedule::Batch(c) = &self.schedule else {
            return Err(SomError::config(
                "online training is one sequence of steps and does not split over ranks: use batch mode",
            ));
        };
        let (every, total) = self.check(done)?;
        let writer = comm.rank() == 0;
        let mut step = |som: &Som<B>, p: Progress| -> Result<(), SomError> {
            if writer && p.done % every == 0 && p.done < p.total {
                self.save(som, p.done)?;
            }
            on_progress(som, p)
        };
        som.train_batch_distributed(comm, shard, total_rows, c, done..total, &mut step)?;
        if writer {
            self.save(som, total)?;
        }
        Ok(())
    }

    /// The checkpoint interval (`usize::MAX` for none) and the schedule's length, after checking
    /// `every` and `done`.
    fn check(&self, done: usize) -> Result<(usize, usize), SomError> {
        if self.every == Some(0) {
            return Err(SomError::Config(
                "checkpoint every must be at least 1, got 0".into(),
            ));
        }
        let total = self.schedule.total();
        if done > total {
            return Err(SomError::Config(format!(
                "{done} epochs or steps done is past the schedule's {total}"
            )));
        }
        Ok((self.every.unwrap_or(usize::MAX), total))
    }

    /// Writes `som` to `self.out` with `done` epochs or steps of the schedule behind it.
    ///
    /// # Errors
    /// Those of [`ModelFile::save`].
    pub fn save<B: SomBackend>(&self, som: &Som<B>, done: usize) -> Result<(), SomError> {
        ModelFile {
            config: self.config.clone(),
            weights: som.weights_host(),
            training: Some(TrainingState {
                schedule: self.schedule.clone(),
                done,
                data_fingerprint: self.data_fingerprint.clone(),
            }),
            features: self.features.clone(),
            normalization: self.normalization.clone(),
        }
        .save(&self.out)
    }
}
