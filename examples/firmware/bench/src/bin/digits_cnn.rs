//! Benchmark: the digits CNN (8×8×1 → conv 3×3×16 → pool → conv 3×3×32 → pool → 10), weights from models/digits_cnn.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(digits_cnn);
