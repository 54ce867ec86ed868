//! The row format on the engine: `to_row_into` reuses the caller's buffer, errors are
//! `Error::Row`, a `RowCodec` is a snapshot of the types registered when it was taken and is
//! shared between threads.

use foryjit::row::{RowCodec, RowErrorKind};
use foryjit::{Error, ForyJit, Tier};

const FDL: &str =
    "package ra; message P [id=1] { int64 x = 1; optional string s = 2; list<int32> l = 3; }
                   enum E [id=2] { A = 0; }";

#[test]
fn to_row_into_reuses_the_buffer_and_errors_are_typed() {
    let fory = ForyJit::default();
    let schema = fory.load_idl(FDL).unwrap();
    let p = schema.get("ra.P").unwrap();
    let v = fory.from_json(p, &serde_json::json!({"x": 1, "s": "hey", "l": [1, 2, 3]})).unwrap();
    let mut buf = Vec::with_capacity(1024);
    let ptr = buf.as_ptr();
    for _ in 0..3 {
        fory.to_row_into(&v, &mut buf).unwrap();
        assert_eq!(buf.as_ptr(), ptr);
    }
    assert_eq!(fory.from_row(p, &buf).unwrap(), v);
    // Not a message, and a truncated row: Error::Row with its kind.
    let e = schema.get("ra.E").unwrap();
    match fory.from_row(e, &buf) {
        Err(Error::Row(r)) => assert!(matches!(r.kind, RowErrorKind::NotAMessage(_))),
        other => panic!("{other:?}"),
    }
    match fory.from_row(p, &buf[..buf.len() - 8]) {
        Err(Error::Row(r)) => assert!(matches!(r.kind, RowErrorKind::OutOfBounds { .. })),
        other => panic!("{other:?}"),
    }
    match fory.to_row(&foryjit::Value::Int64(1)) {
        Err(Error::Row(r)) => assert!(matches!(r.kind, RowErrorKind::Mismatch { .. })),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rows_do_not_depend_on_the_tier() {
    let rows: Vec<Vec<u8>> = [Tier::Interpreter, Tier::Compiled, Tier::Auto]
        .into_iter()
        .filter(|t| *t != Tier::Compiled || Tier::JIT_AVAILABLE)
        .map(|tier| {
            let fory = ForyJit::builder().tier(tier).build();
            let p = fory.load_idl(FDL).unwrap().get("ra.P").unwrap();
            let v = fory.from_json(p, &serde_json::json!({"x": -5, "s": null, "l": []})).unwrap();
            fory.to_row(&v).unwrap()
        })
        .collect();
    assert_eq!(rows[0], rows[1]);
}

#[test]
fn a_codec_is_a_shared_snapshot() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RowCodec>();
    let fory = ForyJit::default();
    let p = fory.load_idl(FDL).unwrap().get("ra.P").unwrap();
    let codec = fory.row_codec();
    let later = fory.load_idl("package rb; message Q [id=9] { int32 y = 1; }").unwrap();
    let q = later.get("rb.Q").unwrap();
    assert!(codec.registry().message(q.index()).is_none(), "a snapshot");
    assert!(fory.row_codec().registry().message(q.index()).is_some());
    let v = fory.from_json(p, &serde_json::json!({"x": 7, "s": "s", "l": [4]})).unwrap();
    let row = fory.to_row(&v).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let view = codec.view(p.index(), &row).unwrap();
                assert_eq!(view.get_i64_by_name("x").unwrap(), Some(7));
            });
        }
    });
}
