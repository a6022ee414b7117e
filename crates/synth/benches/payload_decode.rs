//! Times decoding every stored payload of the default authority (about 725,000 events): the
//! store's reading (`payload::decode_slice`, which reads the `type` tag from the front of the
//! bytes and the fields in one pass) against serde's own reading of the internally tagged
//! `EventKind` (which buffers each object first). Both decode the same bytes in the same
//! process, alternately, `DECODE_RUNS` times each (default 5); the ratio of the medians is the
//! figure in `docs/performance.md`. Run with `cargo bench -p stepwise-synth --bench payload_decode`.

use std::time::Instant;

use chrono::NaiveDate;
use stepwise_domain::events::EventKind;
use stepwise_domain::payload;
use stepwise_synth::{SynthConfig, generate};

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let runs: usize = std::env::var("DECODE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let a = generate(&SynthConfig::new(today)).unwrap_or_else(|e| fail(e));
    let stored: Vec<(i64, String)> = a
        .events
        .iter()
        .map(|e| {
            payload::encode(&e.kind)
                .map(|(v, json)| (i64::from(v), json))
                .unwrap_or_else(|e| fail(e))
        })
        .collect();
    let bytes: usize = stored.iter().map(|(_, j)| j.len()).sum();
    println!(
        "{} payloads, {:.1} MB of JSON",
        stored.len(),
        bytes as f64 / 1e6
    );
    let (mut ours, mut serde) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let mut n = 0usize;
        for (v, json) in &stored {
            let k = payload::decode_slice(*v, json.as_bytes()).unwrap_or_else(|e| fail(e));
            n += usize::from(matches!(k, EventKind::Visit { .. }));
        }
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut m = 0usize;
        for (_, json) in &stored {
            let k: EventKind = serde_json::from_slice(json.as_bytes()).unwrap_or_else(|e| fail(e));
            m += usize::from(matches!(k, EventKind::Visit { .. }));
        }
        serde.push(t.elapsed().as_secs_f64());
        assert_eq!(n, m);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (o, s) = (median(&mut ours), median(&mut serde));
    println!("payload::decode_slice        median {:.0} ms", o * 1e3);
    println!("serde_json, internally tagged median {:.0} ms", s * 1e3);
    println!("ratio: {:.2}x faster", s / o);
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}
