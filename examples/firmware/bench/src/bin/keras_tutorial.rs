//! Benchmark: the Keras tutorial model (2 → 10 → 1), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(keras_tutorial);
