//! Random draws for the generator: seeding independent streams from the one configured seed,
//! and the handful of distributions the journeys use (weighted choice, piecewise quantiles,
//! exponential and log-normal durations). Everything runs on ChaCha8, so output depends only on
//! the seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mixes two numbers into one well-spread 64-bit value (SplitMix64 finaliser).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_add(b.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x6A09_E667_F3BC_C909);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent stream for one purpose (`tag`) and one subject (`a`, `b`).
pub fn stream(seed: u64, tag: u64, a: u64, b: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(mix(seed, tag), a), b))
}

/// The draws the generator needs, on any random number generator.
pub trait Draw: Rng {
    /// A uniform number in [0, 1).
    fn unit(&mut self) -> f64 {
        self.r#gen::<f64>()
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// A whole number from `lo` to `hi` inclusive (`lo` when the range is empty).
    fn int(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            lo
        } else {
            self.gen_range(lo..=hi)
        }
    }
    /// One of the items, chosen with the given weights.
    fn pick<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let total: f64 = items.iter().map(|(_, w)| *w).sum();
        let mut x = self.unit() * total;
        for (t, w) in items {
            if x < *w {
                return *t;
            }
            x -= *w;
        }
        items[items.len() - 1].0
    }
    /// One of the items, uniformly.
    fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.gen_range(0..items.len())]
    }
    /// A draw from a piecewise-linear inverse distribution function given as (probability,
    /// value) points, the first at probability 0 and the last at 1.
    fn quantile(&mut self, points: &[(f64, f64)]) -> f64 {
        let u = self.unit();
        for w in points.windows(2) {
            let (p0, v0) = w[0];
            let (p1, v1) = w[1];
            if u <= p1 {
                let f = if p1 > p0 { (u - p0) / (p1 - p0) } else { 0.0 };
                return v0 + f * (v1 - v0);
            }
        }
        points[points.len() - 1].1
    }
    /// An exponential waiting time with the given mean, in (fractional) days.
    fn exponential(&mut self, mean: f64) -> f64 {
        let u = self.unit();
        -mean * (1.0 - u).ln()
    }
    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// A log-normal draw with the given median and shape.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

impl<R: Rng + ?Sized> Draw for R {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, 2, 3, 4).r#gen();
        let b: u64 = stream(1, 2, 3, 4).r#gen();
        let c: u64 = stream(1, 2, 3, 5).r#gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn quantiles_hit_their_points() {
        let mut r = stream(7, 0, 0, 0);
        let pts = [(0.0, 0.0), (0.5, 10.0), (1.0, 20.0)];
        let n = 20_000;
        let below = (0..n).filter(|_| r.quantile(&pts) <= 10.0).count();
        let share = below as f64 / n as f64;
        assert!((share - 0.5).abs() < 0.02, "{share}");
    }

    #[test]
    fn weighted_choice_follows_weights() {
        let mut r = stream(9, 0, 0, 0);
        let n = 20_000;
        let a = (0..n)
            .filter(|_| r.pick(&[("a", 3.0), ("b", 1.0)]) == "a")
            .count();
        let share = a as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }
}
