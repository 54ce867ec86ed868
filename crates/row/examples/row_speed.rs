//! One run, ratios (`cargo run --release -p foryjit-row --example row_speed`):
//!
//! * writing a 10-field row and reading it back whole: foryjit against the fory crate's
//!   `#[derive(ForyRow)]` (`to_row_into`, and its views read field by field into the struct);
//! * reading one field of a 100-field row through a `RowView`, against decoding the same value
//!   from the object format (foryjit's interpreter, same-schema mode) and taking the field.

use fory::ForyRow;
use foryjit_interp::{Catalog, Options};
use foryjit_row::RowCodec;
use foryjit_schema::{Limits, SchemaDesc};
use foryjit_wire::{StructValue, Value};
use std::hint::black_box;
use std::time::Instant;

#[derive(ForyRow, Clone)]
struct Ten {
    id: i64,
    count: i32,
    score: f64,
    name: String,
    city: String,
    tags: Vec<i32>,
    active: bool,
    small: i16,
    note: Option<String>,
    blob: Vec<u8>,
}

const TEN: &str =
    "package s; message Ten [id=1] { int64 id = 1; int32 count = 2; float64 score = 3;
    string name = 4; string city = 5; list<int32> tags = 6; bool active = 7; int16 small = 8;
    optional string note = 9; bytes blob = 10; }";

fn time(label: &str, iters: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let ns = t.elapsed().as_nanos() as f64 / f64::from(iters);
    println!("{label:<48} {ns:>10.1} ns");
    ns
}

