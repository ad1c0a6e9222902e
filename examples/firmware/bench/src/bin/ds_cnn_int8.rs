//! Benchmark: the MLPerf Tiny keyword-spotting DS-CNN in int8 (the `ds_cnn` model's random
//! weights, batch norms folded, quantized by the build script), weights in flash, integer-only
//! inference.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench_int8!(ds_cnn_int8);
