//! Data-parallel batch training on the thread communicator against one process training on
//! all the rows: the weights bit for bit after every epoch for 1 to 5 ranks (including an empty
//! shard), and the pieces it rests on (shards of a file, the fingerprint, `sample` init, the
//! agreement on errors, a failed peer).

use std::path::Path;

use burn::backend::Flex;
use burn::prelude::*;
use burnax_comm::Communicator;
use burnax_som::distributed::{self, agree, fingerprint as fingerprint_of, shard, Threads};
use burnax_som::io::{npy_bytes, parse_csv, read_matrix, read_matrix_rows, Matrix};
use burnax_som::model::fingerprint;
use burnax_som::normalize::{Normalization, Normalize};
use burnax_som::{BatchTrainingConfig, Init, Som, SomConfig, SomError};
use burnax_testing::Tolerance;

type B = Flex;

/// Data whose per-unit sums depend on the order of addition: clusters of mixed magnitudes.
fn data(n: usize, d: usize) -> Matrix {
    let values = (0..n * d)
        .map(|i| {
            let (row, col) = (i / d, i % d);
            let centre = ((row * 7) % 5) as f32 * 10f32.powi((col % 3) as i32);
            centre + ((i * 2_654_435_761) % 1000) as f32 / 997.0
        })
        .collect();
    Matrix {
        rows: n,
        cols: d,
        values,
    }
}

fn tensor(m: &Matrix) -> Tensor<B, 2> {
    Tensor::from_data(
        TensorData::new(m.values.clone(), [m.rows, m.cols]),
        &Default::default(),
    )
}

fn rows(m: &Matrix, r: std::ops::Range<usize>) -> Tensor<B, 2> {
    let sub = Matrix {
        rows: r.len(),
        cols: m.cols,
        values: m.values[r.start * m.cols..r.end * m.cols].to_vec(),
    };
    tensor(&sub)
}

fn bits(w: &[f32]) -> Vec<u32> {
    w.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn distributed_batch_training_is_one_process_bit_for_bit() {
    let m = data(203, 4);
    let config = SomConfig::new(7, 5, 4).with_seed(3).with_init(Init::Sample);
    let cfg = BatchTrainingConfig::new(6);
    // One process, every epoch's weights and QE.
    let mut one = config.init_with_data(&tensor(&m)).unwrap();
    let mut want = Vec::new();
    one.train_batch_with(&tensor(&m), &cfg, 0..cfg.epochs, &[1], |som, p| {
        want.push((bits(&som.weights_host()), p.quantization_error.unwrap().to_bits()));
        Ok(())
    })
    .unwrap();
    for ranks in 1..=5 {
        let got = Threads::run(ranks, |comm| {
            let mine = shard(m.rows, comm.rank(), ranks);
            let x = rows(&m, mine.clone());
            let mut som = config.init_with_shard(&comm, &x, mine.start, m.rows).unwrap();
            let mut epochs = Vec::new();
            som.train_batch_distributed(&comm, &x, m.rows, &cfg, 0..cfg.epochs, |som, p| {
                epochs.push((bits(&som.weights_host()), p.quantization_error.unwrap().to_bits()));
                Ok(())
            })
            .unwrap();
            epochs
        });
        for (rank, epochs) in got.iter().enumerate() {
            for (e, (g, w)) in epochs.iter().zip(&want).enumerate() {
                assert!(
                    g.0 == w.0,
                    "{ranks} ranks, rank {rank}, epoch {e}: weights differ from one process"
                );
                assert_eq!(g.1, w.1, "{ranks} ranks, rank {rank}, epoch {e}: QE differs");
            }
        }
    }
}

#[test]
fn more_ranks_than_rows_and_resuming_midway() {
    let m = data(3, 2);
    let config = SomConfig::new(2, 2, 2).with_seed(1);
    let cfg = BatchTrainingConfig::new(4);
    let mut one = config.init_with_data(&tensor(&m)).unwrap();
    one.train_batch(&tensor(&m), &cfg).unwrap();
    let got = Threads::run(5, |comm| {
        let mine = shard(m.rows, comm.rank(), 5);
        let x = rows(&m, mine.clone());
        let mut som: Som<B> = config.init_with_shard(&comm, &x, mine.start, m.rows).unwrap();
        // Two epochs, then the other two (as after --resume).
        som.train_batch_distributed(&comm, &x, m.rows, &cfg, 0..2, |_, _| Ok(()))
            .unwrap();
        som.train_batch_distributed(&comm, &x, m.rows, &cfg, 2..4, |_, _| Ok(()))
            .unwrap();
        let errors = som.errors_distributed(&comm, &x, m.rows).unwrap();
        (bits(&som.weights_host()), errors)
    });
    let (qe, te) = (
        one.quantization_error(&tensor(&m)),
        one.topographic_error(&tensor(&m)),
    );
    for (w, (q, t)) in got {
        assert_eq!(w, bits(&one.weights_host()));
        assert!(
            Tolerance::F64_REORDERED.accepts(q, qe) && Tolerance::F64_REORDERED.accepts(t, te),
            "{q} vs {qe}, {t} vs {te}"
        );
    }
}

#[test]
fn shards_cover_the_rows_in_order() {
    for n in [0, 1, 7, 100] {
        for ranks in 1..=6 {
            let parts: Vec<_> = (0..ranks).map(|r| shard(n, r, ranks)).collect();
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts[ranks - 1].end, n);
            assert!(parts.windows(2).all(|p| p[0].end == p[1].start));
            assert!(parts
                .iter()
                .all(|p| p.len() >= n / ranks && p.len() <= n / ranks + 1));
        }
    }
}