fn main() {
    if std::env::var_os("ROW_SPEED_PROFILE").is_some() {
        profile();
        return;
    }
    // --- 10 fields: foryjit vs the fory crate ---
    let mut cat = Catalog::new(Limits::default(), foryjit_ir::Mode::SameSchema);
    let ids = cat.register(SchemaDesc::from_idl(TEN).unwrap()).unwrap();
    let codec = RowCodec::new(cat.registry().clone());
    let ten = Ten {
        id: 123456789,
        count: 42,
        score: 3.25,
        name: "Alice Example".into(),
        city: "Hangzhou".into(),
        tags: vec![1, 2, 3, 4, 5, 6, 7, 8],
        active: true,
        small: -7,
        note: Some("a note".into()),
        blob: vec![7; 32],
    };
    let value = Value::Struct(StructValue::new(
        ids[0],
        vec![
            Value::Int64(ten.id),
            Value::Int32(ten.count),
            Value::Float64(ten.score),
            Value::string(ten.name.clone()),
            Value::string(ten.city.clone()),
            Value::list(ten.tags.iter().map(|x| Value::Int32(*x)).collect()),
            Value::Bool(ten.active),
            Value::Int16(ten.small),
            Value::string("a note"),
            Value::Binary(ten.blob.clone().into()),
        ],
    ));
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    codec.write_row(&value, &mut ours).unwrap();
    fory::to_row_into(&ten, &mut theirs).unwrap();
    assert_eq!(ours, theirs, "the rows differ");
    let w_ours = time("write 10 fields: foryjit (Value)", 200_000, || {
        codec.write_row(black_box(&value), &mut ours).unwrap();
    });
    let w_theirs = time("write 10 fields: fory crate ForyRow", 200_000, || {
        fory::to_row_into(black_box(&ten), &mut theirs).unwrap();
    });
    let r_ours = time("read 10 fields whole: foryjit from_row", 200_000, || {
        black_box(codec.from_row(ids[0], black_box(&ours)).unwrap());
    });
    let r_theirs = time("read 10 fields whole: fory crate views", 200_000, || {
        let v = fory::from_row::<Ten>(black_box(&theirs)).unwrap();
        black_box(Ten {
            id: v.id().unwrap(),
            count: v.count().unwrap(),
            score: v.score().unwrap(),
            name: v.name().unwrap().to_owned(),
            city: v.city().unwrap().to_owned(),
            tags: v.tags().unwrap().iter().map(|x| x.unwrap()).collect(),
            active: v.active().unwrap(),
            small: v.small().unwrap(),
            note: v.note().unwrap().map(str::to_owned),
            blob: v.blob().unwrap().to_vec(),
        });
    });
    time("read 10 fields, views only: foryjit", 200_000, || {
        let v = codec.view(ids[0], black_box(&ours)).unwrap();
        for i in 0..10 {
            black_box(v.get(i).unwrap());
        }
    });
    println!("ratio write foryjit/fory crate: {:.2}", w_ours / w_theirs);
    println!("ratio full read foryjit/fory crate: {:.2}", r_ours / r_theirs);

    // --- one field of 100 vs a full object-format decode ---
    let mut fdl = String::from("package w; message Wide [id=2] {");
    for i in 0..100 {
        let ty = ["int64", "string", "float64", "int32"][i % 4];
        fdl.push_str(&format!(" {ty} f{i} = {};", i + 1));
    }
    fdl.push('}');
    let mut cat = Catalog::new(Limits::default(), foryjit_ir::Mode::SameSchema);
    let wide = cat.register(SchemaDesc::from_idl(&fdl).unwrap()).unwrap()[0];
    let fields = (0..100i32)
        .map(|i| match i % 4 {
            0 => Value::Int64(i64::from(i) * 1_000_003),
            1 => Value::string(format!("field number {i}")),
            2 => Value::Float64(f64::from(i) / 3.0),
            _ => Value::Int32(-i),
        })
        .collect();
    let value = Value::Struct(StructValue::new(wide, fields));
    let opts = Options::default();
    let mut object = Vec::new();
    foryjit_interp::serialize(&cat, &opts, &value, &mut object).unwrap();
    let codec = RowCodec::new(cat.registry().clone());
    let row = codec.to_row(&value).unwrap();
    let one = time("one field of 100: RowView::get_i64 by ordinal", 2_000_000, || {
        let v = codec.view(wide, black_box(&row)).unwrap();
        black_box(v.get_i64(56).unwrap());
    });
    let view = codec.view(wide, &row).unwrap();
    time("one field of 100: get_i64 on a view already made", 2_000_000, || {
        black_box(black_box(&view).get_i64(56).unwrap());
    });
    let by_name = time("one field of 100: RowView::get_i64_by_name", 2_000_000, || {
        let v = codec.view(wide, black_box(&row)).unwrap();
        black_box(v.get_i64_by_name("f56").unwrap());
    });
    let full = time("one field of 100: object decode, interpreter", 50_000, || {
        let v = foryjit_interp::deserialize(&cat, &opts, black_box(&object)).unwrap();
        black_box(v.as_struct().unwrap().fields[56].clone());
    });
    println!("ratio object decode / row field (ordinal): {:.0}x", full / one);
    println!("ratio object decode / row field (name): {:.0}x", full / by_name);
}

/// `ROW_SPEED_PROFILE=1`: only full 10-field reads, for a profiler.
fn profile() {
    let mut cat = Catalog::new(Limits::default(), foryjit_ir::Mode::SameSchema);
    let ids = cat.register(SchemaDesc::from_idl(TEN).unwrap()).unwrap();
    let codec = RowCodec::new(cat.registry().clone());
    let value = Value::Struct(StructValue::new(
        ids[0],
        vec![
            Value::Int64(1),
            Value::Int32(2),
            Value::Float64(3.0),
            Value::string("Alice Example"),
            Value::string("Hangzhou"),
            Value::list((1..=8).map(Value::Int32).collect()),
            Value::Bool(true),
            Value::Int16(-7),
            Value::string("a note"),
            Value::Binary(vec![7; 32].into()),
        ],
    ));
    let row = codec.to_row(&value).unwrap();
    for _ in 0..3_000_000 {
        black_box(codec.from_row(ids[0], black_box(&row)).unwrap());
    }
}
