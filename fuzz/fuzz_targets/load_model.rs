//! The typed loader (`ModelFile::<M>::load_into`) for every example model type, on raw bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| embednn_fuzz::check_typed(bytes));
