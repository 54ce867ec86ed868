//! Out-of-band buffers live against pyfory 1.7.7 (issue 15 item 1, `docs/out-of-band.md`): for
//! the same decisions (a size threshold, or a per-binary pick as a `buffer_callback` makes them)
//! pyfory and foryjit write byte-identical payloads and identical buffers, in both modes and
//! both tiers, and each reads the other's payload with its buffers.

use foryjit::{BufferPolicy, ForyJit, StringPolicy, Tier, TypeHandle, Value};
use foryjit_tests::peer::{
    default_config, deserialize_request, pyfory_defaults_config, PyforyPeer,
};
use foryjit_tests::{hex, seed_from_env, unhex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value as Json};
use std::cell::Cell;

const FDL: &str = "package pob;
message Leaf [id=712] { bytes data = 1; int32 k = 2; }
message Blob [id=711] {
    bytes a = 1;
    int32 n = 2;
    list<bytes> items = 3;
    optional bytes o = 4;
    array<int32> nums = 5;
    Leaf leaf = 6;
    list<Leaf> leaves = 7;
    map<string, bytes> named = 8;
    string s = 9;
}";

fn gen_bytes(rng: &mut StdRng) -> Value {
    let n = match rng.random_range(0..5) {
        0 => 0,
        1 => 1,
        2 => rng.random_range(2..16),
        3 => rng.random_range(16..300),
        _ => rng.random_range(300..3000),
    };
    Value::Binary((0..n).map(|_| rng.random()).collect::<Vec<u8>>().into())
}

fn gen_leaf(rng: &mut StdRng, fory: &ForyJit, leaf: TypeHandle) -> Value {
    let mut v = fory.new_struct(leaf).unwrap();
    fory.set(&mut v, "data", gen_bytes(rng)).unwrap();
    fory.set(&mut v, "k", Value::Int32(rng.random())).unwrap();
    v
}

fn gen_blob(rng: &mut StdRng, fory: &ForyJit, blob: TypeHandle, leaf: TypeHandle) -> Value {
    let mut v = fory.new_struct(blob).unwrap();
    fory.set(&mut v, "a", gen_bytes(rng)).unwrap();
    fory.set(&mut v, "n", Value::Int32(rng.random())).unwrap();
    let items = (0..rng.random_range(0..4)).map(|_| gen_bytes(rng)).collect();
    fory.set(&mut v, "items", Value::list(items)).unwrap();
    let o = if rng.random_bool(0.3) { Value::Null } else { gen_bytes(rng) };
    fory.set(&mut v, "o", o).unwrap();
    let nums: Vec<i32> = (0..rng.random_range(0..20)).map(|_| rng.random()).collect();
    fory.set(&mut v, "nums", Value::Int32Array(nums.into())).unwrap();
    let l = if rng.random_bool(0.2) { Value::Null } else { gen_leaf(rng, fory, leaf) };
    fory.set(&mut v, "leaf", l).unwrap();
    let leaves = (0..rng.random_range(0..3)).map(|_| gen_leaf(rng, fory, leaf)).collect();
    fory.set(&mut v, "leaves", Value::list(leaves)).unwrap();
    let named = (0..rng.random_range(0..3))
        .map(|i| (Value::string(format!("k{i}")), gen_bytes(rng)))
        .collect();
    fory.set(&mut v, "named", Value::map(named)).unwrap();
    fory.set(&mut v, "s", Value::string("hello")).unwrap();
    v
}

/// The number of binaries in `v` (what pyfory asks its callback about).
fn binaries(v: &Value) -> usize {
    match v {
        Value::Binary(_) => 1,
        Value::List(xs) => xs.iter().map(binaries).sum(),
        Value::Map(es) => es.iter().map(|e| binaries(&e.key) + binaries(&e.value)).sum(),
        Value::Struct(s) => s.fields.iter().map(binaries).sum(),
        _ => 0,
    }
}

fn buffers_of(resp: &Json) -> Vec<Vec<u8>> {
    resp["buffers"]
        .as_array()
        .unwrap_or_else(|| panic!("no buffers in {resp}"))
        .iter()
        .map(|b| unhex(b.as_str().unwrap()).unwrap())
        .collect()
}