/// The normalisation fitted over shards is the one fitted on all the rows, to the bit, for 1 to
/// 5 ranks (more ranks than rows included: a rank with no rows passes the sums on).
#[test]
fn a_normalization_fitted_over_ranks_is_one_process_bit_for_bit() {
    // Columns of magnitudes 1 to 100: sums that depend on the order of addition.
    let m = data(203, 3);
    for method in [Normalize::ZScore, Normalize::MinMax, Normalize::None] {
        let want = Normalization::fit(method, &m.values, m.cols);
        for (rows, ranks) in [(203, 1), (203, 2), (203, 3), (203, 5), (3, 5)] {
            let values = &m.values[..rows * m.cols];
            let want = if rows == m.rows {
                want.clone()
            } else {
                Normalization::fit(method, values, m.cols)
            };
            let got = Threads::run(ranks, |comm| {
                let r = shard(rows, comm.rank(), ranks);
                let mine = &values[r.start * m.cols..r.end * m.cols];
                distributed::fit_normalization(&comm, method, mine, m.cols)
                    .unwrap()
                    .1
            });
            assert!(
                got.iter().all(|g| *g == want),
                "{method:?}, {rows} rows over {ranks} ranks: {got:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn shards_of_a_file_are_its_rows_and_the_fingerprint_is_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let m = data(11, 3);
    let csv: String = std::iter::once("a,b,c\n\n".to_string())
        .chain(
            m.values
                .chunks(3)
                .map(|r| format!("{},{},{}\n\n", r[0], r[1], r[2])),
        )
        .collect();
    let (csv_path, npy_path) = (dir.path().join("d.csv"), dir.path().join("d.npy"));
    std::fs::write(&csv_path, csv).unwrap();
    std::fs::write(&npy_path, npy_bytes(m.rows, m.cols, &m.values)).unwrap();
    for path in [&csv_path, &npy_path] {
        let whole = read_matrix(path).unwrap();
        for ranks in [1, 2, 3, 4] {
            let got = Threads::run(ranks, |comm| {
                let s = read_matrix_rows(path, |n| shard(n, comm.rank(), ranks)).unwrap();
                assert_eq!(
                    (s.total, s.first),
                    (m.rows, shard(m.rows, comm.rank(), ranks).start)
                );
                let fp = fingerprint_of(&comm, s.total, s.matrix.cols, &s.matrix.values).unwrap();
                (s.matrix.values, fp)
            });
            let values: Vec<f32> = got.iter().flat_map(|g| g.0.clone()).collect();
            assert_eq!(
                bits(&values),
                bits(&whole.values),
                "{} over {ranks}",
                path.display()
            );
            assert!(got.iter().all(|g| g.1 == fingerprint(m.rows, m.cols, &m.values)));
        }
    }
}

#[test]
fn the_agreed_error_is_the_one_a_single_read_meets_first() {
    // Line 4 is ragged, line 9 not a number: rows 2 and 6 of 0..8.
    let text = "1,2\n3,4\n5,6\n7\n9,10\n11,12\n13,14\n15,16\n17,x\n";
    let path = Path::new("d.csv");
    let single = parse_csv(path, text).unwrap_err().to_string();
    for ranks in 1..=4 {
        let got = Threads::run(ranks, |comm| {
            let s = burnax_som::io::parse_csv_rows(path, text, |n| shard(n, comm.rank(), ranks));
            agree(&comm, s.map(|_| ()).map_err(|e| e.to_string()))
                .unwrap_err()
                .to_string()
        });
        assert!(
            got.iter().all(|g| g == &single),
            "{ranks} ranks: {got:?}, one read: {single}"
        );
    }
}

#[test]
fn a_failed_peer_is_an_error_on_the_others() {
    let m = data(20, 2);
    let config = SomConfig::new(3, 3, 2);
    let cfg = BatchTrainingConfig::new(3);
    let got = Threads::run(3, |comm| {
        let mine = shard(m.rows, comm.rank(), 3);
        let x = rows(&m, mine.clone());
        let mut som: Som<B> = config.init_with_shard(&comm, &x, mine.start, m.rows).unwrap();
        if comm.rank() == 1 {
            comm.fail("disk full");
            return None;
        }
        Some(
            som.train_batch_distributed(&comm, &x, m.rows, &cfg, 0..3, |_, _| Ok(()))
                .unwrap_err(),
        )
    });
    for e in got.into_iter().flatten() {
        assert!(
            matches!(&e, SomError::Distributed(m) if m.contains("rank 1 failed: disk full")),
            "{e}"
        );
    }
}
