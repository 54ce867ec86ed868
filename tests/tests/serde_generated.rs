//! serde round trips on generated values (issue 16 item 2): for every message of the peer test
//! schemas, edge-case and seeded random values go
//!
//! * through `Serialize` of a `ValueView` — equal to `to_json` (`serde_json::to_value`);
//! * from JSON text through `ValueSeed` — the same Fory bytes as `from_json`;
//! * through MessagePack (`rmp-serde`) both ways — the same Fory bytes again;
//!
//! in both tiers and both modes. Seed: `FORYJIT_SEED` (a fixed default otherwise), printed on
//! failure.

use foryjit::{ForyJit, SchemaDesc, StringPolicy, Tier};
use foryjit_tests::gen::Generator;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::de::DeserializeSeed;

const SCHEMAS: [(&str, &str); 5] = [
    ("scalars.fdl", include_str!("../schemas/scalars.fdl")),
    ("collections.fdl", include_str!("../schemas/collections.fdl")),
    ("enums.fdl", include_str!("../schemas/enums.fdl")),
    ("nested.fdl", include_str!("../schemas/nested.fdl")),
    ("misc.fdl", include_str!("../schemas/misc.fdl")),
];

#[test]
fn serde_round_trips_give_the_same_fory_bytes() {
    let seed = foryjit_tests::seed_from_env(0x5e4d_6e4e);
    let mut cases = 0usize;
    for (file, fdl) in SCHEMAS {
        let desc = SchemaDesc::from_idl(fdl).unwrap_or_else(|e| panic!("{file}: {e}"));
        let gen = Generator::new(&desc);
        let engines: Vec<ForyJit> = [Tier::Interpreter, Tier::Compiled]
            .into_iter()
            .flat_map(|t| {
                [true, false].map(|c| {
                    let f = ForyJit::builder()
                        .tier(t)
                        .compatible(c)
                        .string_policy(StringPolicy::Utf8)
                        .build();
                    f.load_idl(fdl).unwrap_or_else(|e| panic!("{file}: {e}"));
                    f
                })
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(seed);
        for name in gen.messages() {
            let mut docs: Vec<_> =
                (0..gen.edge_count()).filter_map(|k| gen.edge(name, k, &mut rng)).collect();
            docs.extend((0..8).filter_map(|_| gen.random(name, &mut rng)));
            for f in &engines {
                let ty = f.type_handle(name).unwrap();
                for (i, doc) in docs.iter().enumerate() {
                    let ctx = format!(
                        "{file} {name} doc #{i} ({:?}, {:?}; FORYJIT_SEED={seed:#x})",
                        f.tier(),
                        f.mode()
                    );
                    let Ok(value) = f.from_json(ty, doc) else { continue };
                    let expected = f.serialize(&value).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    let view = f.view(&value);
                    assert_eq!(
                        serde_json::to_value(&view).unwrap(),
                        f.to_json(ty, &value).unwrap(),
                        "{ctx}: Serialize"
                    );
                    let text = doc.to_string();
                    let from_text = f
                        .value_seed(ty)
                        .deserialize(&mut serde_json::Deserializer::from_str(&text))
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert_eq!(f.serialize(&from_text).unwrap(), expected, "{ctx}: JSON text");
                    let packed = rmp_serde::to_vec(&view).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    let from_pack = f
                        .value_seed(ty)
                        .deserialize(&mut rmp_serde::Deserializer::new(&packed[..]))
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert_eq!(f.serialize(&from_pack).unwrap(), expected, "{ctx}: MessagePack");
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 1000, "only {cases} cases ran");
    println!("serde round trips: {cases} values (FORYJIT_SEED={seed:#x})");
}
