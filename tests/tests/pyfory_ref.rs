//! pyfory with reference tracking on (`ref=True`), in both modes: every flag combination of
//! `ref` × `compatible` exchanges payloads with foryjit.
//!
//! For every message type of a few schemas and generated values (fixed seed):
//! 1. pyfory (`ref=True`) writes → foryjit reads with the tree API → the input JSON;
//! 2. foryjit reads the same bytes as a `Graph` (every `00` a node) and writes the graph back →
//!    **pyfory's exact bytes** (`StringPolicy::PyforyLike`);
//! 3. foryjit (tree, no sharing to track) writes → pyfory (`ref=True`) reads → the input.
//!
//! Cyclic graphs are covered by the pyfory-written golden vectors (`golden.rs`: `*_ref` cases)
//! and `crates/runtime/tests/graphs.rs`; canonical JSON cannot describe a cycle.

use foryjit::{ForyJit, SchemaDesc, StringPolicy};
use foryjit_tests::gen::Generator;
use foryjit_tests::hex;
use foryjit_tests::peer::{deserialize_request, hex_of, serialize_request, value_of, PyforyPeer};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

const SCHEMAS: &[(&str, &str)] = &[
    ("nested.fdl", include_str!("../schemas/nested.fdl")),
    ("collections.fdl", include_str!("../schemas/collections.fdl")),
    ("misc.fdl", include_str!("../schemas/misc.fdl")),
];
const CASES_PER_TYPE: usize = 6;

/// Types whose graph bytes may differ from pyfory's, and why. For these, check 2 requires that
/// pyfory reads foryjit's graph bytes back to the written value instead.
const BYTES_MAY_DIFFER: &[(&str, &str)] = &[
    (
        "peer.misc.MoreNullables",
        "pyfory marks some all-null lists (`list<optional date>`, ...) ref-tracked (header bit 0); \
         no element is a reference, so the graph keeps nothing that says so",
    ),
    (
        "peer.coll.NullableMaps",
        "compatible mode: fory-compiler drops `optional` on map values, so pyfory's TypeDef has \
         the value's nullable bit clear where the FDL (and foryjit) set it",
    ),
];

fn run(compatible: bool) {
    let cfg = json!({"xlang": true, "ref": true, "compatible": compatible});
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for (file, fdl) in SCHEMAS {
        let desc = SchemaDesc::from_idl(fdl).unwrap_or_else(|e| panic!("{file}: {e}"));
        let gen = Generator::new(&desc);
        let fory = ForyJit::builder()
            .compatible(compatible)
            .track_ref(true)
            .string_policy(StringPolicy::PyforyLike)
            .build();
        fory.register_schema(desc.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut rng = StdRng::seed_from_u64(0x0ef0_2026);
        let mut cases = Vec::new();
        for ty in gen.messages() {
            for k in 0..CASES_PER_TYPE {
                let v = if k < 2 { gen.edge(ty, k, &mut rng) } else { gen.random(ty, &mut rng) };
                if let Some(v) = v {
                    cases.push((ty.to_owned(), v));
                }
            }
        }
        let mut peer = PyforyPeer::shared();
        let handle = peer.load(fdl).unwrap_or_else(|e| panic!("{file}: pyfory load: {e}")).handle;
        let reqs =
            cases.iter().map(|(ty, v)| serialize_request(Some(handle), ty, v, &cfg)).collect();
        let written = peer.batch(reqs).unwrap_or_else(|e| panic!("{file}: pyfory: {e}"));
        let mut ours = Vec::new();
        let mut graph_bytes = Vec::new();
        for ((ty, v), w) in cases.iter().zip(written) {
            let label = format!("{file} {ty} (compatible={compatible})");
            let bytes = match w.and_then(|r| hex_of(&r)) {
                Ok(b) => b,
                // A value pyfory itself cannot write (e.g. a null it refuses) is not ours to test.
                Err(e) if e.contains("rror") => continue,
                Err(e) => panic!("{label}: {e}"),
            };
            checked += 1;
            let h = fory.type_handle(ty).expect("registered");
            // 1. Tree read.
            match fory.deserialize(&bytes).and_then(|x| fory.to_json(h, &x)) {
                Ok(got) => {
                    if let Err(d) = gen.compare(ty, v, &got) {
                        failures.push(format!("{label} (1) {d}\n  bytes {}", hex(&bytes)));
                    }
                }
                Err(e) => failures.push(format!("{label} (1) {e}\n  bytes {}", hex(&bytes))),
            }
            // 2. Graph read and write: pyfory's exact bytes.
            match fory.deserialize_graph(&bytes).and_then(|g| fory.serialize_graph(&g)) {
                Ok(again) if again == bytes => {}
                Ok(again) if BYTES_MAY_DIFFER.iter().any(|(t, _)| t == ty) => {
                    graph_bytes.push((ty.clone(), v.clone(), again));
                }
                Ok(again) => failures.push(format!(
                    "{label} (2) graph bytes differ\n  pyfory  {}\n  foryjit {}",
                    hex(&bytes),
                    hex(&again)
                )),
                Err(e) => failures.push(format!("{label} (2) {e}\n  bytes {}", hex(&bytes))),
            }
            // 3. foryjit writes, pyfory (ref=True) reads.
            let value = fory.from_json(h, v).expect("from_json");
            ours.push((ty.clone(), v.clone(), fory.serialize(&value).expect("serialize")));
        }
        let reqs =
            ours.iter().map(|(ty, _, b)| deserialize_request(Some(handle), ty, b, &cfg)).collect();
        let answers = peer.batch(reqs).unwrap_or_else(|e| panic!("{file}: pyfory: {e}"));
        for ((ty, v, b), a) in ours.iter().zip(answers) {
            match a.and_then(|r| value_of(&r)) {
                Ok(got) => {
                    if let Err(d) = gen.compare(ty, v, &got) {
                        failures.push(format!("{file} {ty} (3) {d}\n  bytes {}", hex(b)));
                    }
                }
                Err(e) => failures.push(format!("{file} {ty} (3) pyfory: {e}\n  bytes {}", hex(b))),
            }
        }
    }
    assert!(checked > 50, "too few cases: {checked}");
    assert!(
        failures.is_empty(),
        "{} of {checked} ref=True cases failed (compatible={compatible}):\n{}",
        failures.len(),
        failures.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn pyfory_ref_true_same_schema() {
    run(false);
}

#[test]
fn pyfory_ref_true_compatible() {
    run(true);
}
