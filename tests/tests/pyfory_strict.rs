//! Evolution against live pyfory 1.7.7 (issue 16 item 4, first part): a plain dataclass
//! (pyfory's default: no field ids, so its TypeDef names the fields) read with an FDL schema
//! (fields identified by tag id) matches no field. By default foryjit reads all defaults, as the
//! peers do, and its evolution report says so; with strict evolution the read fails, naming a
//! field. The same schema with field ids (what fory-compiler generates) reads exactly, strict or
//! not.

use foryjit::{ErrorKind, ForyJit};
use foryjit_tests::peer::{pyfory_defaults_config, PyforyPeer};
use serde_json::json;

const FDL: &str = "package peer.strict;
message Person [id=900] { string name = 1; int32 age = 2; optional string nick = 3; }";

#[test]
fn pyfory_plain_dataclass_against_tag_ids() {
    let value = json!({"name": "Ada", "age": 36, "nick": "ada"});
    let cfg = pyfory_defaults_config();
    let mut peer = PyforyPeer::shared();
    let plain = peer.load_name_keyed(FDL).expect("pyfory loads the plain dataclass").handle;
    let plain_bytes = peer.serialize_in(plain, "peer.strict.Person", &value, &cfg).unwrap();
    let tagged = peer.load(FDL).expect("pyfory loads the generated dataclass").handle;
    let tagged_bytes = peer.serialize_in(tagged, "peer.strict.Person", &value, &cfg).unwrap();
    drop(peer);

    let lenient = ForyJit::default();
    let person = lenient.load_idl(FDL).unwrap().get("peer.strict.Person").unwrap();
    let v = lenient.deserialize(&plain_bytes).unwrap();
    assert_eq!(lenient.to_json(person, &v).unwrap(), json!({"name": "", "age": 0, "nick": null}));
    let report = lenient.evolution_report();
    assert_eq!(report.len(), 1);
    let mut skipped = report[0].skipped.clone();
    skipped.sort();
    assert_eq!(skipped, ["age", "name", "nick"], "pyfory's TypeDef names the fields");
    assert!(report[0].matched.is_empty());
    assert_eq!(report[0].defaulted, ["name", "age", "nick"]);
    assert_eq!(report[0].defaulted_required, ["name", "age"]);

    let strict = ForyJit::builder().strict_evolution(true).build();
    strict.load_idl(FDL).unwrap();
    let err = strict.deserialize(&plain_bytes).unwrap_err();
    let foryjit::Error::Codec(e) = &err else { panic!("{err}") };
    let ErrorKind::StrictEvolution { what, field } = &e.kind else { panic!("{err}") };
    assert_eq!(*what, "skipped writer");
    assert!(
        ["peer.strict.Person.name", "peer.strict.Person.age", "peer.strict.Person.nick"]
            .contains(&field.as_str()),
        "{err}"
    );

    // Field ids on both sides: exact, strict or not.
    for fory in [&lenient, &strict] {
        let v = fory.deserialize(&tagged_bytes).unwrap();
        let person = fory.type_handle("peer.strict.Person").unwrap();
        assert_eq!(fory.to_json(person, &v).unwrap(), value);
    }
    // Strict's report: the plain dataclass's schema (refused) and the generated one (exact).
    let exact: Vec<bool> = strict.evolution_report().iter().map(|e| e.is_exact()).collect();
    assert_eq!(exact, [false, true]);
}

/// pyfory writes an `int64` (a Python `int`); foryjit's schema says `int32`. By default the field
/// silently reads as 0 (the writer's value cannot be narrowed); the report lists it as retyped
/// and strict evolution refuses it, naming the field.
#[test]
fn pyfory_int_into_int32() {
    let writer = "package peer.narrow; message Count [id=901] { int64 n = 1; string label = 2; }";
    let reader = "package peer.narrow; message Count [id=901] { int32 n = 1; string label = 2; }";
    let cfg = pyfory_defaults_config();
    let mut peer = PyforyPeer::shared();
    let h = peer.load(writer).expect("pyfory loads").handle;
    let bytes =
        peer.serialize_in(h, "peer.narrow.Count", &json!({"n": 7, "label": "x"}), &cfg).unwrap();
    drop(peer);
    let lenient = ForyJit::default();
    let ty = lenient.load_idl(reader).unwrap().get("peer.narrow.Count").unwrap();
    let v = lenient.deserialize(&bytes).unwrap();
    assert_eq!(lenient.to_json(ty, &v).unwrap(), json!({"n": 0, "label": "x"}));
    assert_eq!(lenient.evolution_report()[0].retyped, ["n"]);
    let strict = ForyJit::builder().strict_evolution(true).build();
    strict.load_idl(reader).unwrap();
    let err = strict.deserialize(&bytes).unwrap_err();
    assert!(
        err.to_string().contains(
            "strict evolution: retyped (unreadable type) writer field peer.narrow.Count.n"
        ),
        "{err}"
    );
}

/// `[field_ids=false]` / `option field_ids = false;` describe a plain dataclass: foryjit reads
/// pyfory's bytes exactly (strict evolution passes) and writes pyfory's bytes byte for byte.
#[test]
fn pyfory_plain_dataclass_with_field_ids_false() {
    let value = json!({"name": "Ada", "age": 36, "nick": "ada"});
    let cfg = pyfory_defaults_config();
    let mut peer = PyforyPeer::shared();
    let plain = peer.load_name_keyed(FDL).expect("pyfory loads the plain dataclass").handle;
    let py = peer.serialize_in(plain, "peer.strict.Person", &value, &cfg).unwrap();
    let named = [
        FDL.replace("message Person [id=900]", "message Person [id=900, field_ids=false]"),
        FDL.replace("package peer.strict;", "package peer.strict; option field_ids = false;"),
    ];
    for fdl in &named {
        let fory = ForyJit::builder()
            .strict_evolution(true)
            .string_policy(foryjit::StringPolicy::PyforyLike)
            .build();
        let ty = fory.load_idl(fdl).unwrap().get("peer.strict.Person").unwrap();
        let v = fory.deserialize(&py).unwrap();
        assert_eq!(fory.to_json(ty, &v).unwrap(), value, "{fdl}");
        assert!(fory.evolution_report().iter().all(|e| e.is_exact()));
        let ours = fory.serialize(&fory.from_json(ty, &value).unwrap()).unwrap();
        assert_eq!(foryjit_tests::hex(&ours), foryjit_tests::hex(&py), "{fdl}");
        let back = peer.deserialize_in(plain, "peer.strict.Person", &ours, &cfg).unwrap();
        assert_eq!(back, value);
    }
}
