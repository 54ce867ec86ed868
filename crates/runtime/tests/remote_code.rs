//! Compiled readers for received TypeDefs (compatible mode, the writer's schema differs from
//! ours) are freed once nothing can reach them: a registration starts a fresh TypeDef cache, and
//! the readers compiled for the old one go with it, unless a `MetaShare` still holds them.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

use foryjit::{ForyJit, MetaShare, Tier};

const WRITER: &str = "package r; message P [id=7] { int32 a = 1; string b = 2; int64 extra = 3; }";
const READER: &str = "package r; message P [id=7] { int32 a = 1; string b = 2; }";

fn payload() -> Vec<u8> {
    let writer = ForyJit::builder().tier(Tier::Interpreter).build();
    let p = writer.load_idl(WRITER).unwrap().get("r.P").unwrap();
    let v = writer.from_json(p, &serde_json::json!({"a": 1, "b": "x", "extra": 9})).unwrap();
    writer.serialize(&v).unwrap()
}

#[test]
fn readers_of_an_old_cache_are_freed_after_a_registration() {
    let bytes = payload();
    let fory = ForyJit::builder().tier(Tier::Compiled).build();
    let p = fory.load_idl(READER).unwrap().get("r.P").unwrap();
    let expect = fory.from_json(p, &serde_json::json!({"a": 1, "b": "x"})).unwrap();
    const ROUNDS: u64 = 200;
    for k in 0..ROUNDS {
        assert!(fory.deserialize(&bytes).unwrap().bit_eq(&expect), "round {k}");
        assert_eq!(fory.live_remote_readers(), 1, "round {k}");
        fory.load_idl(&format!("package x{k}; message Q{k} [id={}] {{ int32 a = 1; }}", 100 + k))
            .unwrap();
    }
    // One compile per cache generation, and only the last generation's reader... which the
    // last registration dropped too.
    assert_eq!(fory.compiled_remote_readers(), ROUNDS);
    assert_eq!(fory.live_remote_readers(), 0);
}

#[test]
fn a_meta_share_keeps_its_readers_alive() {
    let bytes = payload();
    let fory = ForyJit::builder().tier(Tier::Compiled).build();
    fory.load_idl(READER).unwrap();
    let mut share = MetaShare::default();
    fory.deserialize_shared(&bytes, &mut share).unwrap();
    assert_eq!(fory.live_remote_readers(), 1);
    fory.load_idl("package y; message Q [id=99] { int32 a = 1; }").unwrap();
    // The catalog dropped its cache, the stream still refers to the TypeDef.
    assert_eq!(fory.live_remote_readers(), 1);
    drop(share);
    assert_eq!(fory.live_remote_readers(), 0);
}
