//! Fuzz target `meta_share`: see `foryjit_fuzz::targets::meta_share`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("meta_share", data, foryjit_fuzz::targets::meta_share);
});
