//! Out-of-band buffers (issue 15 item 1, `docs/out-of-band.md`) without a peer: pyfory's bytes
//! for known cases, the interpreter against the compiled tier on random values (same payload,
//! same buffers, same values, same errors), the error cases, and that out-of-band buffers
//! borrow the value's bytes (pointer identity, no copy).

use foryjit::{BufferPolicy, ErrorKind, ForyJit, Tier, TierState, TypeHandle, Value};
use foryjit_tests::{hex, seed_from_env};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FDL: &str = "package ob;
message Leaf [id=702] { bytes data = 1; int32 k = 2; }
message Blob [id=701] {
    bytes a = 1;
    int32 n = 2;
    list<bytes> items = 3;
    optional bytes o = 4;
    array<int32> nums = 5;
    Leaf leaf = 6;
    list<Leaf> leaves = 7;
    map<string, bytes> named = 8;
    any anything = 9;
    string s = 10;
}";

fn engine(tier: Tier, compatible: bool) -> (ForyJit, TypeHandle, TypeHandle) {
    let fory = ForyJit::builder().tier(tier).compatible(compatible).build();
    let s = fory.load_idl(FDL).unwrap();
    let (blob, leaf) = (s.get("ob.Blob").unwrap(), s.get("ob.Leaf").unwrap());
    if tier == Tier::Compiled {
        for t in [blob, leaf] {
            assert_eq!(fory.type_stats(t).map(|s| s.tier), Some(TierState::Compiled));
        }
    }
    (fory, blob, leaf)
}

fn bin(b: &[u8]) -> Value {
    Value::Binary(b.to_vec().into())
}

