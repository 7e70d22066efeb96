//! Medians, ranges and quartiles over repetitions.

use super::Results;

#[derive(Clone, Copy)]
pub(super) struct Stats {
    pub(super) n: usize,
    pub(super) median: f64,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) q1: f64,
    pub(super) q3: f64,
}

pub(super) fn stats(values: &[f64]) -> Option<Stats> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let position = q * (sorted.len() - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
    };
    Some(Stats {
        n: sorted.len(),
        median: quantile(0.5),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        q1: quantile(0.25),
        q3: quantile(0.75),
    })
}

pub(super) fn median(results: &Results, key: &str) -> f64 {
    results
        .get(key)
        .and_then(|values| stats(values))
        .map_or(f64::NAN, |s| s.median)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_give_median_and_quartiles() {
        let s = stats(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.q1, s.q3),
            (3.0, 1.0, 5.0, 2.0, 4.0)
        );
        assert!(stats(&[]).is_none());
    }
}
