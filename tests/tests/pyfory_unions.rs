//! Unions inside collections and collection-typed union cases, byte for byte against pyfory
//! 1.7.7, in both tiers (issue 17), and the null rules of unions and `any` elements that make
//! the writer and the reader agree (issue 12, items 1–3).
//!
//! Each case of [`EXACT`] is pyfory's bytes for one value in both modes (taken from pyfory 1.7.7
//! with `StringPolicy::PyforyLike`-comparable strings). Every case is checked against an
//! interpreter-only and a JIT-only engine — same bytes written, same value read — and, live,
//! against the pyfory peer: pyfory still writes these bytes, and reads foryjit's back.
//!
//! What pyfory 1.7.7 does, and the rule foryjit follows:
//!
//! * `list<C>` / `map<K, C>` of a union `C`: the element (value) type is declared — list header
//!   `0c`, map chunk header `24`, no type meta — by id or by name, in both modes.
//! * a union case of a collection type is written with its declared types: `list<int32>`
//!   `[1, -2]` is `16 02 0c 02 03`, `map<string, int32>` `{a: 1}` is `18 01 24 01 04 61 02`;
//!   a `list<P>` of structs keeps its element type meta (`16 01 08 1b ...`), as in a field.
//! * a null case value is `<case> fd`. The union classes fory-compiler generates refuse `None`
//!   for scalar, string, bytes, date, timestamp, enum, struct and union cases (on construction,
//!   so also when reading), and accept it for collection, array, decimal, duration and `any`
//!   cases; foryjit writes and reads null exactly there (and for case ids its schema does not
//!   declare, read as `any`).
//! * `list<any>` holding nulls: `[None]` is `01 0a 24 fd` and reads back; `any` elements are
//!   nullable whatever the schema says.
//! * null elements of a `list<int32>` case: pyfory writes them (`0e ff 02 fd`) as it does in a
//!   `list<int32>` field; foryjit refuses both in both directions (`UnexpectedNull` naming the
//!   element), as for fields: the FDL says the elements are not optional.

use foryjit::{
    ElemType, Error, ErrorKind, FieldDesc, FieldType, ForyJit, MessageDesc, SchemaDesc,
    StringPolicy, StructValue, Tier, TierState, UnionDesc, UnionValue, Value,
};
use foryjit_tests::peer::{default_config, pyfory_defaults_config, PyforyPeer};
use foryjit_tests::{hex, unhex};
use serde_json::{json, Value as Json};

/// One value of one schema and pyfory's bytes for it in compatible and same-schema mode.
struct Exact {
    name: &'static str,
    fdl: &'static str,
    ty: &'static str,
    json: fn() -> Json,
    compat: &'static str,
    same: &'static str,
}

const W_LIST: &str = "package w; union C [id=4] { int64 tag = 1; string s = 2; } \
                      message M [id=5] { list<C> l = 1; }";
const W_MAP: &str = "package w; union C [id=4] { int64 tag = 1; string s = 2; } \
                     message M [id=5] { map<string, C> m = 1; }";
const W_NAMED: &str = "option enable_auto_type_id = false; package w; \
                       union C { int64 tag = 1; string s = 2; } \
                       message M { map<int32, C> m = 1; list<C> l = 2; }";
const W_CASES: &str = "package w; message P [id=6] { int32 x = 1; } \
                       union C [id=4] { list<int32> li = 1; map<string, int32> ms = 2; \
                       list<string> ls = 3; list<P> ps = 4; int32 x = 5; } \
                       message M [id=5] { C c = 1; }";
const NAMED_S: &str = "option enable_auto_type_id = false; package w; message S { int32 x = 1; } \
                       union C { map<int32, S> ms = 1; list<S> ls = 2; int32 z = 3; } \
                       message M { C c = 1; map<int32, S> f = 2; }";
/// The schema of issue 12.
const T: &str = "package t;
message L [id=1] { list<any> xs = 1; }
union C [id=6] { float64 real = 0; string text = 1; int64 count = 2; P point = 3; list<int32> nums = 4; E e = 5; }
enum E [id=4] { E0 = 0; E1 = 1; }
message P [id=5] { int32 x = 1; }
union U [id=2] { string s = 1; int64 n = 2; }
message LC [id=7] { list<C> cs = 1; }
";