fn gen_bytes(rng: &mut StdRng) -> Value {
    let n = match rng.random_range(0..6) {
        0 => 0,
        1 => 1,
        2 => rng.random_range(2..8),
        3 => rng.random_range(8..200),
        _ => rng.random_range(200..5000),
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
    let items = (0..rng.random_range(0..5)).map(|_| gen_bytes(rng)).collect();
    fory.set(&mut v, "items", Value::list(items)).unwrap();
    let o = if rng.random_bool(0.3) { Value::Null } else { gen_bytes(rng) };
    fory.set(&mut v, "o", o).unwrap();
    let nums: Vec<i32> = (0..rng.random_range(0..50)).map(|_| rng.random()).collect();
    fory.set(&mut v, "nums", Value::Int32Array(nums.into())).unwrap();
    let l = if rng.random_bool(0.2) { Value::Null } else { gen_leaf(rng, fory, leaf) };
    fory.set(&mut v, "leaf", l).unwrap();
    let leaves = (0..rng.random_range(0..4)).map(|_| gen_leaf(rng, fory, leaf)).collect();
    fory.set(&mut v, "leaves", Value::list(leaves)).unwrap();
    let named = (0..rng.random_range(0..4))
        .map(|i| (Value::string(format!("k{i}")), gen_bytes(rng)))
        .collect();
    fory.set(&mut v, "named", Value::map(named)).unwrap();
    let any = match rng.random_range(0..3) {
        0 => Value::Null,
        1 => gen_bytes(rng),
        _ => Value::string("text"),
    };
    fory.set(&mut v, "anything", any).unwrap();
    fory.set(&mut v, "s", Value::string("hello")).unwrap();
    v
}

fn owned(buffers: &[&[u8]]) -> Vec<Vec<u8>> {
    buffers.iter().map(|b| b.to_vec()).collect()
}

fn same(a: &Result<Value, foryjit::Error>, b: &Result<Value, foryjit::Error>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.bit_eq(y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

fn kind(r: Result<Value, foryjit::Error>) -> ErrorKind {
    match r {
        Err(foryjit::Error::Codec(e)) => e.kind.clone(),
        other => panic!("expected a codec error, got {other:?}"),
    }
}

#[test]
fn pyforys_bytes_for_root_binaries_and_lists_in_both_tiers() {
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let fory = ForyJit::builder().tier(tier).build();
        let abcd = bin(b"abcd");
        let (p, b) = fory.serialize_with_buffers(&abcd, BufferPolicy::AtLeast(0)).unwrap();
        assert_eq!((hex(&p), owned(&b)), ("03ff2900".into(), vec![b"abcd".to_vec()]));
        let (p, b) = fory.serialize_with_buffers(&abcd, BufferPolicy::AtLeast(5)).unwrap();
        assert_eq!((hex(&p), b.len()), ("03ff29010461626364".into(), 0));
        assert_eq!(fory.deserialize_with_buffers(&p, &[]).unwrap(), abcd);
        let two = Value::list(vec![bin(b"ab"), bin(b"cdef")]);
        let (p, b) = fory.serialize_with_buffers(&two, BufferPolicy::AtLeast(3)).unwrap();
        assert_eq!(hex(&p), "03ff1602082901026162".to_owned() + "00");
        assert_eq!(owned(&b), vec![b"cdef".to_vec()]);
        assert_eq!(fory.deserialize_with_buffers(&p, &b).unwrap(), two);
        // Dense arrays stay in band (no marker), as pyfory writes `array('i', [1, 2, 3])`.
        let arr = Value::Int32Array(vec![1, 2, 3].into());
        let (p, b) = fory.serialize_with_buffers(&arr, BufferPolicy::AtLeast(0)).unwrap();
        assert_eq!((hex(&p), b.len()), ("03ff2e0c010000000200000003000000".into(), 0));
        assert_eq!(fory.deserialize_with_buffers(&p, &[]).unwrap(), arr);
    }
}

#[test]
fn a_struct_in_both_modes_matches_the_documented_bytes() {
    // docs/out-of-band.md: the same-schema payload pyfory writes for this value.
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let fory = ForyJit::builder().tier(tier).compatible(false).build();
        let s = fory
            .load_idl(
                "package ob; message Blob [id=701] { bytes a = 1; int32 n = 2; \
                 list<bytes> items = 3; optional bytes o = 4; }",
            )
            .unwrap();
        let ty = s.get("ob.Blob").unwrap();
        let mut v = fory.new_struct(ty).unwrap();
        fory.set(&mut v, "a", bin(b"hello")).unwrap();
        fory.set(&mut v, "n", Value::Int32(5)).unwrap();
        fory.set(&mut v, "items", Value::list(vec![bin(b"x"), bin(b"yy")])).unwrap();
        fory.set(&mut v, "o", bin(b"q")).unwrap();
        let (p, b) = fory.serialize_with_buffers(&v, BufferPolicy::AtLeast(2)).unwrap();
        assert_eq!(hex(&p), "03ff1bbd050ce95c7b0a00020c01017800ff010171", "{tier:?}");
        assert_eq!(owned(&b), vec![b"hello".to_vec(), b"yy".to_vec()]);
        assert!(fory.deserialize_with_buffers(&p, &b).unwrap().bit_eq(&v));
    }
}

#[test]
fn compiled_equals_interpreted_with_buffers() {
    let seed = seed_from_env(0x0b0f_ba4d);
    let mut rng = StdRng::seed_from_u64(seed);
    for compatible in [false, true] {
        let (fi, blob, leaf) = engine(Tier::Interpreter, compatible);
        let (fj, _, _) = engine(Tier::Compiled, compatible);
        for case in 0..150 {
            let ctx = format!("seed {seed:#x}, compatible {compatible}, case {case}");
            let v = gen_blob(&mut rng, &fi, blob, leaf);
            let threshold = [0usize, 1, 2, 64, 1000, usize::MAX][case % 6];
            let picks: Vec<bool> = (0..64).map(|_| rng.random()).collect();
            let pick = |n: &std::cell::Cell<usize>| {
                let i = n.get();
                n.set(i + 1);
                picks[i % picks.len()]
            };
            let (ni, nj) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
            let (ci, cj) = (|_: &[u8]| pick(&ni), |_: &[u8]| pick(&nj));
            let (pi, pj) = if case % 2 == 0 {
                (BufferPolicy::AtLeast(threshold), BufferPolicy::AtLeast(threshold))
            } else {
                (BufferPolicy::Callback(&ci), BufferPolicy::Callback(&cj))
            };
            let (a, b) = (fi.serialize_with_buffers(&v, pi), fj.serialize_with_buffers(&v, pj));
            let ((pa, ba), (pb, bb)) = (a.unwrap(), b.unwrap());
            assert_eq!(hex(&pa), hex(&pb), "{ctx}: payload");
            assert_eq!(ba, bb, "{ctx}: buffers");
            assert_eq!(pa[0], 0x03, "{ctx}");
            // the plain payload differs exactly by the markers and the buffers
            let (x, y) =
                (fi.deserialize_with_buffers(&pa, &ba), fj.deserialize_with_buffers(&pa, &ba));
            assert!(x.as_ref().is_ok_and(|d| d.bit_eq(&v)), "{ctx}: round trip {x:?}");
            assert!(same(&x, &y), "{ctx}: {x:?} vs {y:?}");
            // too few, too many, none
            if !ba.is_empty() {
                let few = &ba[..ba.len() - 1];
                let (x, y) =
                    (fi.deserialize_with_buffers(&pa, few), fj.deserialize_with_buffers(&pa, few));
                assert!(same(&x, &y), "{ctx}: few {x:?} vs {y:?}");
                assert!(matches!(kind(x), ErrorKind::MissingBuffer { .. }), "{ctx}");
            }
            let mut many = ba.clone();
            many.push(b"extra");
            let (x, y) =
                (fi.deserialize_with_buffers(&pa, &many), fj.deserialize_with_buffers(&pa, &many));
            assert!(same(&x, &y), "{ctx}: many {x:?} vs {y:?}");
            let used = ba.len();
            assert_eq!(kind(x), ErrorKind::UnusedBuffers { used, given: used + 1 }, "{ctx}");
            let (x, y) = (fi.deserialize(&pa), fj.deserialize(&pa));
            assert!(same(&x, &y), "{ctx}: none {x:?} vs {y:?}");
            assert_eq!(kind(x), ErrorKind::BuffersRequired, "{ctx}");
            // truncations and byte flips: the same value or the same error
            for _ in 0..4 {
                let cut = rng.random_range(0..pa.len());
                let t = &pa[..cut];
                let (x, y) =
                    (fi.deserialize_with_buffers(t, &ba), fj.deserialize_with_buffers(t, &ba));
                assert!(same(&x, &y), "{ctx}: cut {cut}: {x:?} vs {y:?}");
                let mut f = pa.clone();
                let at = rng.random_range(1..f.len());
                f[at] ^= 1 << rng.random_range(0..8);
                let (x, y) =
                    (fi.deserialize_with_buffers(&f, &ba), fj.deserialize_with_buffers(&f, &ba));
                assert!(same(&x, &y), "{ctx}: flip at {at}: {x:?} vs {y:?}");
            }
        }
    }
}

#[test]
fn in_band_payloads_and_bad_markers() {
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let fory = ForyJit::builder().tier(tier).build();
        let v = bin(b"abcd");
        let plain = fory.serialize(&v).unwrap();
        assert_eq!(fory.deserialize_with_buffers(&plain, &[]).unwrap(), v);
        let e = kind(fory.deserialize_with_buffers(&plain, &[b"x"]));
        assert_eq!(e, ErrorKind::UnusedBuffers { used: 0, given: 1 });
        let e = kind(fory.deserialize_with_buffers(&[0x03, 0xff, 0x29, 0x02], &[b"x"]));
        assert_eq!(e, ErrorKind::InvalidBandMarker(2));
        let e = kind(fory.deserialize_with_buffers(&[0x03, 0xff, 0x29, 0x00], &[]));
        assert_eq!(e, ErrorKind::MissingBuffer { index: 0, given: 0 });
        let e = kind(fory.deserialize_with_buffers(&[0x07, 0xff, 0x29, 0x00], &[b"x"]));
        assert_eq!(e, ErrorKind::InvalidHeader(0x07));
        // a buffer over max_binary_bytes
        let small = ForyJit::builder()
            .tier(tier)
            .limits(foryjit::CodecLimits { max_binary_bytes: 3, ..Default::default() })
            .build();
        let e = kind(small.deserialize_with_buffers(&[0x03, 0xff, 0x29, 0x00], &[b"abcd"]));
        assert!(matches!(e, ErrorKind::LengthLimit { len: 4, limit: 3 }), "{e:?}");
    }
}

