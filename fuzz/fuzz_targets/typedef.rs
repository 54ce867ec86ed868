//! Fuzz target `typedef`: see `foryjit_fuzz::targets::typedef`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("typedef", data, foryjit_fuzz::targets::typedef);
});
