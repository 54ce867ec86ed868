//! Evolution that cannot lose data silently (issue 16 item 4, first part): the evolution report
//! of each received writer schema, and strict evolution, which refuses a struct whose writer's
//! TypeDef drops a field or leaves a non-nullable field of ours to its default. Both tiers give
//! the same reports, values and errors, at the root and for nested structs.

use foryjit::{ErrorKind, Evolution, ForyJit, Tier};
use serde_json::json;

const WRITER: &str = "package e;
message Item [id=2] { int32 a = 1; string gone = 2; optional string note = 3; }
message Box [id=3] { list<Item> items = 1; int64 n = 2; }";

/// The reader: `Item` lost `gone` (2) and gained `added` (4, non-nullable) and `maybe` (5).
const READER: &str = "package e;
message Item [id=2] { int32 a = 1; optional string note = 3; int64 added = 4; optional int32 maybe = 5; }
message Box [id=3] { list<Item> items = 1; int64 n = 2; }";

/// A reader that only gained a nullable field: nothing is lost.
const NULLABLE_ONLY: &str = "package e;
message Item [id=2] { int32 a = 1; string gone = 2; optional string note = 3; optional int32 maybe = 5; }
message Box [id=3] { list<Item> items = 1; int64 n = 2; }";

fn written() -> (Vec<u8>, Vec<u8>) {
    let w = ForyJit::default();
    w.load_idl(WRITER).unwrap();
    let item = w.type_handle("e.Item").unwrap();
    let b = w.type_handle("e.Box").unwrap();
    let one = json!({"a": 5, "gone": "g", "note": null});
    let item_bytes = w.serialize(&w.from_json(item, &one).unwrap()).unwrap();
    let box_bytes = w
        .serialize(&w.from_json(b, &json!({"items": [one.clone(), one], "n": 9})).unwrap())
        .unwrap();
    (item_bytes, box_bytes)
}

fn engine(tier: Tier, strict: bool, fdl: &str) -> ForyJit {
    let fory = ForyJit::builder().tier(tier).strict_evolution(strict).build();
    fory.load_idl(fdl).unwrap();
    fory
}

fn report(fory: &ForyJit, ty: &str) -> Evolution {
    fory.evolution_report().into_iter().find(|e| e.type_name == ty).expect("reported")
}

#[test]
fn the_report_names_matched_skipped_and_defaulted_fields() {
    let (item_bytes, box_bytes) = written();
    for &tier in Tier::available() {
        let fory = engine(tier, false, READER);
        assert!(fory.evolution_report().is_empty());
        let v = fory.deserialize(&item_bytes).unwrap();
        let item = fory.type_handle("e.Item").unwrap();
        assert_eq!(
            fory.to_json(item, &v).unwrap(),
            json!({"a": 5, "note": null, "added": 0, "maybe": null}),
            "{tier:?}"
        );
        let ev = report(&fory, "e.Item");
        assert_eq!(ev.matched, ["a", "note"]);
        assert_eq!(ev.skipped, ["#2"]);
        assert_eq!(ev.defaulted, ["added", "maybe"]);
        assert_eq!(ev.defaulted_required, ["added"]);
        assert!(!ev.is_exact());
        assert_eq!(ev.first_loss(), Some(("skipped writer", "e.Item#2".to_string())));
        // The nested case: Box's TypeDef equals ours, every field matched.
        fory.deserialize(&box_bytes).unwrap();
        let ev = report(&fory, "e.Box");
        assert!(ev.is_exact() && ev.matched == ["items", "n"], "{ev:?}");
    }
}

#[test]
fn strict_evolution_refuses_lossy_writers_in_both_tiers() {
    let (item_bytes, box_bytes) = written();
    for &tier in Tier::available() {
        let fory = engine(tier, true, READER);
        for bytes in [&item_bytes, &box_bytes] {
            let err = fory.deserialize(bytes).unwrap_err();
            let foryjit::Error::Codec(e) = &err else { panic!("{err}") };
            assert_eq!(
                e.kind,
                ErrorKind::StrictEvolution { what: "skipped writer", field: "e.Item#2".into() },
                "{tier:?}"
            );
            assert!(err.to_string().contains("strict evolution: skipped writer field e.Item#2"));
        }
        // Only nullable fields gained: strict mode reads (the new field is null).
        let lenient = engine(tier, true, NULLABLE_ONLY);
        let v = lenient.deserialize(&item_bytes).unwrap();
        let item = lenient.type_handle("e.Item").unwrap();
        assert_eq!(
            lenient.to_json(item, &v).unwrap(),
            json!({"a": 5, "gone": "g", "note": null, "maybe": null})
        );
        lenient.deserialize(&box_bytes).unwrap();
        // A defaulted non-nullable field is refused even when nothing is skipped.
        let added = engine(
            tier,
            true,
            "package e; message Item [id=2] { int32 a = 1; string gone = 2; optional string note = 3; int64 added = 4; }",
        );
        let err = added.deserialize(&item_bytes).unwrap_err();
        assert!(
            err.to_string().contains("strict evolution: defaulted non-nullable field e.Item.added"),
            "{err}"
        );
        // The writer's own schema reads in strict mode.
        let same = engine(tier, true, WRITER);
        same.deserialize(&item_bytes).unwrap();
        same.deserialize(&box_bytes).unwrap();
        assert!(same.evolution_report().iter().all(Evolution::is_exact));
    }
}

#[test]
fn a_lossy_narrowing_is_reported_and_refused() {
    let w = ForyJit::default();
    let p = w.load_idl("package n; message P [id=5] { int64 big = 1; int32 small = 2; }").unwrap();
    let bytes = w
        .serialize(
            &w.from_json(p.get("n.P").unwrap(), &json!({"big": 5_000_000_000i64, "small": 3}))
                .unwrap(),
        )
        .unwrap();
    // The reader narrowed `big` to int32 and widened `small` to int64 (widening reads).
    let reader = "package n; message P [id=5] { int32 big = 1; int64 small = 2; }";
    for &tier in Tier::available() {
        let fory = engine(tier, false, reader);
        let v = fory.deserialize(&bytes).unwrap();
        let ty = fory.type_handle("n.P").unwrap();
        assert_eq!(fory.to_json(ty, &v).unwrap(), json!({"big": 0, "small": 3}));
        let ev = report(&fory, "n.P");
        assert_eq!(
            (ev.matched.as_slice(), ev.retyped.as_slice()),
            (&["small".to_string()][..], &["big".to_string()][..])
        );
        assert!(ev.skipped.is_empty());
        assert_eq!(ev.defaulted, ["big"]);
        let strict = engine(tier, true, reader);
        let err = strict.deserialize(&bytes).unwrap_err();
        assert!(
            err.to_string()
                .contains("strict evolution: retyped (unreadable type) writer field n.P.big"),
            "{tier:?}: {err}"
        );
    }
}
