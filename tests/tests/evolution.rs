//! Schema evolution in compatible mode, against pyfory 1.7.7 and across foryjit engines.
//!
//! Two versions of the same messages (same package, type ids and type names) are paired:
//!
//! * `tests/schemas/evolution/v1.fdl` ⇄ `v2.fdl`: types registered by id, fields keyed by tag id.
//!   Fields are added (scalars, a nested message, list and map fields, an enum) and removed, the
//!   declaration order changes, one field goes optional → required and one required → optional,
//!   and the nested `Address` and the outer `Envelope` evolve too.
//! * `named_v1.fdl` ⇄ `named_v2.fdl`: types registered by name with **name-keyed** fields (the
//!   tag ids are dropped on both sides: the pyfory peer's `"field_ids": false`, and
//!   `FieldDesc::tag = None` for foryjit), fields added, removed and reordered.
//!
//! Both sides use compatible mode with their defaults: pyfory `{"xlang": true}` (`compatible=None`
//! → True) and `ForyJit::builder()` (compatible by default), strings `PyforyLike`.
//!
//! For every pair (A, B), in both orders, and every message type of A, for the generator's edge
//! cases and seeded random values of A (`FORYJIT_SEED` picks another seed):
//!
//! 0. foryjit (A) writes the same bytes as pyfory (A) (the TypeDefs match byte for byte);
//! 1. pyfory (A) writes → foryjit (B) reads;
//! 2. foryjit (A) writes → pyfory (B) reads;
//! 3. foryjit (A) writes → another foryjit engine (B) reads;
//! 4. pyfory (A) writes → pyfory (B) reads (pins the reference behaviour of check 2).
//!
//! The expected value is the A value *projected* onto B ([`project`]): fields both versions have
//! keep the written value, fields only A has are dropped, and fields only B has get the reader's
//! default. The readers' defaults (asserted; found by experiment for pyfory):
//!
//! | B's field | foryjit | pyfory |
//! |---|---|---|
//! | `optional T`, message | null | null |
//! | bool, numbers | `false`, `0` | same |
//! | string, bytes | `""` | same |
//! | list, map | empty | same |
//! | enum | the **first declared** member | same |
//!
//! A field written as null (A optional) and read as required (B) gets the same default.
//!
//! A version change of a container's *element* flags (`list<T>` ⇄ `list<optional T>`,
//! `map<K, V>` ⇄ `map<K, optional V>`) keeps the elements: see `element_flag_changes_keep_the_data`.
//! A field whose integer type widens (`int32` → `int64`, same tag) reads the written value in
//! both readers; see `integers_widen_like_pyfory`.
//! The readers read many payloads each, so their TypeDef caches are exercised throughout; the
//! `typedef_cache_*` tests interleave versions on one engine explicitly, and the `literal_*`
//! tests spell whole expected values out by hand.

use foryjit::schema::TypeDesc;
use foryjit::{FieldDesc, FieldType, ForyJit, MessageDesc, SchemaDesc, StringPolicy};
use foryjit_tests::gen::Generator;
use foryjit_tests::hex;
use foryjit_tests::peer::{
    deserialize_request, hex_of, pyfory_defaults_config, serialize_request, value_of, PyforyPeer,
};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::time::Instant;

const FIXED_SEED: u64 = 0x0e70_2026_0b0e;
const RANDOM_CASES: usize = 30;

/// One version of an evolution schema.
struct Version {
    label: &'static str,
    fdl: &'static str,
    /// Fields identified by name: tag ids dropped on both sides.
    name_keyed: bool,
}

const V1: Version =
    Version { label: "v1", fdl: include_str!("../schemas/evolution/v1.fdl"), name_keyed: false };
const V2: Version =
    Version { label: "v2", fdl: include_str!("../schemas/evolution/v2.fdl"), name_keyed: false };
const NAMED_V1: Version = Version {
    label: "named_v1",
    fdl: include_str!("../schemas/evolution/named_v1.fdl"),
    name_keyed: true,
};
const NAMED_V2: Version = Version {
    label: "named_v2",
    fdl: include_str!("../schemas/evolution/named_v2.fdl"),
    name_keyed: true,
};

fn seed() -> u64 {
    foryjit_tests::seed_from_env(FIXED_SEED)
}

/// The schema of a version as foryjit registers it.
fn desc(v: &Version) -> SchemaDesc {
    let mut d = SchemaDesc::from_idl(v.fdl)
        .unwrap_or_else(|e| panic!("{}: foryjit cannot parse: {e}", v.label));
    if v.name_keyed {
        for t in &mut d.types {
            if let TypeDesc::Message(m) = t {
                for f in &mut m.fields {
                    f.tag = None;
                }
            }
        }
    }
    d
}

