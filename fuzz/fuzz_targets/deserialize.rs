//! Fuzz target `deserialize`: see `foryjit_fuzz::targets::deserialize`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("deserialize", data, foryjit_fuzz::targets::deserialize);
});
