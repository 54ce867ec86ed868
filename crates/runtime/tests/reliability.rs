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

const TIERS: [Tier; 2] = [Tier::Interpreter, Tier::Compiled];

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
    for tier in TIERS {
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
    for tier in TIERS {
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
    for tier in TIERS {
        let f = engine(tier, false, false, CodecLimits::default());
        f.register_schema(sets()).expect("schema s");
        let ty = f.type_handle("s.S").expect("registered");
        let make = |tags: Value, names: Value| {
            let mut v = f.new_struct(ty).expect("struct");
            assert!(f.set(&mut v, "tags", tags) && f.set(&mut v, "names", names));
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