#[test]
fn same_decisions_give_pyforys_payload_and_buffers_both_ways() {
    let seed = seed_from_env(0x000b_5eed);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut peer = PyforyPeer::shared();
    peer.load(FDL).unwrap();
    let mut out_of_band_seen = 0;
    for (compatible, config) in [(false, default_config()), (true, pyfory_defaults_config())] {
        let engines: Vec<(Tier, ForyJit)> = [Tier::Interpreter, Tier::Compiled]
            .into_iter()
            .map(|t| {
                let f = ForyJit::builder()
                    .tier(t)
                    .compatible(compatible)
                    .string_policy(StringPolicy::PyforyLike)
                    .build();
                (t, f)
            })
            .collect();
        let hs: Vec<_> = engines.iter().map(|(_, f)| f.load_idl(FDL).unwrap()).collect();
        let (blob, leaf) = (hs[0].get("pob.Blob").unwrap(), hs[0].get("pob.Leaf").unwrap());
        for case in 0..24 {
            let v = gen_blob(&mut rng, &engines[0].1, blob, leaf);
            let value_json = engines[0].1.to_json(blob, &v).unwrap();
            let n = binaries(&v);
            // even cases: a threshold; odd ones: a pick per binary, in wire order
            let threshold = [0usize, 1, 16, 300, usize::MAX][case / 2 % 5];
            let picks: Vec<bool> = (0..n).map(|_| rng.random()).collect();
            let oob = if case % 2 == 0 {
                json!({"min_bytes": threshold.min(1 << 40)})
            } else {
                json!({"pick": picks})
            };
            let ctx = format!("seed {seed:#x}, compatible {compatible}, case {case}, oob {oob}");
            let resp = peer
                .request(json!({"op": "serialize", "type": "pob.Blob", "value": value_json,
                    "config": config, "oob": oob}))
                .unwrap_or_else(|e| panic!("{ctx}: pyfory: {e}"));
            let theirs = unhex(resp["hex"].as_str().unwrap()).unwrap();
            let their_buffers = buffers_of(&resp);
            out_of_band_seen += their_buffers.len();
            let mut ours_last = (Vec::new(), Vec::new());
            for (tier, fory) in &engines {
                let ctx = format!("{ctx}, {tier:?}");
                let asked = Cell::new(0usize);
                let pick = |_: &[u8]| {
                    let i = asked.get();
                    asked.set(i + 1);
                    picks.get(i).copied().unwrap_or(false)
                };
                let policy = if case % 2 == 0 {
                    BufferPolicy::AtLeast(threshold)
                } else {
                    BufferPolicy::Callback(&pick)
                };
                let (ours, our_buffers) = fory.serialize_with_buffers(&v, policy).unwrap();
                assert_eq!(hex(&ours), hex(&theirs), "{ctx}: payload");
                let ob: Vec<Vec<u8>> = our_buffers.iter().map(|b| b.to_vec()).collect();
                assert_eq!(ob, their_buffers, "{ctx}: buffers");
                ours_last = (ours.clone(), ob);
                if case % 2 == 1 {
                    assert_eq!(asked.get(), n, "{ctx}: one decision per binary");
                }
                // we read pyfory's payload with its buffers
                let refs: Vec<&[u8]> = their_buffers.iter().map(Vec::as_slice).collect();
                let back = fory.deserialize_with_buffers(&theirs, &refs).unwrap();
                assert!(back.bit_eq(&v), "{ctx}: we read pyfory's");
            }
            // pyfory reads ours (the compiled tier's) with our buffers
            let (ours, our_buffers) = ours_last;
            let mut req = deserialize_request(None, "pob.Blob", &ours, &config);
            req["buffers"] = json!(our_buffers.iter().map(|b| hex(b)).collect::<Vec<_>>());
            let read = peer.request(req).unwrap_or_else(|e| panic!("{ctx}: pyfory read: {e}"));
            assert_eq!(read["value"], value_json, "{ctx}: pyfory reads ours");
        }
    }
    assert!(out_of_band_seen > 20, "only {out_of_band_seen} buffers went out of band");
}

#[test]
fn pyfory_refuses_what_we_refuse() {
    // Both sides refuse an out-of-band payload read without buffers, and buffers for an
    // in-band payload.
    let mut peer = PyforyPeer::shared();
    peer.load(FDL).unwrap();
    let fory = ForyJit::builder().compatible(false).string_policy(StringPolicy::PyforyLike).build();
    let h = fory.load_idl(FDL).unwrap();
    let blob = h.get("pob.Blob").unwrap();
    let mut v = fory.new_struct(blob).unwrap();
    fory.set(&mut v, "a", Value::Binary(b"zero-copy".to_vec().into())).unwrap();
    let (p, b) = fory.serialize_with_buffers(&v, BufferPolicy::AtLeast(1)).unwrap();
    assert_eq!(b.len(), 1);
    let cfg = default_config();
    let err = peer.request(deserialize_request(None, "pob.Blob", &p, &cfg)).unwrap_err();
    assert!(err.contains("Out-of-band buffers are required"), "{err}");
    assert!(fory.deserialize(&p).is_err());
    let plain = fory.serialize(&v).unwrap();
    let mut req = deserialize_request(None, "pob.Blob", &plain, &cfg);
    req["buffers"] = json!(["00"]);
    let err = peer.request(req).unwrap_err();
    assert!(err.contains("in-band root payload"), "{err}");
    assert!(fory.deserialize_with_buffers(&plain, &[b"\0"]).is_err());
}
