//! Benchmark: the MLPerf Tiny keyword-spotting DS-CNN (2,664,768 MACs), random weights and
//! batch-norm statistics folded into the convolutions by the build script.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(ds_cnn);
