//! The row format against the real `fory` 1.7.7 crate (`#[derive(ForyRow)]`, `fory::to_row`,
//! `fory::from_row`), both directions, on `tests/schemas/row/row.fdl`:
//!
//! 1. the crate writes a Rust mirror, foryjit writes the same value: the rows are byte-identical;
//! 2. foryjit reads the crate's row (whole and field by field through `RowView`) and gets the
//!    value back, bit for bit;
//! 3. the crate reads foryjit's row through its generated views, rebuilds the Rust value, and
//!    writes it again: the same bytes (so floats, NaNs included, survive bit for bit).
//!
//! Values: hand-picked edge values plus seeded random ones (`FORYJIT_SEED` picks another seed).

use fory::{Date, Duration as FDuration, ForyRow, Timestamp as FTimestamp};
use foryjit::row::{RowCodec, RowField};
use foryjit::{ForyJit, TypeHandle, Value};
use foryjit_wire::{Duration, StructValue, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

const FDL: &str = include_str!("../schemas/row/row.fdl");

#[derive(ForyRow, Debug, Clone, PartialEq)]
struct Inner {
    a: i32,
    s: Option<String>,
}

#[derive(ForyRow, Debug, Clone, PartialEq)]
struct All {
    flag: bool,
    tiny: i8,
    small: i16,
    medium: i32,
    big: i64,
    single: f32,
    double: f64,
    text: String,
    blob: Vec<u8>,
    day: Date,
    at: FTimestamp,
    shorts: Vec<i16>,
    names: Vec<Option<String>>,
    counts: BTreeMap<String, Option<i64>>,
    inner: Option<Inner>,
    inners: Vec<Inner>,
    nested: Vec<Vec<i8>>,
    maybe: Option<i64>,
    floats: Vec<f64>,
    groups: BTreeMap<i32, Vec<String>>,
}

#[derive(ForyRow, Debug, Clone, PartialEq)]
struct Timed {
    span: FDuration,
    maybe_span: Option<FDuration>,
    n: i32,
}

struct Env {
    fory: ForyJit,
    codec: RowCodec,
    inner: TypeHandle,
    all: TypeHandle,
    timed: TypeHandle,
}

fn env() -> Env {
    let fory = ForyJit::default();
    let s = fory.load_idl(FDL).unwrap();
    let (inner, all, timed) =
        (s.get("rowt.Inner").unwrap(), s.get("rowt.All").unwrap(), s.get("rowt.Timed").unwrap());
    Env { codec: fory.row_codec(), fory, inner, all, timed }
}

fn st(ty: TypeHandle, fields: Vec<Value>) -> Value {
    Value::Struct(StructValue::new(ty.index(), fields))
}

fn opt<T>(v: &Option<T>, f: impl FnOnce(&T) -> Value) -> Value {
    v.as_ref().map_or(Value::Null, f)
}

fn micros_ts(us: i64) -> Timestamp {
    Timestamp { seconds: us.div_euclid(1_000_000), nanos: us.rem_euclid(1_000_000) as u32 * 1000 }
}

fn inner_value(e: &Env, i: &Inner) -> Value {
    st(e.inner, vec![Value::Int32(i.a), opt(&i.s, |s| Value::string(s.clone()))])
}

fn all_value(e: &Env, a: &All) -> Value {
    st(
        e.all,
        vec![
            Value::Bool(a.flag),
            Value::Int8(a.tiny),
            Value::Int16(a.small),
            Value::Int32(a.medium),
            Value::Int64(a.big),
            Value::Float32(a.single),
            Value::Float64(a.double),
            Value::string(a.text.clone()),
            Value::Binary(a.blob.clone().into()),
            Value::Date(a.day.epoch_days() as i32),
            Value::Timestamp(micros_ts(a.at.to_epoch_micros().unwrap())),
            Value::list(a.shorts.iter().map(|x| Value::Int16(*x)).collect()),
            Value::list(
                a.names.iter().map(|n| opt(n, |s: &String| Value::string(s.clone()))).collect(),
            ),
            Value::map(
                a.counts
                    .iter()
                    .map(|(k, v)| (Value::string(k.clone()), opt(v, |x| Value::Int64(*x))))
                    .collect(),
            ),
            opt(&a.inner, |i| inner_value(e, i)),
            Value::list(a.inners.iter().map(|i| inner_value(e, i)).collect()),
            Value::list(
                a.nested
                    .iter()
                    .map(|l| Value::list(l.iter().map(|x| Value::Int8(*x)).collect()))
                    .collect(),
            ),
            opt(&a.maybe, |x| Value::Int64(*x)),
            Value::Float64Array(a.floats.clone().into()),
            Value::map(
                a.groups
                    .iter()
                    .map(|(k, v)| {
                        (
                            Value::Int32(*k),
                            Value::list(v.iter().map(|s| Value::string(s.clone())).collect()),
                        )
                    })
                    .collect(),
            ),
        ],
    )
}

/// Rebuilds an `All` from a row through the fory crate's generated views only.
fn crate_read_all(bytes: &[u8]) -> Result<All, fory::Error> {
    let v = fory::from_row::<All>(bytes)?;
    let inner_of = |r: InnerRowView<'_>| -> Result<Inner, fory::Error> {
        Ok(Inner { a: r.a()?, s: r.s()?.map(str::to_owned) })
    };
    let names = v.names()?;
    let counts = v.counts()?;
    let inners = v.inners()?;
    let nested = v.nested()?;
    let floats = v.floats()?;
    let groups = v.groups()?;
    Ok(All {
        flag: v.flag()?,
        tiny: v.tiny()?,
        small: v.small()?,
        medium: v.medium()?,
        big: v.big()?,
        single: v.single()?,
        double: v.double()?,
        text: v.text()?.to_owned(),
        blob: v.blob()?.to_vec(),
        day: v.day()?,
        at: v.at()?,
        shorts: v.shorts()?.iter().collect::<Result<_, _>>()?,
        names: names.iter().map(|n| n.map(|n| n.map(str::to_owned))).collect::<Result<_, _>>()?,
        counts: (0..counts.len())
            .map(|i| Ok((counts.key(i)?.to_owned(), counts.value(i)?)))
            .collect::<Result<_, fory::Error>>()?,
        inner: v.inner()?.map(inner_of).transpose()?,
        inners: inners.iter().map(|r| inner_of(r?)).collect::<Result<_, _>>()?,
        nested: nested
            .iter()
            .map(|l| l?.iter().collect::<Result<Vec<i8>, _>>())
            .collect::<Result<_, _>>()?,
        maybe: v.maybe()?,
        floats: floats.iter().collect::<Result<_, _>>()?,
        groups: (0..groups.len())
            .map(|i| {
                let strings = groups.value(i)?;
                let strings =
                    strings.iter().map(|s| s.map(str::to_owned)).collect::<Result<_, _>>()?;
                Ok((groups.key(i)?, strings))
            })
            .collect::<Result<_, fory::Error>>()?,
    })
}

