//! Benchmark: the digits classifier (64 → 64 → 10), weights from models/digits.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(digits);