/// A foryjit engine with the default (compatible) mode and pyfory's string encodings.
fn engine(v: &Version) -> ForyJit {
    let fory = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    assert_eq!(fory.mode(), foryjit::Mode::Compatible, "the builder's default mode");
    fory.register_schema(desc(v)).unwrap_or_else(|e| panic!("{}: foryjit rejects: {e}", v.label));
    fory
}

/// The peer's handle for a version.
fn load(peer: &mut PyforyPeer, v: &Version) -> u64 {
    let loaded = if v.name_keyed { peer.load_name_keyed(v.fdl) } else { peer.load(v.fdl) };
    loaded.unwrap_or_else(|e| panic!("{}: pyfory peer cannot load: {e}", v.label)).handle
}

fn write(fory: &ForyJit, ty: &str, json: &Json) -> Result<Vec<u8>, String> {
    let h = fory.type_handle(ty).ok_or_else(|| format!("no type {ty}"))?;
    let v = fory.from_json(h, json).map_err(|e| format!("from_json: {e}"))?;
    fory.serialize(&v).map_err(|e| format!("serialize: {e}"))
}

fn read(fory: &ForyJit, ty: &str, bytes: &[u8]) -> Result<Json, String> {
    let h = fory.type_handle(ty).ok_or_else(|| format!("no type {ty}"))?;
    let v = fory.deserialize(bytes).map_err(|e| format!("deserialize: {e}"))?;
    fory.to_json(h, &v).map_err(|e| format!("to_json: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The expected value: A's value projected onto B
// ---------------------------------------------------------------------------------------------

/// Whose defaults fill the fields only the reader's version has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    ForyJit,
    Pyfory,
}

fn message<'d>(d: &'d SchemaDesc, name: &str) -> Option<&'d MessageDesc> {
    d.types.iter().find_map(|t| match t {
        TypeDesc::Message(m) if m.full_name == name => Some(m),
        _ => None,
    })
}

fn is_message(d: &SchemaDesc, ty: &FieldType) -> bool {
    matches!(ty, FieldType::Named(n) if message(d, n).is_some())
}

/// `nickName` → `nick_name` (how both sides name a field in a TypeDef).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The same field in two versions: by tag id, or by snake_case name when name-keyed.
fn same_field(a: &FieldDesc, b: &FieldDesc) -> bool {
    match (a.tag, b.tag) {
        (Some(x), Some(y)) => x == y,
        (None, None) => snake(&a.name) == snake(&b.name),
        _ => false,
    }
}

/// The value a reader of version `b` should produce for message `ty` written as `v` by version
/// `a`.
fn project(a: &SchemaDesc, b: &SchemaDesc, ty: &str, v: &Json, reader: Reader) -> Json {
    if v.is_null() {
        return Json::Null;
    }
    let ma = message(a, ty).unwrap_or_else(|| panic!("{ty} is not a message of the writer"));
    let mb = message(b, ty).unwrap_or_else(|| panic!("{ty} is not a message of the reader"));
    let mut out = serde_json::Map::new();
    for fb in &mb.fields {
        let value = match ma.fields.iter().find(|fa| same_field(fa, fb)) {
            None => default(b, fb, reader),
            Some(fa) => match v.get(&fa.name) {
                None | Some(Json::Null) => {
                    if fb.nullable || is_message(b, &fb.ty) {
                        Json::Null
                    } else {
                        // written as null (A optional), read as required
                        default(b, fb, reader)
                    }
                }
                Some(x) => convert(a, b, &fb.ty, x, reader),
            },
        };
        out.insert(fb.name.clone(), value);
    }
    Json::Object(out)
}

/// A value both versions have, of B's type `ty`: messages inside are projected.
fn convert(a: &SchemaDesc, b: &SchemaDesc, ty: &FieldType, x: &Json, reader: Reader) -> Json {
    match ty {
        FieldType::Named(n) if message(b, n).is_some() => project(a, b, n, x, reader),
        FieldType::List(e) | FieldType::Set(e) if is_message(b, &e.ty) => {
            let FieldType::Named(n) = &e.ty else { unreachable!("checked by is_message") };
            Json::Array(
                x.as_array()
                    .expect("a list is a JSON array")
                    .iter()
                    .map(|el| project(a, b, n, el, reader))
                    .collect(),
            )
        }
        FieldType::Map(k, v) if is_message(b, &v.ty) => {
            let FieldType::Named(n) = &v.ty else { unreachable!("checked by is_message") };
            assert_eq!(k.ty, FieldType::String, "only string-keyed maps of messages are used");
            Json::Object(
                x.as_object()
                    .expect("a string-keyed map is a JSON object")
                    .iter()
                    .map(|(key, val)| (key.clone(), project(a, b, n, val, reader)))
                    .collect(),
            )
        }
        _ => x.clone(),
    }
}

