//! Fuzz target `roundtrip`: see `foryjit_fuzz::targets::roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("roundtrip", data, foryjit_fuzz::targets::roundtrip);
});