#[test]
fn out_of_band_buffers_borrow_the_values_bytes() {
    for (tier, compatible) in [(Tier::Interpreter, false), (Tier::Compiled, true)] {
        let (fory, blob, leaf) = engine(tier, compatible);
        let mut v = fory.new_struct(blob).unwrap();
        let big = |fill: u8| Value::Binary(vec![fill; 1 << 20].into());
        fory.set(&mut v, "a", big(1)).unwrap();
        fory.set(&mut v, "items", Value::list(vec![big(2), bin(b"small"), big(3)])).unwrap();
        let mut l = fory.new_struct(leaf).unwrap();
        fory.set(&mut l, "data", big(4)).unwrap();
        fory.set(&mut v, "leaf", l).unwrap();
        fory.set(&mut v, "anything", big(5)).unwrap();
        let (payload, buffers) =
            fory.serialize_with_buffers(&v, BufferPolicy::AtLeast(4096)).unwrap();
        assert!(payload.len() < 200, "{} bytes in band", payload.len());
        // every large binary of the value, by address
        let mut addrs = Vec::new();
        let mut visit = |x: &Value| {
            if let Value::Binary(b) = x {
                if b.len() >= 4096 {
                    addrs.push(b.as_ptr());
                }
            }
        };
        let get = |name: &str| fory.get(&v, name).unwrap();
        visit(get("a"));
        if let Value::List(items) = get("items") {
            items.iter().for_each(&mut visit);
        }
        visit(fory.get(get("leaf"), "data").unwrap());
        visit(get("anything"));
        assert_eq!(addrs.len(), 5);
        let mut got: Vec<*const u8> = buffers.iter().map(|b| b.as_ptr()).collect();
        got.sort();
        addrs.sort();
        assert_eq!(got, addrs, "{tier:?}: the buffers are the value's own bytes");
        assert!(fory.deserialize_with_buffers(&payload, &buffers).unwrap().bit_eq(&v));
    }
}

