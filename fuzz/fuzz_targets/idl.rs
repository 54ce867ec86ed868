//! Fuzz target `idl`: see `foryjit_fuzz::targets::idl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("idl", data, foryjit_fuzz::targets::idl);
});
