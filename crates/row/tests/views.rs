//! The row writer, views and conversions against hand-checked layouts (the layouts were read
//! from pyfory 1.7.7 and the fory 1.7.7 crate; the live comparisons are in `tests/tests/`).

use foryjit_row::{RowCodec, RowErrorKind, RowField, MAX_DEPTH};
use foryjit_schema::{Registry, SchemaDesc};
use foryjit_wire::{Duration, StructValue, Timestamp, TypeIdx, Value};

const FDL: &str = r#"
package rv;
message Inner [id=1] {
    int32 a = 1;
    optional string s = 2;
}
message All [id=2] {
    bool b = 1;
    int8 i8 = 2;
    int16 i16 = 3;
    int32 i32 = 4;
    fixed int64 i64 = 5;
    float32 f32 = 6;
    float64 f64 = 7;
    string s = 8;
    bytes bin = 9;
    date d = 10;
    timestamp ts = 11;
    duration dur = 12;
    list<int16> li = 13;
    list<optional string> ls = 14;
    map<string, optional int64> m = 15;
    Inner inner = 16;
    list<Inner> inners = 17;
    array<float64> af = 18;
    array<bool> ab = 19;
    list<list<int8>> ll = 20;
    optional int64 oi = 21;
}
message Node [id=3] {
    int32 v = 1;
    Node next = 2;
}
enum E [id=4] { A = 0; B = 1; }
message Bad [id=5] {
    optional uint32 u = 1;
}
message BadEnum [id=6] { E e = 1; }
message BadDec [id=7] { decimal x = 1; }
message BadList [id=8] { list<uint8> l = 1; }
message BadArr [id=9] { array<float16> a = 1; }
"#;

fn codec() -> (RowCodec, Vec<TypeIdx>) {
    let mut reg = Registry::default();
    let ids = reg.register(SchemaDesc::from_idl(FDL).unwrap()).unwrap();
    (RowCodec::new(reg), ids)
}

fn st(ty: TypeIdx, fields: Vec<Value>) -> Value {
    Value::Struct(StructValue::new(ty, fields))
}

fn all_value(ids: &[TypeIdx]) -> Value {
    let inner = |a: i32, s: Option<&str>| {
        st(ids[0], vec![Value::Int32(a), s.map_or(Value::Null, Value::string)])
    };
    st(
        ids[1],
        vec![
            Value::Bool(true),
            Value::Int8(-3),
            Value::Int16(-300),
            Value::Int32(-2),
            Value::Int64(i64::MIN),
            Value::Float32(1.5),
            Value::Float64(-0.0),
            Value::string("hé"),
            Value::Binary(vec![1, 2, 3].into()),
            Value::Date(18263),
            Value::Timestamp(Timestamp { seconds: -1, nanos: 999_999_000 }),
            Value::Duration(Duration { seconds: 3, nanos: 500_000 }),
            Value::list(vec![Value::Int16(1), Value::Int16(2), Value::Int16(3)]),
            Value::list(vec![Value::string("a"), Value::Null, Value::string("bcdefghij")]),
            Value::map(vec![
                (Value::string("k"), Value::Int64(5)),
                (Value::string("z"), Value::Null),
            ]),
            inner(7, Some("in")),
            Value::list(vec![inner(1, None), inner(2, Some("x"))]),
            Value::Float64Array(vec![0.5, 2.0].into()),
            Value::BoolArray(vec![true, false, true].into()),
            Value::list(vec![Value::list(vec![Value::Int8(1)]), Value::list(vec![])]),
            Value::Null,
        ],
    )
}

#[test]
fn round_trip_every_type() {
    let (c, ids) = codec();
    let v = all_value(&ids);
    let row = c.to_row(&v).unwrap();
    assert_eq!(row.len() % 8, 0);
    let back = c.from_row(ids[1], &row).unwrap();
    assert!(back.bit_eq(&v), "{back:?}");
}