fn edge_values() -> Vec<All> {
    let zero = All {
        flag: false,
        tiny: 0,
        small: 0,
        medium: 0,
        big: 0,
        single: 0.0,
        double: 0.0,
        text: String::new(),
        blob: vec![],
        day: Date::from_epoch_days(0),
        at: FTimestamp::from_epoch_micros(0),
        shorts: vec![],
        names: vec![],
        counts: BTreeMap::new(),
        inner: None,
        inners: vec![],
        nested: vec![],
        maybe: None,
        floats: vec![],
        groups: BTreeMap::new(),
    };
    let full = All {
        flag: true,
        tiny: i8::MIN,
        small: i16::MAX,
        medium: -2,
        big: i64::MIN,
        single: f32::NAN,
        double: -0.0,
        text: "héllo, wörld — 8 bytes+".into(),
        blob: (0..=255).collect(),
        day: Date::from_epoch_days(-719_162),
        at: FTimestamp::from_epoch_micros(-1),
        shorts: vec![1, -1, 3],
        names: vec![Some("a".into()), None, Some("bcdefghij".into()), Some(String::new())],
        counts: [("k".to_string(), Some(5)), ("z".to_string(), None)].into(),
        inner: Some(Inner { a: 7, s: None }),
        inners: vec![Inner { a: 1, s: Some("x".into()) }, Inner { a: 2, s: None }],
        nested: vec![vec![1, 2, 3, 4, 5, 6, 7, 8, 9], vec![], vec![-1]],
        maybe: Some(i64::MAX),
        floats: vec![f64::INFINITY, 1.5, f64::MIN_POSITIVE],
        groups: [(3, vec!["x".into(), String::new()]), (-1, vec![])].into(),
    };
    vec![zero, full]
}

fn random_string(rng: &mut StdRng) -> String {
    let n = rng.random_range(0..20);
    (0..n)
        .map(|_| {
            if rng.random_bool(0.2) {
                char::from_u32(rng.random_range(0x80..0x3000)).unwrap_or('é')
            } else {
                rng.random_range(b'a'..=b'z') as char
            }
        })
        .collect()
}