const EXACT: &[Exact] = &[
    Exact {
        name: "list<C>",
        fdl: W_LIST,
        ty: "w.M",
        json: || json!({"l": [{"tag": 5}, {"s": "x"}]}),
        compat: "01ff1c0006c011f98207953fc105c4168401020c01ff070a02ff150478",
        same: "01ff1b054eae2f37020c01ff070a02ff150478",
    },
    Exact {
        name: "map<string, C>",
        fdl: W_MAP,
        ty: "w.M",
        json: || json!({"m": {"a": {"tag": 5}}}),
        compat: "01ff1c0007d00d1005cbf402c105c418548401012401046101ff070a",
        same: "01ff1b0567421d50012401046101ff070a",
    },
    Exact {
        name: "named union in map<int32, C> and list<C>",
        fdl: W_NAMED,
        ty: "w.M",
        json: || json!({"m": [[1, {"tag": 5}]], "l": [{"s": "x"}]}),
        compat: "01ff1e000e20bed564b1dd2de205580730c418148401c81684010124010201ff070a010c02ff150478",
        same: "01ff1d02015802033002a9d1640124010201ff070a010c02ff150478",
    },
    Exact {
        name: "list<int32> case",
        fdl: W_CASES,
        ty: "w.M",
        json: || json!({"c": {"li": [1, -2]}}),
        compat: "01ff1c0004a037f445251b6ac105c42101ff16020c0203",
        same: "01ff1b058e1c415201ff16020c0203",
    },
    Exact {
        name: "empty list<int32> case",
        fdl: W_CASES,
        ty: "w.M",
        json: || json!({"c": {"li": []}}),
        compat: "01ff1c0004a037f445251b6ac105c42101ff1600",
        same: "01ff1b058e1c415201ff1600",
    },
    Exact {
        name: "map<string, int32> case",
        fdl: W_CASES,
        ty: "w.M",
        json: || json!({"c": {"ms": {"a": 1}}}),
        compat: "01ff1c0004a037f445251b6ac105c42102ff18012401046102",
        same: "01ff1b058e1c415202ff18012401046102",
    },
    Exact {
        name: "list<string> case",
        fdl: W_CASES,
        ty: "w.M",
        json: || json!({"c": {"ls": ["a", "b"]}}),
        compat: "01ff1c0004a037f445251b6ac105c42103ff16020c04610462",
        same: "01ff1b058e1c415203ff16020c04610462",
    },
    Exact {
        name: "list<P> case (struct elements keep their type meta)",
        fdl: W_CASES,
        ty: "w.M",
        json: || json!({"c": {"ps": [{"x": 1}]}}),
        compat: "01ff1c0004a037f445251b6ac105c42104ff1601081c020450ea9416068424c106c40502",
        same: "01ff1b058e1c415204ff1601081b068e06d10f02",
    },
    Exact {
        name: "map<int32, S> and list<S> cases (S by id): map values declared in both modes",
        fdl: "package w; message S [id=7] { int32 x = 1; } \
              union C [id=8] { map<int32, S> ms = 1; list<S> ls = 2; int32 z = 3; } \
              message M [id=9] { C c = 1; map<int32, S> f = 2; }",
        ty: "w.M",
        json: || json!({"c": {"ms": [[1, {"x": 2}]]}, "f": [[1, {"x": 2}]]}),
        compat: "01ff1c0008102bf9d5682863c209c421c818147001ff1801240102040104011c0204002138be8e3b10c107c4050204",
        same: "01ff1b0914d3b7c501ff18012401028e06d10f04012401028e06d10f04",
    },
    Exact {
        name: "map<int32, S> case (S by name)",
        fdl: NAMED_S,
        ty: "w.M",
        json: || json!({"c": {"ms": [[1, {"x": 2}]]}, "f": [[1, {"x": 2}]]}),
        compat: "01ff1e000b201ca60110301ae205580730c421c818147801ff1801240102040104011e0207f08ce961a68834e105580748c4050204",
        same: "01ff1d02015802033014d3b7c501ff18012401028e06d10f04012401028e06d10f04",
    },
    Exact {
        name: "list<S> case (S by name)",
        fdl: NAMED_S,
        ty: "w.M",
        json: || json!({"c": {"ls": [{"x": 2}]}, "f": []}),
        compat: "01ff1e000b201ca60110301ae205580730c421c818147802ff1601081e0207f08ce961a68834e105580748c4050400",
        same: "01ff1d02015802033014d3b7c502ff1601081d030203488e06d10f0400",
    },
    Exact {
        name: "issue 12: LC{cs: [C.text(\"hi\")]}",
        fdl: T,
        ty: "t.LC",
        json: || json!({"cs": [{"text": "hi"}]}),
        compat: "01ff1c0006c0b07457630426c107c4168401010c01ff15086869",
        same: "01ff1b074eae2f37010c01ff15086869",
    },
    Exact {
        name: "issue 12: list<C> of list, struct, enum and int cases",
        fdl: T,
        ty: "t.LC",
        json: || {
            json!({"cs": [{"nums": [3]}, {"point": {"x": 1}}, {"e": "E1"}, {"count": -1}]})
        },
        compat: "01ff1c0006c0b07457630426c107c4168401040c04ff16010c0603ff1c0204c0e1b7ed149441c105c4050205ff19040102ff0701",
        same: "01ff1b074eae2f37040c04ff16010c0603ff1b058e06d10f0205ff19040102ff0701",
    },
    Exact {
        name: "issue 12: L{xs: [null]} (list<any>)",
        fdl: T,
        ty: "t.L",
        json: || json!({"xs": [null]}),
        compat: "01ff1c0005b0361e5ae63e6ac101c41600010a24fd",
        same: "01ff1b014eae2f37010a24fd",
    },
    Exact {
        name: "L{xs: [null, null]} (list<any>)",
        fdl: T,
        ty: "t.L",
        json: || json!({"xs": [null, null]}),
        compat: "01ff1c0005b0361e5ae63e6ac101c41600020a24fdfd",
        same: "01ff1b014eae2f37020a24fdfd",
    },
    Exact {
        name: "map<string, any> with a null value",
        fdl: "package w; message MA [id=3] { map<string, any> m = 1; }",
        ty: "w.MA",
        json: || json!({"m": {"a": null}}),
        compat: "01ff1c0006406dda1c841e11c103c418540001140461",
        same: "01ff1b0367421d5001140461",
    },
];

