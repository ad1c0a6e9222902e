//! Arbitrary bodies framed with a valid header and a correct CRC, so that the fuzzer gets past
//! the checksum and into the body decoder: untyped reader and typed loader.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    let file = embednn_fuzz::frame(body);
    embednn_fuzz::check_info(&file);
    embednn_fuzz::check_typed(&file);
});
