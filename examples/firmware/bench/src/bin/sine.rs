//! Benchmark: the sine model (1 → 16 → 16 → 1), weights from models/sine.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(sine);
