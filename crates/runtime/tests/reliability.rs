//! Regressions of issue 12 (items 4–9), each run through the interpreter and compiled code,
//! which must agree: unknown structs written back byte for byte, graphs that serialize again
//! and refuse references that do not fit, declared lengths bounded by the input, the writer
//! held to the reader's limits, and `set` fields that take only `Set` values.

use foryjit::{
    CodecLimits, ElemType, ErrorKind, FieldDesc, FieldType, ForyJit, MessageDesc, SchemaDesc, Tier,
    Value,
};

/// The triage schema of issue 12.
const T: &str = "package t;
    message P [id=5] { int32 x = 1; }
    message H [id=3] { U u = 1; optional float64 w = 2; list<U> us = 3; optional string name = 4; }
    union U [id=2] { string s = 1; int64 n = 2; }
    message Q [id=10] { string s = 1; }
    message RA [id=9] { ref P first = 1; ref Q second = 2; }
    message RS [id=11] { optional string a = 1; optional bytes c = 2; }";

/// The tiers this build has (the interpreter, and compiled code with the `jit` feature).
fn tiers() -> &'static [Tier] {
    Tier::available()
}

fn engine(tier: Tier, compatible: bool, track_ref: bool, limits: CodecLimits) -> ForyJit {
    let f = ForyJit::builder()
        .tier(tier)
        .compatible(compatible)
        .track_ref(track_ref)
        .limits(limits)
        .build();
    f.load_idl(T).expect("schema t");
    f
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn kind(e: &foryjit::Error) -> Option<&ErrorKind> {
    e.as_codec().map(|c| &c.kind)
}

// ---------------------------------------------------------------------------------------------
// Item 4: an unknown struct is written back with the type id it came with.

#[test]
fn unknown_struct_with_compatible_bit_clear_reencodes_to_the_same_bytes() {
    // COMPATIBLE_STRUCT (0x1c) whose TypeDef has the compatible bit clear, type id 77.
    let bytes = hex("01ff1c00027068daae2bcd51804d");
    for &tier in tiers() {
        let f = engine(tier, true, false, CodecLimits::default());
        let v = f.deserialize(&bytes).expect("decodes");
        let Value::Unknown(u) = &v else { panic!("{tier:?}: {v:?}") };
        assert_eq!(u.type_id, 0x1c, "{tier:?}: the kind it was announced with");
        let again = f.serialize(&v).expect("re-encodes");
        assert_eq!(again, bytes, "{tier:?}: decode → encode gives the same bytes");
        assert_eq!(f.deserialize(&again).expect("decodes again"), v, "{tier:?}");
    }
}

#[test]
fn unknown_struct_of_a_kind_without_typedef_is_refused_on_write() {
    let bytes = hex("01ff1c00027068daae2bcd51804d");
    for &tier in tiers() {
        let f = engine(tier, true, false, CodecLimits::default());
        let Value::Unknown(mut u) = f.deserialize(&bytes).expect("decodes") else { panic!() };
        u.type_id = 0x1b; // STRUCT: followed by a user id, not a TypeDef
        let e = f.serialize(&Value::Unknown(u)).expect_err("not readable back");
        assert!(matches!(kind(&e), Some(ErrorKind::TypeMismatch { found: 0x1b, .. })), "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 9: a `set` field takes a `Set`, a `list` field a `List`, in both tiers and in JSON.

/// `message S [id=20] { set<string> tags = 1; list<string> names = 2; }` (the IDL has no
/// `set`, so through the descriptor API).
fn sets() -> SchemaDesc {
    let elem = || Box::new(ElemType::new(FieldType::String));
    SchemaDesc::new("s").message(
        MessageDesc::with_id("s.S", 20)
            .field(FieldDesc::new("tags", 1, FieldType::Set(elem())))
            .field(FieldDesc::new("names", 2, FieldType::List(elem()))),
    )
}

#[test]
fn set_fields_refuse_list_values_and_list_fields_refuse_set_values() {
    for &tier in tiers() {
        let f = engine(tier, false, false, CodecLimits::default());
        f.register_schema(sets()).expect("schema s");
        let ty = f.type_handle("s.S").expect("registered");
        let make = |tags: Value, names: Value| {
            let mut v = f.new_struct(ty).expect("struct");
            // Unchecked: the bad combinations below are what `set` refuses (tested after).
            assert!(
                f.set_unchecked(&mut v, "tags", tags) && f.set_unchecked(&mut v, "names", names)
            );
            v
        };
        let strs = || vec![Value::string("a"), Value::string("b")];
        let good = make(Value::set(strs()), Value::list(strs()));
        let bytes = f.serialize(&good).expect("Set for set, List for list");
        assert_eq!(f.deserialize(&bytes).expect("reads back"), good, "{tier:?}");
        assert_eq!(f.from_json(ty, &f.to_json(ty, &good).expect("to_json")).unwrap(), good);

        for (bad, field, expected) in [
            (make(Value::list(strs()), Value::list(strs())), "tags", "set"),
            (make(Value::set(strs()), Value::set(strs())), "names", "list"),
        ] {
            let e = f.serialize(&bad).expect_err("the other collection kind");
            let c = e.as_codec().expect("codec error");
            assert_eq!(c.kind, ErrorKind::WrongKind { expected, found: bad_kind(expected) });
            assert_eq!(c.path.to_string(), field, "{tier:?}");
            f.to_json(ty, &bad).expect_err("JSON agrees with the writer");
            let wrong = f.get(&bad, field).cloned().expect("field");
            let mut fresh = f.new_struct(ty).expect("struct");
            assert!(f.set(&mut fresh, field, wrong).is_err(), "set checks the collection kind");
        }
    }
}

fn bad_kind(expected: &str) -> &'static str {
    if expected == "set" {
        "list"
    } else {
        "set"
    }
}

// ---------------------------------------------------------------------------------------------
// Item 5: what `deserialize_graph` returns serializes again; back-references that do not fit
// their position are refused on read and on write.

fn graph_engine(tier: Tier, compatible: bool) -> ForyJit {
    engine(tier, compatible, true, CodecLimits::default())
}

/// deserialize_graph → serialize_graph → deserialize_graph gives the same graph and bytes.
fn round_trips(f: &ForyJit, bytes: &[u8], what: &str) -> foryjit::Graph {
    let g = f.deserialize_graph(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    let again = f.serialize_graph(&g).unwrap_or_else(|e| panic!("{what}: writes again: {e}"));
    assert_eq!(again, bytes, "{what}: same bytes");
    assert_eq!(f.deserialize_graph(&again).expect("reads again"), g, "{what}");
    g
}

#[test]
fn tracked_nullable_scalar_in_a_graph_serializes_again() {
    // H with `w` (optional float64) written `00` + 1.5: a node, as the writer meets it again.
    let bytes = hex("01001b03d8dcd9f500000000000000f83f02ff070e00ff0a6e6d");
    for &tier in tiers() {
        let f = graph_engine(tier, false);
        let g = round_trips(&f, &bytes, &format!("{tier:?}"));
        assert_eq!(g.nodes.len(), 2, "the root and the tracked float");
        assert_eq!(g.nodes[1], Value::Float64(1.5));
        // And as a tree, the float itself.
        let tree = f.deserialize(&bytes).expect("tree");
        assert_eq!(f.get(&tree, "w"), Some(&Value::Float64(1.5)), "{tier:?}");
    }
}

#[test]
fn tracked_null_root_is_refused() {
    // `00` (tracked) + NONE: a value with an identity that is no value.
    let bytes = hex("010024");
    for &tier in tiers() {
        let f = graph_engine(tier, false);
        for e in
            [f.deserialize_graph(&bytes).expect_err("graph"), f.deserialize(&bytes).unwrap_err()]
        {
            assert_eq!(
                kind(&e),
                Some(&ErrorKind::TypeMismatch { expected: "a value", found: 36 }),
                "{tier:?}: {e}"
            );
        }
        // A plain null root is still one, and writes again.
        let g = f.deserialize_graph(&hex("01fd")).expect("null root");
        assert_eq!(f.serialize_graph(&g).expect("writes"), hex("01fd"));
    }
}

#[test]
fn back_reference_to_a_value_of_another_type_is_refused_on_read() {
    let cases = [
        // RA: `first` is node 1 (a P); `second` (ref Q) refers to it.
        ("01001b090839f3bf008e06d10f06fe01", "second"),
        // RS: `a` (optional string) is node 1; `c` (optional bytes) refers to it.
        ("01001b0bd09f58b3000a6869fe01", "c"),
    ];
    for (bytes, field) in cases {
        let bytes = hex(bytes);
        for &tier in tiers() {
            let f = graph_engine(tier, false);
            for e in [f.deserialize_graph(&bytes).unwrap_err(), f.deserialize(&bytes).unwrap_err()]
            {
                let c = e.as_codec().expect("codec error");
                assert_eq!(c.kind, ErrorKind::RefMismatch(1), "{tier:?}: {e}");
                assert_eq!(c.path.to_string(), field, "{tier:?}");
                assert_eq!(c.offset, bytes.len() - 2, "{tier:?}: at the `fe`");
            }
        }
    }
}

#[test]
fn back_reference_to_a_value_of_another_type_is_refused_on_write() {
    for &tier in tiers() {
        let f = graph_engine(tier, false);
        let ra = f.type_handle("t.RA").expect("RA");
        let p = f.type_handle("t.P").expect("P");
        let q = f.type_handle("t.Q").expect("Q");
        let p1 = foryjit::StructValue::new(p.index(), vec![Value::Int32(3)]);
        let q1 = foryjit::StructValue::new(q.index(), vec![Value::string("q")]);
        let root =
            |a: Value, b: Value| Value::Struct(foryjit::StructValue::new(ra.index(), vec![a, b]));
        // A P in the Q field through a reference: refused, named by the field.
        let bad = foryjit::Graph {
            root: Value::Ref(0),
            nodes: vec![root(Value::Ref(1), Value::Ref(1)), Value::Struct(p1.clone())],
        };
        let e = f.serialize_graph(&bad).expect_err("a P where a Q is declared");
        let c = e.as_codec().expect("codec error");
        assert_eq!(
            (c.kind.clone(), c.path.to_string()),
            (ErrorKind::RefMismatch(1), "second".into())
        );
        // Each in its place: written and read back as written.
        let good = foryjit::Graph {
            root: Value::Ref(0),
            nodes: vec![root(Value::Ref(1), Value::Ref(2)), Value::Struct(p1), Value::Struct(q1)],
        };
        let bytes = f.serialize_graph(&good).expect("fits");
        assert_eq!(f.deserialize_graph(&bytes).expect("reads"), good, "{tier:?}");
    }
}

/// A cycle through a position of another type: checked once the node is complete.
#[test]
fn back_reference_into_a_cycle_is_checked_when_the_node_is_complete() {
    // RA as node 0; `first` (ref P) refers back to the root (an RA, not a P).
    let bytes = hex("01001b090839f3bffe00fd");
    for &tier in tiers() {
        let f = graph_engine(tier, false);
        let e = f.deserialize_graph(&bytes).expect_err("an RA where a P is declared");
        assert_eq!(kind(&e), Some(&ErrorKind::RefMismatch(0)), "{tier:?}: {e}");
    }
}

/// Tracked values of a field the reader drops (schema evolution) are no nodes of its graph,
/// unless a kept field refers to them.
#[test]
fn dropped_fields_leave_no_unreferenced_nodes() {
    const WRITER: &str = "package t;
        message P [id=5] { int32 x = 1; }
        message Q [id=10] { string s = 1; }
        message RA [id=9] { ref P gone = 3; ref P first = 1; ref Q second = 2; ref P also = 4; }";
    for &tier in tiers() {
        let w = ForyJit::builder().tier(tier).compatible(true).track_ref(true).build();
        w.load_idl(WRITER).expect("writer schema");
        let ra = w.type_handle("t.RA").expect("RA").index();
        let p = w.type_handle("t.P").expect("P").index();
        let q = w.type_handle("t.Q").expect("Q").index();
        let pv = |x| Value::Struct(foryjit::StructValue::new(p, vec![Value::Int32(x)]));
        let qv = Value::Struct(foryjit::StructValue::new(q, vec![Value::string("q")]));
        let mut root = w.new_struct(w.type_handle("t.RA").unwrap()).expect("RA");
        w.set(&mut root, "gone", Value::Ref(1)).expect("set");
        w.set(&mut root, "first", Value::Ref(2)).expect("set");
        w.set(&mut root, "second", Value::Ref(3)).expect("set");
        w.set(&mut root, "also", Value::Ref(1)).expect("set");
        let _ = ra;
        let sent = foryjit::Graph { root: Value::Ref(0), nodes: vec![root, pv(1), pv(2), qv] };
        let bytes = w.serialize_graph(&sent).expect("writer");

        let r = graph_engine(tier, true);
        let g = r.deserialize_graph(&bytes).expect("reader");
        // Root, first, second: `also` and `gone` were dropped, and their node with them.
        assert_eq!(g.nodes.len(), 3, "{tier:?}: {g:?}");
        let again = r.serialize_graph(&g).expect("writes again");
        assert_eq!(r.deserialize_graph(&again).expect("reads again"), g, "{tier:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 8: the writer holds itself to the limits the same engine reads with.

const W: &str = "package w;
    message B [id=30] {
        string s = 1;
        bytes b = 2;
        array<int32> a = 3;
        list<int32> l = 4;
        map<string, int32> m = 5;
        list<string> ls = 6;
    }";

fn tight() -> CodecLimits {
    CodecLimits {
        max_string_bytes: 8,
        max_binary_bytes: 8,
        max_collection_len: 3,
        max_graph_memory_bytes: 4096,
        ..CodecLimits::default()
    }
}

fn b_value(f: &ForyJit, s: &str, b: usize, a: usize, l: usize, m: usize, ls: &[&str]) -> Value {
    let ty = f.type_handle("w.B").expect("registered");
    let mut v = f.new_struct(ty).expect("struct");
    f.set(&mut v, "s", Value::string(s)).expect("set");
    f.set(&mut v, "b", Value::Binary(vec![7u8; b].into())).expect("set");
    f.set(&mut v, "a", Value::Int32Array(vec![1; a].into())).expect("set");
    f.set(&mut v, "l", Value::list(vec![Value::Int32(1); l])).expect("set");
    let entries = (0..m).map(|i| (Value::string(format!("k{i}")), Value::Int32(i as i32)));
    f.set(&mut v, "m", Value::map(entries.collect())).expect("set");
    f.set(&mut v, "ls", Value::list(ls.iter().map(|s| Value::string(*s)).collect())).expect("set");
    v
}

#[test]
fn writer_refuses_what_the_same_engine_would_refuse_to_read() {
    for &tier in tiers() {
        for compatible in [false, true] {
            let f = engine(tier, compatible, false, tight());
            f.load_idl(W).expect("schema w");
            // At every limit: written, and read back.
            let at = b_value(&f, "12345678", 8, 2, 3, 3, &["abcdefgh"]);
            let bytes = f.serialize(&at).expect("at the limits");
            assert_eq!(f.deserialize(&bytes).expect("reads back"), at, "{tier:?}");
            // One past each: refused, named by the field, with the limit the reader uses.
            let cases = [
                (b_value(&f, "123456789", 8, 2, 3, 3, &[]), "s", 9, 8),
                (b_value(&f, "é", 8, 2, 3, 3, &[]), "", 0, 0), // 2 bytes: fine
                (b_value(&f, "", 9, 2, 3, 3, &[]), "b", 9, 8),
                (b_value(&f, "", 0, 3, 3, 3, &[]), "a", 12, 8),
                (b_value(&f, "", 0, 0, 4, 0, &[]), "l", 4, 3),
                (b_value(&f, "", 0, 0, 0, 4, &[]), "m", 4, 3),
                (b_value(&f, "", 0, 0, 0, 0, &["123456789"]), "ls[0]", 9, 8),
            ];
            for (v, field, len, limit) in cases {
                let r = f.serialize(&v);
                if field.is_empty() {
                    let bytes = r.expect("within the limits");
                    assert_eq!(f.deserialize(&bytes).expect("reads"), v);
                    continue;
                }
                let e = r.expect_err(field);
                let c = e.as_codec().expect("codec error");
                assert_eq!(
                    (c.kind.clone(), c.path.to_string()),
                    (ErrorKind::LengthLimit { len, limit }, field.to_owned()),
                    "{tier:?} compatible={compatible}"
                );
                // And the reader refuses the same value written without limits.
                let free = engine(tier, compatible, false, CodecLimits::default());
                free.load_idl(W).expect("schema w");
                let bytes = free.serialize(&v).expect("no limits");
                let e = f.deserialize(&bytes).expect_err("the reader refuses it too");
                assert!(matches!(kind(&e), Some(ErrorKind::LengthLimit { .. })), "{e}");
            }
        }
    }
}

#[test]
fn writer_refuses_payloads_over_the_memory_budget() {
    for &tier in tiers() {
        let limits = CodecLimits {
            max_graph_memory_bytes: 256,
            max_string_bytes: 1 << 20,
            ..CodecLimits::default()
        };
        let f = engine(tier, false, false, limits);
        let q = f.type_handle("t.Q").expect("Q");
        let mut v = f.new_struct(q).expect("Q");
        f.set(&mut v, "s", Value::string("x".repeat(300))).expect("set");
        let e = f.serialize(&v).expect_err("over the budget");
        assert_eq!(kind(&e), Some(&ErrorKind::OutputLimit(256)), "{tier:?}");
        // What an unlimited engine writes, this one refuses to read.
        let free = engine(tier, false, false, CodecLimits::default());
        let bytes = free.serialize(&v).expect("unlimited");
        let e = f.deserialize(&bytes).expect_err("the reader refuses it too");
        assert_eq!(kind(&e), Some(&ErrorKind::MemoryBudget(256)), "{tier:?}");
        // Within the budget: written and read back.
        f.set(&mut v, "s", Value::string("x".repeat(100))).expect("set");
        assert_eq!(f.deserialize(&f.serialize(&v).expect("fits")).expect("reads"), v);
    }
}

/// An interpreter-only build (without the `jit` feature) serves every type in the
/// interpreter, and refuses a JIT-only engine's registration with a reason naming the feature.
#[test]
#[cfg(not(feature = "jit"))]
fn interpreter_only_build_refuses_compiled_registration_and_interprets_auto() {
    const { assert!(!Tier::JIT_AVAILABLE) };
    let fdl = "package n; message P [id=1] { int32 x = 1; string s = 2; }";
    let strict = ForyJit::builder().tier(Tier::Compiled).build();
    let e = strict.load_idl(fdl).unwrap_err();
    assert!(e.to_string().contains("without the `jit` feature"), "{e}");
    let auto = ForyJit::builder().tier(Tier::Auto).compile_threshold_calls(1).build();
    let p = auto.load_idl(fdl).unwrap().get("n.P").unwrap();
    let v = auto.from_json(p, &serde_json::json!({"x": 3, "s": "é"})).unwrap();
    for _ in 0..10 {
        let bytes = auto.serialize(&v).unwrap();
        assert!(auto.deserialize(&bytes).unwrap().bit_eq(&v));
    }
    assert!(auto.wait_for_compiles(std::time::Duration::from_secs(5)));
    assert_ne!(auto.type_stats(p).unwrap().tier, foryjit::TierState::Compiled);
}