#[test]
fn exact_layout_of_a_small_row() {
    let (c, ids) = codec();
    // Inner { a: -2, s: "hé" }: bitmap word, two slots, then "hé" padded to 8.
    let v = st(ids[0], vec![Value::Int32(-2), Value::string("hé")]);
    let row = c.to_row(&v).unwrap();
    let mut want = vec![0u8; 8];
    want.extend([0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    want.extend([3, 0, 0, 0, 24, 0, 0, 0]); // size 3, offset 24
    want.extend([0x68, 0xc3, 0xa9, 0, 0, 0, 0, 0]);
    assert_eq!(row, want);
}

#[test]
fn views_read_single_fields() {
    let (c, ids) = codec();
    let row = c.to_row(&all_value(&ids)).unwrap();
    let v = c.view(ids[1], &row).unwrap();
    assert_eq!(v.num_fields(), 21);
    assert_eq!(v.get_bool(0).unwrap(), Some(true));
    assert_eq!(v.get_i16_by_name("i16").unwrap(), Some(-300));
    assert_eq!(v.get_i64(4).unwrap(), Some(i64::MIN));
    assert_eq!(v.get_str_by_name("s").unwrap(), Some("hé"));
    assert_eq!(v.get_bytes_by_name("bin").unwrap(), Some(&[1u8, 2, 3][..]));
    assert_eq!(v.get_date(9).unwrap(), Some(18263));
    assert_eq!(v.get_timestamp(10).unwrap(), Some(Timestamp { seconds: -1, nanos: 999_999_000 }));
    assert_eq!(v.get_i64_by_name("oi").unwrap(), None);
    assert!(v.is_null(20).unwrap());
    let inner = v.get_struct_by_name("inner").unwrap().unwrap();
    assert_eq!(inner.get_str(1).unwrap(), Some("in"));
    let ls = v.get_array_by_name("ls").unwrap().unwrap();
    assert_eq!(ls.len(), 3);
    assert!(ls.is_null(1).unwrap());
    assert!(matches!(ls.get(2).unwrap(), RowField::Str("bcdefghij")));
    assert_eq!(ls.iter().filter(|f| f.as_ref().is_ok_and(|f| f.is_null())).count(), 1);
    let m = v.get_map_by_name("m").unwrap().unwrap();
    assert_eq!(m.len(), 2);
    assert!(matches!(m.key(1).unwrap(), RowField::Str("z")));
    assert!(m.value(1).unwrap().is_null());
    let inners = v.get_array(16).unwrap().unwrap();
    match inners.get(1).unwrap() {
        RowField::Struct(r) => assert_eq!(r.get_i32(0).unwrap(), Some(2)),
        other => panic!("{other:?}"),
    }
    let ab = v.get_array_by_name("ab").unwrap().unwrap();
    assert!(matches!(ab.get(2).unwrap(), RowField::Bool(true)));
    // Wrong type, wrong ordinal, wrong name, wrong index: typed errors.
    assert!(matches!(v.get_i32(0).unwrap_err().kind, RowErrorKind::Mismatch { .. }));
    assert!(matches!(v.get(21).unwrap_err().kind, RowErrorKind::NoSuchField(_)));
    assert!(matches!(v.get_by_name("nope").unwrap_err().kind, RowErrorKind::NoSuchField(_)));
    assert!(matches!(ls.get(3).unwrap_err().kind, RowErrorKind::NoSuchElement { .. }));
}

#[test]
fn buffer_is_reused_and_cleared_on_error() {
    let (c, ids) = codec();
    let mut out = Vec::with_capacity(4096);
    let ptr = out.as_ptr();
    c.write_row(&all_value(&ids), &mut out).unwrap();
    let first = out.clone();
    c.write_row(&all_value(&ids), &mut out).unwrap();
    assert_eq!(out, first);
    assert_eq!(out.as_ptr(), ptr);
    let bad = st(ids[0], vec![Value::Int64(1), Value::Null]);
    let e = c.write_row(&bad, &mut out).unwrap_err();
    assert_eq!(e.path, "a");
    assert!(matches!(e.kind, RowErrorKind::Mismatch { expected: "int32", found: "int64" }));
    assert!(out.is_empty());
}

#[test]
fn value_errors_name_their_path() {
    let (c, ids) = codec();
    let mut v = all_value(&ids);
    // A null in a non-nullable list element.
    if let Value::Struct(s) = &mut v {
        s.fields[12] = Value::list(vec![Value::Int16(1), Value::Null]);
    }
    let e = c.to_row(&v).unwrap_err();
    assert_eq!((e.kind.clone(), e.path.as_str()), (RowErrorKind::NullNotAllowed, "li[1]"));
    // A null in a non-nullable scalar field.
    let e = c.to_row(&st(ids[0], vec![Value::Null, Value::Null])).unwrap_err();
    assert_eq!(e.kind, RowErrorKind::NullNotAllowed);
    // Wrong field count, wrong struct type, not a struct.
    assert!(matches!(
        c.to_row(&st(ids[0], vec![Value::Int32(1)])).unwrap_err().kind,
        RowErrorKind::FieldCount { expected: 2, found: 1 }
    ));
    assert!(c.to_row(&Value::Int32(1)).is_err());
    assert!(c.from_row(TypeIdx(3), &[0; 64]).is_err()); // an enum, not a message
}

#[test]
fn unsupported_types_are_typed_errors() {
    let (c, ids) = codec();
    for (ty, value, name) in [
        (ids[4], Value::Null, "uint32"),
        (ids[5], Value::Enum(foryjit_wire::EnumValue { ty: ids[3], value: 0 }), "enum"),
        (ids[6], Value::Decimal(foryjit_wire::Decimal::from_i128(1, 0)), "decimal"),
        (ids[7], Value::list(vec![]), "array<uint8>"),
        (ids[8], Value::Float16Array(vec![].into()), "array<float16>"),
    ] {
        let e = c.to_row(&st(ty, vec![value])).unwrap_err();
        assert_eq!(
            e.kind,
            RowErrorKind::Unsupported(if name == "array<uint8>" { "uint8" } else { name })
        );
        // Reading such a field is refused the same way.
        let n = c.registry().message(ty).unwrap().fields.len();
        let mut row = vec![0u8; 8 + n * 8];
        row.extend([0u8; 64]);
        row[8..16].copy_from_slice(&((24u64 << 32) | 8).to_le_bytes());
        assert!(matches!(
            c.view(ty, &row).unwrap().get(0).unwrap_err().kind,
            RowErrorKind::Unsupported(_)
        ));
    }
}

#[test]
fn timestamps_and_durations_floor_to_microseconds() {
    let (c, ids) = codec();
    let mut v = all_value(&ids);
    if let Value::Struct(s) = &mut v {
        s.fields[10] = Value::Timestamp(Timestamp { seconds: -1, nanos: 1_999 });
        s.fields[11] = Value::Duration(Duration { seconds: 0, nanos: 999 });
    }
    let row = c.to_row(&v).unwrap();
    let view = c.view(ids[1], &row).unwrap();
    assert_eq!(view.get_timestamp(10).unwrap(), Some(Timestamp { seconds: -1, nanos: 1_000 }));
    assert_eq!(view.get_duration(11).unwrap(), Some(Duration { seconds: 0, nanos: 0 }));
    let raw = |i: usize| i64::from_le_bytes(row[8 + i * 8..16 + i * 8].try_into().unwrap());
    assert_eq!(raw(10), -999_999);
    assert_eq!(raw(11), 0);
}

#[test]
fn deep_nesting_is_bounded() {
    let (c, ids) = codec();
    let mut v = st(ids[2], vec![Value::Int32(0), Value::Null]);
    for i in 1..MAX_DEPTH + 5 {
        v = st(ids[2], vec![Value::Int32(i as i32), v]);
    }
    assert_eq!(c.to_row(&v).unwrap_err().kind, RowErrorKind::TooDeep(MAX_DEPTH));
    let mut v = st(ids[2], vec![Value::Int32(0), Value::Null]);
    for i in 1..MAX_DEPTH - 1 {
        v = st(ids[2], vec![Value::Int32(i as i32), v]);
    }
    let row = c.to_row(&v).unwrap();
    assert!(c.from_row(ids[2], &row).unwrap().bit_eq(&v));
}

#[test]
fn corrupt_rows_are_errors_not_panics() {
    let (c, ids) = codec();
    let row = c.to_row(&all_value(&ids)).unwrap();
    // Every truncation.
    for n in 0..row.len() {
        let _ = c.from_row(ids[1], &row[..n]).expect_err("a truncated row must not decode");
    }
    // A slot pointing into the fixed region, past the end, and a bad bool.
    let slot_s = 8 + 7 * 8;
    let mut bad = row.clone();
    bad[slot_s + 4..slot_s + 8].copy_from_slice(&8u32.to_le_bytes());
    assert_eq!(
        c.view(ids[1], &bad).unwrap().get(7).unwrap_err().kind,
        RowErrorKind::Corrupt("variable data overlaps the fixed region")
    );
    let mut bad = row.clone();
    bad[slot_s + 4..slot_s + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        c.view(ids[1], &bad).unwrap().get(7).unwrap_err().kind,
        RowErrorKind::OutOfBounds { .. }
    ));
    let mut bad = row.clone();
    bad[8] = 2;
    assert_eq!(
        c.view(ids[1], &bad).unwrap().get(0).unwrap_err().kind,
        RowErrorKind::Corrupt("bool byte other than 0 or 1")
    );
    // Every single bit flip: an error or some value, never a panic.
    for i in 0..row.len() * 8 {
        let mut b = row.clone();
        b[i / 8] ^= 1 << (i % 8);
        let _ = c.from_row(ids[1], &b);
    }
}

#[test]
fn sets_and_dense_arrays_share_the_list_layout() {
    use foryjit_schema::{ArrayElem, ElemType, FieldDesc, FieldType, MessageDesc};
    let desc = SchemaDesc::new("s")
        .message(MessageDesc::with_id("s.Set", 1).field(FieldDesc::new(
            "v",
            1,
            FieldType::Set(Box::new(ElemType::new(FieldType::Int32(Default::default())))),
        )))
        .message(MessageDesc::with_id("s.List", 2).field(FieldDesc::new(
            "v",
            1,
            FieldType::list(FieldType::Int32(Default::default())),
        )))
        .message(MessageDesc::with_id("s.Arr", 3).field(FieldDesc::new(
            "v",
            1,
            FieldType::Array(ArrayElem::Int32),
        )));
    let mut reg = Registry::default();
    let ids = reg.register(desc).unwrap();
    let c = RowCodec::new(reg);
    let items = [3, -1, 7];
    let set = st(ids[0], vec![Value::set(items.iter().map(|x| Value::Int32(*x)).collect())]);
    let list = st(ids[1], vec![Value::list(items.iter().map(|x| Value::Int32(*x)).collect())]);
    let arr = st(ids[2], vec![Value::Int32Array(items.to_vec().into())]);
    let rows: Vec<Vec<u8>> = [&set, &list, &arr].iter().map(|v| c.to_row(v).unwrap()).collect();
    assert_eq!(rows[0], rows[1]);
    assert_eq!(rows[1], rows[2]);
    assert_eq!(c.from_row(ids[0], &rows[0]).unwrap(), set);
    assert_eq!(c.from_row(ids[1], &rows[0]).unwrap(), list);
    assert_eq!(c.from_row(ids[2], &rows[0]).unwrap(), arr);
    // A set value in a list field is a mismatch, as in the object format.
    let e = c.to_row(&st(ids[1], vec![Value::set(vec![])])).unwrap_err();
    assert!(matches!(e.kind, RowErrorKind::Mismatch { expected: "list", found: "set" }));
}

/// A corrupt row whose offsets all point at the same inner array would decode to
/// `outer × inner` values from `outer + inner` bytes; `from_row` refuses it instead.
#[test]
fn aliased_offsets_cannot_blow_up_a_decode() {
    let mut reg = Registry::default();
    let ids = reg
        .register(
            SchemaDesc::from_idl("package b; message B [id=1] { list<list<int8>> l = 1; }")
                .unwrap(),
        )
        .unwrap();
    let c = RowCodec::new(reg);
    let (outer, inner) = (1000usize, 1000usize);
    let outer_bitmap = outer.div_ceil(64) * 8;
    let inner_at = 8 + outer_bitmap + outer * 8; // relative to the outer array
    let inner_size = 8 + inner.div_ceil(64) * 8 + inner.div_ceil(8) * 8;
    let mut row = vec![0u8; 8];
    row.extend(((16u64 << 32) | (inner_at + inner_size) as u64).to_le_bytes());
    row.extend((outer as u64).to_le_bytes());
    row.extend(vec![0u8; outer_bitmap]);
    for _ in 0..outer {
        row.extend((((inner_at as u64) << 32) | inner_size as u64).to_le_bytes());
    }
    row.extend((inner as u64).to_le_bytes());
    row.extend(vec![0u8; inner_size - 8]);
    assert_eq!(row.len() % 8, 0);
    // Random access still works: each element is a valid (aliased) inner array.
    let view = c.view(ids[0], &row).unwrap();
    let l = view.get_array(0).unwrap().unwrap();
    assert_eq!(l.len(), outer);
    match l.get(outer - 1).unwrap() {
        RowField::Array(a) => assert_eq!(a.len(), inner),
        other => panic!("{other:?}"),
    }
    let e = c.from_row(ids[0], &row).unwrap_err();
    assert_eq!(e.kind, RowErrorKind::Corrupt("offsets alias: more values than the row has bytes"));
}

#[test]
fn views_stay_small() {
    // Reads return `RowField`s by value; keep them a few words.
    assert!(
        std::mem::size_of::<RowField<'static>>() <= 80,
        "{}",
        std::mem::size_of::<RowField<'static>>()
    );
}
