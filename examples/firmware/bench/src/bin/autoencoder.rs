//! Benchmark: the MLPerf Tiny anomaly-detection autoencoder shapes (264,192 MACs), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(autoencoder);
