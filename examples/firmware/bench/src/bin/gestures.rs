//! Benchmark: the gesture 1-D CNN (64×3 → conv 5×16 → pool → conv 5×32 → pool → global average → 6), weights from models/gestures.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

firmware_bench::bench!(gestures);