fn random_all(rng: &mut StdRng) -> All {
    let inner = |rng: &mut StdRng| Inner {
        a: rng.random(),
        s: rng.random_bool(0.5).then(|| random_string(rng)),
    };
    All {
        flag: rng.random(),
        tiny: rng.random(),
        small: rng.random(),
        medium: rng.random(),
        big: rng.random(),
        single: f32::from_bits(rng.random()),
        double: f64::from_bits(rng.random()),
        text: random_string(rng),
        blob: (0..rng.random_range(0..40)).map(|_| rng.random()).collect(),
        day: Date::from_epoch_days(rng.random::<i32>() as i64),
        at: FTimestamp::from_epoch_micros(rng.random_range(-(1i64 << 55)..(1i64 << 55))),
        shorts: (0..rng.random_range(0..9)).map(|_| rng.random()).collect(),
        names: (0..rng.random_range(0..6))
            .map(|_| rng.random_bool(0.7).then(|| random_string(rng)))
            .collect(),
        counts: (0..rng.random_range(0..5))
            .map(|_| (random_string(rng), rng.random_bool(0.7).then(|| rng.random())))
            .collect(),
        inner: rng.random_bool(0.7).then(|| inner(rng)),
        inners: (0..rng.random_range(0..4)).map(|_| inner(rng)).collect(),
        nested: (0..rng.random_range(0..4))
            .map(|_| (0..rng.random_range(0..12)).map(|_| rng.random()).collect())
            .collect(),
        maybe: rng.random_bool(0.5).then(|| rng.random()),
        floats: (0..rng.random_range(0..5)).map(|_| f64::from_bits(rng.random())).collect(),
        groups: (0..rng.random_range(0..4))
            .map(|_| {
                (rng.random(), (0..rng.random_range(0..3)).map(|_| random_string(rng)).collect())
            })
            .collect(),
    }
}

fn check_all(e: &Env, a: &All, what: &str) {
    let value = all_value(e, a);
    let theirs = fory::to_row(a).unwrap();
    // 1. Byte-identical rows.
    let ours = e.fory.to_row(&value).unwrap();
    assert_eq!(foryjit_tests::hex(&ours), foryjit_tests::hex(&theirs), "{what}: {a:?}");
    // 2. foryjit reads the crate's row: whole, and field by field.
    let back = e.fory.from_row(e.all, &theirs).unwrap();
    assert!(back.bit_eq(&value), "{what}: {back:?}");
    let view = e.codec.view(e.all.index(), &theirs).unwrap();
    let fields = value.as_struct().unwrap();
    for (i, want) in fields.fields.iter().enumerate() {
        let got = view.get(i).unwrap().to_value().unwrap();
        assert!(got.bit_eq(want), "{what}: field {i}: {got:?} != {want:?}");
    }
    // 3. The crate reads foryjit's row through its views and writes the same bytes again.
    let rebuilt = crate_read_all(&ours).unwrap();
    assert_eq!(fory::to_row(&rebuilt).unwrap(), ours, "{what}");
}

#[test]
fn all_types_edge_values_both_directions() {
    let e = env();
    for (i, a) in edge_values().iter().enumerate() {
        check_all(&e, a, &format!("edge #{i}"));
    }
}

#[test]
fn all_types_random_values_both_directions() {
    let e = env();
    let seed = foryjit_tests::seed_from_env(0x0509_2026);
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..300 {
        let a = random_all(&mut rng);
        check_all(&e, &a, &format!("seed {seed:#x} case {i}"));
    }
}

#[test]
fn durations_both_directions() {
    let e = env();
    for (span, maybe, n) in
        [(0i64, None, 0), (-1, Some(1_500_000i64), i32::MIN), (i64::MAX, Some(i64::MIN), i32::MAX)]
    {
        let t = Timed {
            span: FDuration::from_micros(span),
            maybe_span: maybe.map(FDuration::from_micros),
            n,
        };
        let d = |us: i64| {
            Value::Duration(Duration {
                seconds: us.div_euclid(1_000_000),
                nanos: us.rem_euclid(1_000_000) as i32 * 1000,
            })
        };
        let value = st(e.timed, vec![d(span), maybe.map_or(Value::Null, d), Value::Int32(n)]);
        let theirs = fory::to_row(&t).unwrap();
        let ours = e.fory.to_row(&value).unwrap();
        assert_eq!(ours, theirs);
        assert!(e.fory.from_row(e.timed, &theirs).unwrap().bit_eq(&value));
        let v = fory::from_row::<Timed>(&ours).unwrap();
        assert_eq!(
            Timed {
                span: v.span().unwrap(),
                maybe_span: v.maybe_span().unwrap(),
                n: v.n().unwrap()
            },
            t
        );
    }
}

/// The view reads one field of the crate's row without touching the others: a corrupt string
/// elsewhere in the row does not stop it.
#[test]
fn one_field_reads_ignore_the_rest() {
    let e = env();
    let a = edge_values().pop().unwrap();
    let mut row = fory::to_row(&a).unwrap();
    let text_slot = 8 + 7 * 8;
    let word = u64::from_le_bytes(row[text_slot..text_slot + 8].try_into().unwrap());
    let text_at = (word >> 32) as usize;
    row[text_at] = 0xff; // no longer UTF-8
    let view = e.codec.view(e.all.index(), &row).unwrap();
    assert_eq!(view.get_i64_by_name("big").unwrap(), Some(i64::MIN));
    assert!(matches!(view.get_by_name("inner").unwrap(), RowField::Struct(_)));
    assert!(view.get_str_by_name("text").is_err());
    assert!(e.fory.from_row(e.all, &row).is_err());
}
