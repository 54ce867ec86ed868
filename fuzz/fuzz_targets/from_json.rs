//! Fuzz target `from_json`: see `foryjit_fuzz::targets::from_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("from_json", data, foryjit_fuzz::targets::from_json);
});
