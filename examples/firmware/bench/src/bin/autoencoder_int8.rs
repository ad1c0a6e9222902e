//! Benchmark: the MLPerf Tiny anomaly-detection autoencoder in int8 (the `autoencoder` model's
//! random weights quantized by the build script), weights in flash, integer-only inference.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench_int8!(autoencoder_int8);
