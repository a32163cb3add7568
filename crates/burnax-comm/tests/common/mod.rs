//! What the communicator tests share.

/// Rank `rank`'s `n` values: mixed magnitudes, so that the order of a float sum shows in its
/// bits.
pub fn values(rank: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = ((rank * 7919 + i * 104_729) % 1000) as f32 / 997.0;
            if (i + rank) % 3 == 0 {
                x * 1e7
            } else {
                x - 0.5
            }
        })
        .collect()
}
