//! Benchmark: the iris classifier (4 → 16 → 3), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(iris);
