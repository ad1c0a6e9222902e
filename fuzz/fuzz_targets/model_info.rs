//! The untyped reader (`ModelInfo::parse`, as `embednn-cli info` uses it) on raw bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| embednn_fuzz::check_info(bytes));
