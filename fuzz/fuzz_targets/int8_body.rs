//! Arbitrary int8 bodies framed with a valid version-3 header and a correct CRC, so that the
//! fuzzer gets past the checksum and into the int8 parameter reader: untyped reader and typed
//! loaders.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    let file = embednn_fuzz::frame_int8(body);
    embednn_fuzz::check_info(&file);
    embednn_fuzz::check_typed(&file);
});