/// An interpreter-only and a JIT-only engine (PyforyLike strings) with `fdl` loaded.
fn engines(fdl: &str, compatible: bool) -> [(&'static str, ForyJit); 2] {
    let make = |tier| {
        let f = ForyJit::builder()
            .tier(tier)
            .compatible(compatible)
            .string_policy(StringPolicy::PyforyLike)
            .build();
        f.load_idl(fdl).unwrap_or_else(|e| panic!("{e}\n{fdl}"));
        f
    };
    [("interpreter", make(Tier::Interpreter)), ("compiled", make(Tier::Compiled))]
}

fn modes() -> [(bool, &'static str); 2] {
    [(true, "compatible"), (false, "same-schema")]
}

fn expected(case: &Exact, compatible: bool) -> Vec<u8> {
    let h = if compatible { case.compat } else { case.same };
    unhex(h).unwrap_or_else(|| panic!("{}: bad hex", case.name))
}

fn codec_error(r: Result<impl std::fmt::Debug, Error>, what: &str) -> foryjit::CodecError {
    match r {
        Err(Error::Codec(e)) => *e,
        other => panic!("{what}: expected a codec error, got {other:?}"),
    }
}

/// foryjit writes pyfory's bytes and reads them back to the value, in both tiers and modes.
#[test]
fn unions_in_collections_match_pyfory_bytes() {
    let mut problems = Vec::new();
    for case in EXACT {
        for (compatible, mode) in modes() {
            let want = expected(case, compatible);
            for (tier, fory) in engines(case.fdl, compatible) {
                let at = format!("{} ({mode}, {tier})", case.name);
                let h = fory.type_handle(case.ty).expect("type");
                if tier == "compiled" {
                    let state = fory.type_stats(h).map(|s| s.tier);
                    assert_eq!(state, Some(TierState::Compiled), "{at}");
                }
                let v = fory.from_json(h, &(case.json)()).expect("from_json");
                match fory.serialize(&v) {
                    Ok(b) if b == want => {}
                    Ok(b) => problems.push(format!(
                        "{at}: wrote\n    {}\n  pyfory\n    {}",
                        hex(&b),
                        hex(&want)
                    )),
                    Err(e) => problems.push(format!("{at}: serialize: {e}")),
                }
                match fory.deserialize(&want).map(|back| fory.to_json(h, &back)) {
                    Ok(Ok(j)) if j == (case.json)() => {}
                    other => problems.push(format!("{at}: read pyfory's bytes as {other:?}")),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Live: pyfory 1.7.7 still writes the bytes of [`EXACT`], and reads foryjit's bytes (written by
/// the JIT tier) back to the value.
#[test]
fn pyfory_writes_these_bytes_and_reads_ours() {
    let mut problems = Vec::new();
    let mut peer = PyforyPeer::shared();
    for case in EXACT {
        let handle = peer.load(case.fdl).unwrap_or_else(|e| panic!("{}: {e}", case.name)).handle;
        for (compatible, mode) in modes() {
            let cfg = if compatible { pyfory_defaults_config() } else { default_config() };
            let at = format!("{} ({mode})", case.name);
            let want = expected(case, compatible);
            match peer.serialize_in(handle, case.ty, &(case.json)(), &cfg) {
                Ok(b) if b == want => {}
                other => problems.push(format!("{at}: pyfory now writes {other:?}")),
            }
            let [_, (_, jit)] = engines(case.fdl, compatible);
            let h = jit.type_handle(case.ty).expect("type");
            let mine =
                jit.serialize(&jit.from_json(h, &(case.json)()).expect("json")).expect("ser");
            match peer.deserialize_in(handle, case.ty, &mine, &cfg) {
                Ok(j) if j == (case.json)() => {}
                other => problems.push(format!("{at}: pyfory reads {} as {other:?}", hex(&mine))),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Issue 12 (1): every non-empty `list<union>` reads back (it was written with header `08` and
/// no element type meta).
#[test]
fn regression_issue_12_list_of_unions_round_trips() {
    for (compatible, mode) in modes() {
        for (tier, fory) in engines(T, compatible) {
            let h = fory.type_handle("t.LC").expect("type");
            let j = json!({"cs": [{"text": "hi"}, {"real": 1.5}, {"nums": []}, {"text": ""}]});
            let v = fory.from_json(h, &j).expect("from_json");
            let bytes = fory.serialize(&v).expect("serialize");
            let back = fory.deserialize(&bytes).unwrap_or_else(|e| panic!("{mode} {tier}: {e}"));
            assert!(back.bit_eq(&v), "{mode} {tier}: {back:?}");
        }
    }
}

/// Issue 12 (2): a null where the reader refuses one is refused by the writer too, with the
/// path of the element; where pyfory writes and reads null (`any` elements), both accept.
#[test]
fn regression_issue_12_writer_refuses_what_the_reader_refuses() {
    for (compatible, mode) in modes() {
        for (tier, fory) in engines(T, compatible) {
            let at = format!("{mode}, {tier}");
            let lc = fory.type_handle("t.LC").expect("type").index();
            let c = fory.type_handle("t.C").expect("type").index();
            let l = fory.type_handle("t.L").expect("type").index();
            // `list<int32>` case holding a null: refused, naming cs[0], case 4, element 1.
            let nums = Value::list(vec![Value::Int32(1), Value::Null]);
            let u = Value::Union(Box::new(UnionValue { ty: c, case: 4, value: nums }));
            let v = Value::Struct(StructValue::new(lc, vec![Value::list(vec![u])]));
            let e = codec_error(fory.serialize(&v), &at);
            assert_eq!(e.kind, ErrorKind::UnexpectedNull, "{at}: {e}");
            assert_eq!(e.path.to_string(), "cs[0]{case 4}[1]", "{at}");
            // pyfory's bytes for that value (`0e ff 02 fd`) are refused on reading at the same
            // element.
            let py = if compatible {
                "01ff1c0006c0b07457630426c107c4168401010c04ff16020eff02fd"
            } else {
                "01ff1b074eae2f37010c04ff16020eff02fd"
            };
            let e = codec_error(fory.deserialize(&unhex(py).expect("hex")), &at);
            assert_eq!(e.kind, ErrorKind::UnexpectedNull, "{at}: {e}");
            assert_eq!(e.path.to_string(), "cs[0]{case 4}[1]", "{at}");
            // `list<any>` with nulls and a value: pyfory's bytes (`0a 07 fd ff 02`, written by
            // pyfory 1.7.7 for `[None, 1]`) both ways.
            let xs = Value::list(vec![Value::Null, Value::Int64(1)]);
            let v = Value::Struct(StructValue::new(l, vec![xs]));
            let py = if compatible {
                "01ff1c0005b0361e5ae63e6ac101c41600020a07fdff02"
            } else {
                "01ff1b014eae2f37020a07fdff02"
            };
            assert_eq!(fory.serialize(&v).map(|b| hex(&b)), Ok(py.to_owned()), "{at}");
            let back = fory.deserialize(&unhex(py).expect("hex")).expect("read");
            assert!(back.bit_eq(&v), "{at}: {back:?}");
        }
    }
}

/// A union registered with numeric id 915 (`Holder.Local`), one with id 910, and the values of
/// issue 12 (3).
const NULL_CASES: &str = "package n;
message Holder [id=914] {
    union Local [id=915] { string name = 1; list<int32> nums = 2; map<string, int32> counts = 3; Holder inner = 4; }
    Local local = 1;
}
union Other [id=910] { int64 n = 1; }
";

/// Issue 12 (3): whatever decodes serializes again to the same bytes; what pyfory refuses to
/// read (a null scalar, string or struct case) is refused on both sides.
#[test]
fn regression_issue_12_null_union_cases_decode_and_encode_alike() {
    // (bytes, accepted): root unions, same-schema framing of the union itself.
    let cases: &[(&str, Option<&str>)] = &[
        // Local.name (string) = null: pyfory cannot hold it (its union class refuses None).
        ("01ff22930701fd", Some("{case 1}")),
        // Local.inner (a message) = null: likewise.
        ("01ff22930704fd", Some("{case 4}")),
        // Local.nums / Local.counts = null: pyfory writes and reads these.
        ("01ff22930702fd", None),
        ("01ff22930703fd", None),
        // A case `Other` does not declare (6), holding null: read as `any`, written again.
        ("01ff228e0706fd", None),
        // ... and holding an int64.
        ("01ff228e0706ff0702", None),
        // Other.n = null: refused.
        ("01ff228e0701fd", Some("{case 1}")),
    ];
    for (compatible, mode) in modes() {
        for (tier, fory) in engines(NULL_CASES, compatible) {
            for &(h, refused_at) in cases {
                let at = format!("{h} ({mode}, {tier})");
                let bytes = unhex(h).expect("hex");
                match (fory.deserialize(&bytes), refused_at) {
                    (Ok(v), None) => {
                        let again = fory.serialize(&v).map(|b| hex(&b));
                        assert_eq!(again, Ok(h.to_owned()), "{at}: {v:?}");
                    }
                    (Err(Error::Codec(e)), Some(path)) => {
                        assert_eq!(e.kind, ErrorKind::UnexpectedNull, "{at}: {e}");
                        assert_eq!(e.path.to_string(), path, "{at}");
                    }
                    (other, _) => panic!("{at}: {other:?}"),
                }
            }
            // The writer refuses the values the reader refuses, at the same case.
            let local = fory.type_handle("n.Holder.Local").expect("type").index();
            for case in [1, 4] {
                let v = Value::Union(Box::new(UnionValue { ty: local, case, value: Value::Null }));
                let e = codec_error(fory.serialize(&v), &format!("case {case} ({mode}, {tier})"));
                assert_eq!(e.kind, ErrorKind::UnexpectedNull);
                assert_eq!(e.path.to_string(), format!("{{case {case}}}"));
            }
        }
    }
}

/// Live: pyfory writes a null collection case as `<case> fd`, the same bytes as foryjit, and
/// reads foryjit's back; JSON carries the null case as `{"nums": null}`.
#[test]
fn null_collection_case_matches_pyfory() {
    let fdl = "package n; union C [id=4] { list<int32> li = 1; map<string, int32> ms = 2; int32 x = 3; } \
               message M [id=5] { C c = 1; }";
    let mut peer = PyforyPeer::shared();
    let handle = peer.load(fdl).expect("load").handle;
    for (compatible, mode) in modes() {
        let cfg = if compatible { pyfory_defaults_config() } else { default_config() };
        for (tier, fory) in engines(fdl, compatible) {
            let h = fory.type_handle("n.M").expect("type");
            for j in [json!({"c": {"li": null}}), json!({"c": {"ms": null}})] {
                let at = format!("{j} ({mode}, {tier})");
                let v = fory.from_json(h, &j).expect("from_json");
                let mine = fory.serialize(&v).unwrap_or_else(|e| panic!("{at}: {e}"));
                assert_eq!(mine.last(), Some(&0xfd), "{at}: {}", hex(&mine));
                let back = fory.deserialize(&mine).expect("read back");
                assert_eq!(fory.to_json(h, &back).ok(), Some(j.clone()), "{at}");
                let py = peer.deserialize_in(handle, "n.M", &mine, &cfg);
                assert_eq!(py, Ok(j.clone()), "{at}: pyfory reads {}", hex(&mine));
                let py_bytes = peer.serialize_in(handle, "n.M", &j, &cfg).expect("pyfory writes");
                assert_eq!(hex(&py_bytes), hex(&mine), "{at}");
            }
        }
    }
}

/// `set<C>` (descriptor API; the FDL has no sets, and pyfory's unions are unhashable): the same
/// declared framing as a list, `0c` and no element type meta, read back in both tiers.
#[test]
fn set_of_unions_is_declared_like_a_list() {
    let schema = || {
        let set_of_c = FieldType::Set(Box::new(ElemType::new(FieldType::named("s.C"))));
        SchemaDesc::new("s")
            .union(
                UnionDesc::with_id("s.C", 4)
                    .case("tag", 1, FieldType::Int64(foryjit::IntEncoding::Varint))
                    .case("s", 2, FieldType::String),
            )
            .message(MessageDesc::with_id("s.M", 5).field(FieldDesc::new("set", 1, set_of_c)))
    };
    for compatible in [true, false] {
        for tier in [Tier::Interpreter, Tier::Compiled] {
            let fory = ForyJit::builder()
                .tier(tier)
                .compatible(compatible)
                .string_policy(StringPolicy::PyforyLike)
                .build();
            fory.register_schema(schema()).expect("register");
            let h = fory.type_handle("s.M").expect("type");
            let v = fory.from_json(h, &json!({"set": [{"tag": 5}, {"s": "x"}]})).expect("json");
            let bytes = fory.serialize(&v).expect("serialize");
            let tail = "020c01ff070a02ff150478";
            assert!(hex(&bytes).ends_with(tail), "{tier:?}: {}", hex(&bytes));
            assert!(fory.deserialize(&bytes).expect("read").bit_eq(&v), "{tier:?}");
        }
    }
}

/// A case the reader's schema does not declare is read as a self-describing value, and writes
/// back to the same bytes — except a collection whose element types are declared (as pyfory
/// writes a collection case), which cannot be read without the case's type: a typed error,
/// never a wrong value.
#[test]
fn unknown_collection_cases_are_read_when_self_describing() {
    for (compatible, mode) in modes() {
        for (tier, fory) in engines(NULL_CASES, compatible) {
            let at = |h: &str| format!("{h} ({mode}, {tier})");
            // case 6 of `Other`: list [1, -2] with its element type (08 05) — read and re-sent.
            let h = "01ff228e0706ff160208050203";
            let v = fory.deserialize(&unhex(h).expect("hex")).expect("read");
            assert_eq!(fory.serialize(&v).map(|b| hex(&b)), Ok(h.to_owned()), "{}", at(h));
            // ... and with the element type declared (list header 0c; map chunk header 24), as
            // pyfory writes `list<int32>` and `map<string, int32>` cases.
            for h in ["01ff228e0706ff16020c0203", "01ff228e0706ff18012401046102"] {
                let e = codec_error(fory.deserialize(&unhex(h).expect("hex")), &at(h));
                assert!(matches!(e.kind, ErrorKind::Unsupported(_)), "{}: {e}", at(h));
                assert_eq!((e.offset, e.path.to_string()), (7, "{case 6}".to_owned()), "{}", at(h));
            }
        }
    }
}
