//! Fuzz target `deserialize_graph`: see `foryjit_fuzz::targets::deserialize_graph`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    foryjit_fuzz::fuzz("deserialize_graph", data, foryjit_fuzz::targets::deserialize_graph);
});