#[test]
fn a_reader_that_drops_binary_fields_still_takes_their_buffers() {
    // Compatible mode, a reader without `a`, `items` and `leaf` (their markers and buffers are
    // consumed while skipping), in both tiers (compiled remote readers for the writer's
    // TypeDef) — the same values and errors.
    const OLD: &str = "package ob;
message Leaf [id=702] { bytes data = 1; int32 k = 2; }
message Blob [id=701] {
    int32 n = 2;
    optional bytes o = 4;
    array<int32> nums = 5;
    list<Leaf> leaves = 7;
    map<string, bytes> named = 8;
    any anything = 9;
    string s = 10;
}";
    let seed = seed_from_env(0x0d20_9b1d);
    let mut rng = StdRng::seed_from_u64(seed);
    let (writer, blob, leaf) = engine(Tier::Interpreter, true);
    let readers: Vec<(Tier, ForyJit, TypeHandle)> = [Tier::Interpreter, Tier::Compiled]
        .into_iter()
        .map(|t| {
            let f = ForyJit::builder().tier(t).build();
            let ty = f.load_idl(OLD).unwrap().get("ob.Blob").unwrap();
            (t, f, ty)
        })
        .collect();
    for case in 0..100 {
        let ctx = format!("seed {seed:#x}, case {case}");
        let v = gen_blob(&mut rng, &writer, blob, leaf);
        let threshold = [0usize, 2, 100][case % 3];
        let (p, b) = writer.serialize_with_buffers(&v, BufferPolicy::AtLeast(threshold)).unwrap();
        let results: Vec<_> =
            readers.iter().map(|(_, f, _)| f.deserialize_with_buffers(&p, &b)).collect();
        assert!(same(&results[0], &results[1]), "{ctx}: {results:?}");
        let got = results[0].as_ref().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let (_, f, ty) = &readers[0];
        for name in ["n", "o", "nums", "named", "anything", "s"] {
            let want = writer.to_json(blob, &v).unwrap()[name].clone();
            assert_eq!(f.to_json(*ty, got).unwrap()[name], want, "{ctx}: {name}");
        }
        if !b.is_empty() {
            let few = &b[..b.len() - 1];
            let results: Vec<_> =
                readers.iter().map(|(_, f, _)| f.deserialize_with_buffers(&p, few)).collect();
            assert!(same(&results[0], &results[1]), "{ctx}: few {results:?}");
            assert!(results[0].is_err(), "{ctx}: too few buffers were accepted");
        }
    }
    let stats = readers[1].1.compiled_remote_readers();
    assert!(stats > 0, "no compiled remote reader ran");
}