/// The reader's default for a field its writer did not send.
fn default(b: &SchemaDesc, f: &FieldDesc, reader: Reader) -> Json {
    if f.nullable {
        return Json::Null;
    }
    match &f.ty {
        FieldType::Bool => json!(false),
        FieldType::Int8
        | FieldType::Int16
        | FieldType::Int32(_)
        | FieldType::Int64(_)
        | FieldType::UInt8
        | FieldType::UInt16
        | FieldType::UInt32(_)
        | FieldType::UInt64(_) => json!(0),
        FieldType::Float16 | FieldType::BFloat16 | FieldType::Float32 | FieldType::Float64 => {
            json!(0.0)
        }
        FieldType::String | FieldType::Binary => json!(""),
        FieldType::List(_) | FieldType::Set(_) | FieldType::Array(_) => json!([]),
        FieldType::Map(k, _) if k.ty == FieldType::String => json!({}),
        FieldType::Map(..) => json!([]),
        FieldType::Named(n) => {
            if message(b, n).is_some() {
                return Json::Null;
            }
            let e = b
                .types
                .iter()
                .find_map(|t| match t {
                    TypeDesc::Enum(e) if &e.full_name == n => Some(e),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no type {n}"));
            // Both readers take the first declared member.
            let _ = reader;
            json!(e.members.first().expect("an enum has members").name)
        }
        other => panic!("no default written down for {other:?} (not used by the schemas)"),
    }
}

/// The object keys of `expected` and `actual` are the same everywhere (`Generator::compare`
/// reads a missing key as null).
fn same_keys(e: &Json, a: &Json, path: &str) -> Result<(), String> {
    match (e, a) {
        (Json::Object(eo), Json::Object(ao)) => {
            let ek: BTreeSet<&String> = eo.keys().collect();
            let ak: BTreeSet<&String> = ao.keys().collect();
            if ek != ak {
                return Err(format!("at {path}: keys {ak:?}, expected {ek:?}"));
            }
            eo.iter().try_for_each(|(k, ev)| same_keys(ev, &ao[k], &format!("{path}.{k}")))
        }
        (Json::Array(ea), Json::Array(aa)) => ea
            .iter()
            .zip(aa)
            .enumerate()
            .try_for_each(|(i, (ev, av))| same_keys(ev, av, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

fn check_value(gen_b: &Generator, ty: &str, expected: &Json, actual: &Json) -> Result<(), String> {
    gen_b.compare(ty, expected, actual)?;
    same_keys(expected, actual, "")
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

struct Case {
    ty: String,
    label: String,
    json: Json,
}

/// Runs checks 0–4 for A's values read as B; returns (cases, failures).
fn check_pair(a: &Version, b: &Version) -> (usize, Vec<String>) {
    let start = Instant::now();
    let (da, db) = (desc(a), desc(b));
    let (gen_a, gen_b) = (Generator::new(&da), Generator::new(&db));
    let (jit_a, jit_b, jit_b2) = (engine(a), engine(b), engine(b));
    let cfg = pyfory_defaults_config();
    let seed = seed();

    let mut cases = Vec::new();
    for ty in gen_a.messages() {
        assert!(message(&db, ty).is_some(), "{ty} of {} is missing from {}", a.label, b.label);
        for k in 0..gen_a.edge_count() {
            let mut rng = StdRng::seed_from_u64(FIXED_SEED ^ k as u64);
            let json = gen_a.edge(ty, k, &mut rng).expect("a message");
            cases.push(Case { ty: ty.to_owned(), label: format!("edge #{k}"), json });
        }
        // FNV-1a of the type name: one random stream per type.
        let salt = ty.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = StdRng::seed_from_u64(seed ^ salt);
        for i in 0..RANDOM_CASES {
            let json = gen_a.random(ty, &mut rng).expect("a message");
            cases.push(Case { ty: ty.to_owned(), label: format!("random #{i}"), json });
        }
    }

    let mut peer = PyforyPeer::shared();
    let (ha, hb) = (load(&mut peer, a), load(&mut peer, b));
    let reqs = cases.iter().map(|c| serialize_request(Some(ha), &c.ty, &c.json, &cfg)).collect();
    let py_bytes: Vec<Result<Vec<u8>, String>> = peer
        .batch(reqs)
        .unwrap_or_else(|e| panic!("pyfory peer failed: {e}"))
        .into_iter()
        .map(|r| r.and_then(|resp| hex_of(&resp)))
        .collect();
    drop(peer);

    let mut failures = Vec::new();
    let mut to_peer: Vec<(usize, &'static str, Vec<u8>)> = Vec::new();
    for (i, (c, pb)) in cases.iter().zip(&py_bytes).enumerate() {
        let tag = format!("{}→{} {} {}", a.label, b.label, c.ty, c.label);
        let for_jit = project(&da, &db, &c.ty, &c.json, Reader::ForyJit);
        let mine = write(&jit_a, &c.ty, &c.json);
        let pb = match pb {
            Ok(pb) => pb,
            Err(e) => {
                failures.push(format!("[{tag}] pyfory (A) cannot write: {e}\n  value {}", c.json));
                continue;
            }
        };
        // 0. same version, same bytes
        match &mine {
            Ok(mb) if mb != pb => failures.push(format!(
                "[{tag}] (0) foryjit (A) bytes differ from pyfory (A)\n  pyfory  {}\n  foryjit {}",
                hex(pb),
                hex(mb)
            )),
            Ok(_) => {}
            Err(e) => failures.push(format!("[{tag}] foryjit (A) cannot write: {e}")),
        }
        // 1. pyfory (A) → foryjit (B)
        match read(&jit_b, &c.ty, pb) {
            Ok(got) => {
                if let Err(d) = check_value(&gen_b, &c.ty, &for_jit, &got) {
                    failures.push(format!(
                        "[{tag}] (1) pyfory→foryjit: {d}\n  written {}\n  bytes {}",
                        c.json,
                        hex(pb)
                    ));
                }
            }
            Err(e) => {
                failures.push(format!("[{tag}] (1) pyfory→foryjit: {e}\n  bytes {}", hex(pb)))
            }
        }
        to_peer.push((i, "4 pyfory→pyfory", pb.clone()));
        if let Ok(mb) = mine {
            // 3. foryjit (A) → foryjit (B), on an engine that reads only foryjit's bytes
            match read(&jit_b2, &c.ty, &mb) {
                Ok(got) => {
                    if let Err(d) = check_value(&gen_b, &c.ty, &for_jit, &got) {
                        failures.push(format!(
                            "[{tag}] (3) foryjit→foryjit: {d}\n  written {}\n  bytes {}",
                            c.json,
                            hex(&mb)
                        ));
                    }
                }
                Err(e) => {
                    failures.push(format!("[{tag}] (3) foryjit→foryjit: {e}\n  bytes {}", hex(&mb)))
                }
            }
            to_peer.push((i, "2 foryjit→pyfory", mb));
        }
    }

    let reqs = to_peer
        .iter()
        .map(|(i, _, bytes)| deserialize_request(Some(hb), &cases[*i].ty, bytes, &cfg))
        .collect();
    let answers =
        PyforyPeer::shared().batch(reqs).unwrap_or_else(|e| panic!("pyfory peer failed: {e}"));
    for ((i, check, bytes), answer) in to_peer.iter().zip(answers) {
        let c = &cases[*i];
        let tag = format!("{}→{} {} {}", a.label, b.label, c.ty, c.label);
        let for_py = project(&da, &db, &c.ty, &c.json, Reader::Pyfory);
        match answer.and_then(|r| value_of(&r)) {
            Ok(got) => {
                if let Err(d) = check_value(&gen_b, &c.ty, &for_py, &got) {
                    failures.push(format!(
                        "[{tag}] ({check}) {d}\n  written {}\n  bytes {}",
                        c.json,
                        hex(bytes)
                    ));
                }
            }
            Err(e) => {
                failures.push(format!("[{tag}] ({check}) pyfory: {e}\n  bytes {}", hex(bytes)))
            }
        }
    }
    eprintln!(
        "{}→{}: {} cases × 5 checks, {} failures, {:.2?} (FORYJIT_SEED={seed})",
        a.label,
        b.label,
        cases.len(),
        failures.len(),
        start.elapsed()
    );
    (cases.len(), failures)
}

fn run_pairs(pairs: &[(&Version, &Version)]) {
    let mut all = Vec::new();
    for (a, b) in pairs {
        let (n, failures) = check_pair(a, b);
        assert!(n > 0, "no cases for {}→{}", a.label, b.label);
        all.extend(failures);
    }
    if !all.is_empty() {
        let shown: Vec<&str> = all.iter().take(8).map(String::as_str).collect();
        panic!("{} failed checks; the first ones:\n\n{}", all.len(), shown.join("\n\n"));
    }
}

#[test]
fn evolution_by_tag_id() {
    run_pairs(&[(&V1, &V2), (&V2, &V1)]);
}

#[test]
fn evolution_by_name() {
    run_pairs(&[(&NAMED_V1, &NAMED_V2), (&NAMED_V2, &NAMED_V1)]);
}

/// One value written by A, with the values B's readers must produce, spelled out by hand.
struct Literal {
    a: &'static Version,
    b: &'static Version,
    ty: &'static str,
    written: Json,
    foryjit_reads: Json,
    pyfory_reads: Json,
}

fn check_literal(l: &Literal) {
    let (da, db) = (desc(l.a), desc(l.b));
    let gen_b = Generator::new(&db);
    let tag = format!("{}→{} {}", l.a.label, l.b.label, l.ty);
    // The projection used by the matrix agrees with the hand-written values.
    for (reader, want) in [(Reader::ForyJit, &l.foryjit_reads), (Reader::Pyfory, &l.pyfory_reads)] {
        let projected = project(&da, &db, l.ty, &l.written, reader);
        check_value(&gen_b, l.ty, want, &projected)
            .unwrap_or_else(|d| panic!("[{tag}] project() for {reader:?}: {d}"));
    }
    let cfg = pyfory_defaults_config();
    let (jit_a, jit_b) = (engine(l.a), engine(l.b));
    let mut peer = PyforyPeer::shared();
    let (ha, hb) = (load(&mut peer, l.a), load(&mut peer, l.b));
    let pb = peer
        .serialize_in(ha, l.ty, &l.written, &cfg)
        .unwrap_or_else(|e| panic!("[{tag}] pyfory writes: {e}"));
    let mb =
        write(&jit_a, l.ty, &l.written).unwrap_or_else(|e| panic!("[{tag}] foryjit writes: {e}"));
    assert_eq!(hex(&mb), hex(&pb), "[{tag}] foryjit and pyfory write the same bytes for A");
    // Meta sharing is per root call: a second payload carries its TypeDefs again.
    let again = write(&jit_a, l.ty, &l.written).expect("second write");
    assert_eq!(hex(&again), hex(&mb), "[{tag}] the second payload is the same");
    let got = read(&jit_b, l.ty, &pb).unwrap_or_else(|e| panic!("[{tag}] foryjit reads: {e}"));
    check_value(&gen_b, l.ty, &l.foryjit_reads, &got)
        .unwrap_or_else(|d| panic!("[{tag}] pyfory→foryjit: {d}\n  got {got}"));
    let got =
        read(&engine(l.b), l.ty, &mb).unwrap_or_else(|e| panic!("[{tag}] foryjit reads: {e}"));
    check_value(&gen_b, l.ty, &l.foryjit_reads, &got)
        .unwrap_or_else(|d| panic!("[{tag}] foryjit→foryjit: {d}\n  got {got}"));
    for (who, bytes) in [("foryjit", &mb), ("pyfory", &pb)] {
        let got = peer
            .deserialize_in(hb, l.ty, bytes, &cfg)
            .unwrap_or_else(|e| panic!("[{tag}] pyfory reads {who}'s bytes: {e}"));
        check_value(&gen_b, l.ty, &l.pyfory_reads, &got)
            .unwrap_or_else(|d| panic!("[{tag}] {who}→pyfory: {d}\n  got {got}"));
    }
}

fn profile_v1() -> Json {
    json!({
        "id": 5, "name": "ann", "score": -9, "note": null, "level": 3,
        "home": {"street": "x", "zip": 7}, "tags": ["a", "b"], "ratio": 1.5,
        "places": {"k": {"street": "s", "zip": 1}, "é": {"street": "", "zip": 0}}
    })
}

fn profile_v2() -> Json {
    json!({
        "tags": ["t"], "name": "bo", "id": 2, "note": "n", "level": null, "places": {},
        "work": {"city": "c", "zip": 9, "street": "w"},
        "history": [{"city": null, "zip": 1, "street": "h"}],
        "counts": {"a": 1}, "samples": [1, -2], "status": "RETIRED", "active": true,
        "extra": 7, "blob": "AQI=", "weight": 0.5
    })
}

#[test]
fn literal_profile_v1_to_v2() {
    // v1's `note` is null and v2's `note` is required: both readers give "". Fields only v2
    // has get defaults; an enum gets its first declared member (ACTIVE = 3) in both readers.
    let read_as = |status: &str| {
        json!({
            "tags": ["a", "b"], "name": "ann", "id": 5, "note": "", "level": 3,
            "places": {"k": {"city": null, "zip": 1, "street": "s"},
                       "é": {"city": null, "zip": 0, "street": ""}},
            "work": null, "history": [], "counts": {}, "samples": [], "status": status,
            "active": false, "extra": null, "blob": "", "weight": 0.0
        })
    };
    check_literal(&Literal {
        a: &V1,
        b: &V2,
        ty: "evo.Profile",
        written: profile_v1(),
        foryjit_reads: read_as("ACTIVE"),
        pyfory_reads: read_as("ACTIVE"),
    });
}

#[test]
fn literal_profile_v2_to_v1() {
    // v2's `level` is null and v1's `level` is required: both readers give 0.
    let read_as = json!({
        "id": 2, "name": "bo", "score": 0, "note": "n", "level": 0, "home": null,
        "tags": ["t"], "ratio": 0.0, "places": {}
    });
    check_literal(&Literal {
        a: &V2,
        b: &V1,
        ty: "evo.Profile",
        written: profile_v2(),
        foryjit_reads: read_as.clone(),
        pyfory_reads: read_as,
    });
}

#[test]
fn literal_envelope_v1_to_v2() {
    let p = profile_v1();
    let written = json!({"profile": p, "others": [p, {
        "id": 0, "name": "", "score": 0, "note": "x", "level": 0, "home": null, "tags": [],
        "ratio": 0.0, "places": {}
    }], "version": 9});
    let (da, db) = (desc(&V1), desc(&V2));
    let want = |r| {
        let profile = project(&da, &db, "evo.Profile", &p, r);
        json!({"version": 9, "comment": null, "others": [profile.clone(), {
            "tags": [], "name": "", "id": 0, "note": "x", "level": 0, "places": {}, "work": null,
            "history": [], "counts": {}, "samples": [],
            "status": "ACTIVE",
            "active": false, "extra": null, "blob": "", "weight": 0.0
        }], "profile": profile})
    };
    check_literal(&Literal {
        a: &V1,
        b: &V2,
        ty: "evo.Envelope",
        written,
        foryjit_reads: want(Reader::ForyJit),
        pyfory_reads: want(Reader::Pyfory),
    });
}

#[test]
fn literal_named_item_v1_to_v2() {
    let read_as = json!({"attrs": {}, "count": 1, "nickName": "nn", "title": "t", "spare": null, "version": 0});
    check_literal(&Literal {
        a: &NAMED_V1,
        b: &NAMED_V2,
        ty: "evo.named.Item",
        written: json!({"title": "t", "count": 1, "nickName": "nn", "sizes": [1, 2],
                        "part": {"label": "l", "weight": 3}}),
        foryjit_reads: read_as.clone(),
        pyfory_reads: read_as,
    });
}

#[test]
fn literal_named_item_v2_to_v1() {
    let read_as = json!({"title": "x", "count": 4, "nickName": null, "sizes": [], "part": null});
    check_literal(&Literal {
        a: &NAMED_V2,
        b: &NAMED_V1,
        ty: "evo.named.Item",
        written: json!({"attrs": {"a": "b"}, "count": 4, "nickName": null, "title": "x",
                        "spare": {"fragile": true, "weight": 2, "label": "p"}, "version": 3}),
        foryjit_reads: read_as.clone(),
        pyfory_reads: read_as,
    });
    let read_as = json!({"label": "p", "weight": -2});
    check_literal(&Literal {
        a: &NAMED_V2,
        b: &NAMED_V1,
        ty: "evo.named.Part",
        written: json!({"fragile": true, "weight": -2, "label": "p"}),
        foryjit_reads: read_as.clone(),
        pyfory_reads: read_as,
    });
}

/// One engine reads payloads of both versions of the same types (same type ids, different
/// TypeDefs) in turns, and payloads with nested TypeDefs: every read must use the right cached
/// reader.
fn interleave(old: &Version, new: &Version, items: &[(&str, &Version, Json)]) {
    let cfg = pyfory_defaults_config();
    let (d_old, d_new) = (desc(old), desc(new));
    let gen_new = Generator::new(&d_new);
    let reader = engine(new);
    let mut peer = PyforyPeer::shared();
    let (h_old, h_new) = (load(&mut peer, old), load(&mut peer, new));
    let mut payloads = Vec::new();
    for (ty, v, value) in items {
        let (h, d) = if std::ptr::eq(*v, old) { (h_old, &d_old) } else { (h_new, &d_new) };
        let bytes = peer
            .serialize_in(h, ty, value, &cfg)
            .unwrap_or_else(|e| panic!("pyfory ({}) writes {ty}: {e}", v.label));
        let want = project(d, &d_new, ty, value, Reader::ForyJit);
        payloads.push((*ty, v.label, bytes, want));
    }
    drop(peer);
    let order: Vec<usize> = (0..payloads.len()).chain((0..payloads.len()).rev()).collect();
    for (step, &i) in order.iter().enumerate() {
        for _ in 0..2 {
            let (ty, label, bytes, want) = &payloads[i];
            let got = read(&reader, ty, bytes).unwrap_or_else(|e| {
                panic!("step {step}: {label} {ty}: {e}\n  bytes {}", hex(bytes))
            });
            check_value(&gen_new, ty, want, &got).unwrap_or_else(|d| {
                panic!("step {step}: {label} {ty} read as {}: {d}\n  got {got}", new.label)
            });
        }
    }
}

#[test]
fn typedef_cache_interleaves_versions() {
    let p1 = profile_v1();
    let p2 = profile_v2();
    let env1 = json!({"profile": p1, "others": [p1, p1], "version": 1});
    let env2 = json!({"version": 2, "comment": "c", "others": [p2], "profile": p2});
    interleave(
        &V1,
        &V2,
        &[
            ("evo.Profile", &V1, p1.clone()),
            ("evo.Profile", &V2, p2.clone()),
            ("evo.Envelope", &V1, env1.clone()),
            ("evo.Envelope", &V2, env2.clone()),
            ("evo.Address", &V1, json!({"street": "a", "zip": 1})),
            ("evo.Address", &V2, json!({"city": "b", "zip": 2, "street": "c"})),
        ],
    );
    interleave(
        &V2,
        &V1,
        &[
            ("evo.Envelope", &V2, env2),
            ("evo.Profile", &V1, p1),
            ("evo.Envelope", &V1, env1),
            ("evo.Profile", &V2, p2),
        ],
    );
    interleave(
        &NAMED_V1,
        &NAMED_V2,
        &[
            (
                "evo.named.Item",
                &NAMED_V1,
                json!({"title": "t", "count": 1, "nickName": "n",
                "sizes": [3], "part": {"label": "l", "weight": 3}}),
            ),
            (
                "evo.named.Item",
                &NAMED_V2,
                json!({"attrs": {"k": "v"}, "count": 2,
                "nickName": null, "title": "u", "spare": {"fragile": null, "weight": 1,
                "label": ""}, "version": 5}),
            ),
            ("evo.named.Part", &NAMED_V1, json!({"label": "q", "weight": 8})),
        ],
    );
}

/// The reader caches at most `max_schema_versions_per_type` (10, the peers' default) TypeDefs of
/// one registered type: ten writer versions read fine, the eleventh is a typed `TypeDefLimit`
/// error, and the cached versions still read afterwards.
///
/// Left out: ENGINE BUG (see the report): TypeDefs of types the reader does not know at all are
/// counted in one shared bucket, so a payload whose struct holds more than ten fields of
/// *different* unknown message types (a newer writer) fails with this same limit error, while
/// pyfory reads it.
#[test]
fn typedef_cache_version_limit() {
    const OLD: &str = "package evo.limit;\nmessage T [id=790] { int32 a = 1; }\n";
    let reader = ForyJit::builder().build();
    reader.load_idl(OLD).expect("reader schema");
    let h = reader.type_handle("evo.limit.T").expect("evo.limit.T");
    let payloads: Vec<Vec<u8>> = (0..11)
        .map(|k| {
            let w = ForyJit::builder().build();
            let fdl = format!(
                "package evo.limit;\nmessage T [id=790] {{ int32 a = 1; int32 x{k} = {}; }}\n",
                k + 2
            );
            w.load_idl(&fdl).expect("writer schema");
            write(&w, "evo.limit.T", &json!({"a": k, format!("x{k}"): -1})).expect("write")
        })
        .collect();
    for (k, bytes) in payloads.iter().enumerate().take(10) {
        let v = reader.deserialize(bytes).unwrap_or_else(|e| panic!("version {k}: {e}"));
        assert_eq!(reader.to_json(h, &v).expect("to_json"), json!({"a": k}), "version {k}");
    }
    match reader.deserialize(&payloads[10]) {
        Err(foryjit::Error::Codec(c)) => assert!(
            matches!(
                c.kind,
                foryjit::ErrorKind::TypeDefLimit {
                    what: "max_schema_versions_per_type",
                    limit: 10
                }
            ),
            "{c:?}"
        ),
        other => panic!("the eleventh version: {other:?}"),
    }
    for (k, bytes) in payloads.iter().enumerate().take(10) {
        let v = reader.deserialize(bytes).unwrap_or_else(|e| panic!("version {k} again: {e}"));
        assert_eq!(reader.to_json(h, &v).expect("to_json"), json!({"a": k}), "version {k}");
    }
}

/// Every file of `tests/schemas/evolution/` is a version used above.
#[test]
fn every_evolution_schema_is_used() {
    let dir = foryjit_tests::repo_root().join("tests/schemas/evolution");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    assert_eq!(files, ["named_v1.fdl", "named_v2.fdl", "v1.fdl", "v2.fdl"]);
}

/// A change of a container's element flags between versions keeps the data: `list<T>` ⇄
/// `list<optional T>`, `map<K, V>` ⇄ `map<K, optional V>`, and pyfory's `map<K, ref V>`
/// (fory-compiler drops `optional` on map values, so pyfory's TypeDef says "not nullable" while
/// its chunks carry nulls). pyfory writes with A, foryjit reads with B, and the reverse.
#[test]
fn element_flag_changes_keep_the_data() {
    const A: &str = "package flags;
        message Frozen [id=603, evolving=false] { int32 a = 1; string b = 2; }
        message M [id=1] {
            map<string, optional int32> c = 1; int32 z = 2; list<int32> l = 3;
            map<string, ref Frozen> f = 4; list<optional string> s = 5;
        }";
    const B: &str = "package flags;
        message Frozen [id=603, evolving=false] { int32 a = 1; string b = 2; }
        message M [id=1] {
            map<string, int32> c = 1; int32 z = 2; list<optional int32> l = 3;
            map<string, Frozen> f = 4; list<string> s = 5;
        }";
    let written = json!({
        "c": {"a": null, "b": 2}, "z": 5, "l": [1, 2],
        "f": {"k": {"a": 1, "b": "x"}}, "s": ["p", "q"]
    });
    let cfg = pyfory_defaults_config();
    let mut peer = PyforyPeer::shared();
    let ha = peer.load(A).expect("pyfory loads A").handle;
    let hb = peer.load(B).expect("pyfory loads B").handle;
    let pyfory_bytes = peer.serialize_in(ha, "flags.M", &written, &cfg).expect("pyfory writes A");
    let fory_b = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    fory_b.load_idl(B).expect("B loads");
    // The null map value is kept where the wire marks it; everything else reads as written.
    let got = read(&fory_b, "flags.M", &pyfory_bytes).expect("foryjit reads pyfory's A with B");
    assert_eq!(got, written, "pyfory(A) → foryjit(B)");
    // foryjit writes A, pyfory and foryjit read it with B.
    let fory_a = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    fory_a.load_idl(A).expect("A loads");
    let ours = write(&fory_a, "flags.M", &written).expect("foryjit writes A");
    assert_eq!(read(&fory_b, "flags.M", &ours).expect("foryjit reads its A with B"), written);
    let back = peer.deserialize_in(hb, "flags.M", &ours, &cfg).expect("pyfory reads A with B");
    assert_eq!(back["l"], json!([1, 2]), "foryjit(A) → pyfory(B): {back}");
    assert_eq!(back["s"], json!(["p", "q"]), "foryjit(A) → pyfory(B): {back}");
}

/// An integer field widened between versions (`int32` → `int64`, `uint8` → `int32`): pyfory and
/// foryjit both read the written value.
#[test]
fn integers_widen_like_pyfory() {
    const A: &str = "package wid; message R [id=1] { int32 a = 1; uint8 c = 3; }";
    const B: &str = "package wid; message R [id=1] { int64 a = 1; int32 c = 3; }";
    let written = json!({"a": -7, "c": 255});
    let cfg = pyfory_defaults_config();
    let mut peer = PyforyPeer::shared();
    let ha = peer.load(A).expect("pyfory loads A").handle;
    let hb = peer.load(B).expect("pyfory loads B").handle;
    let pb = peer.serialize_in(ha, "wid.R", &written, &cfg).expect("pyfory writes A");
    let fory_b = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    fory_b.load_idl(B).expect("B loads");
    assert_eq!(read(&fory_b, "wid.R", &pb).expect("foryjit reads A as B"), written);
    let back = peer.deserialize_in(hb, "wid.R", &pb, &cfg).expect("pyfory reads A as B");
    assert_eq!(back, written);
}
