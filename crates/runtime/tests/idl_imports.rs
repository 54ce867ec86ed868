//! IDL as users write it (issue 16 item 5): schemas split over files with `import`, loads that
//! refer to types of earlier loads, and types registered again with a new version, including
//! while other threads serialize and deserialize. Every check runs in both tiers and both
//! modes; the bytes of a schema loaded through imports equal those of the same schema in one
//! text.

use foryjit::idl::{FsLoader, MemoryLoader};
use foryjit::schema::SchemaError;
use foryjit::{Error, ForyJit, Tier, Value};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

/// The tiers this build has (the interpreter, and compiled code with the `jit` feature).
fn tiers() -> &'static [Tier] {
    Tier::available()
}

fn engine(tier: Tier, compatible: bool) -> ForyJit {
    ForyJit::builder().tier(tier).compatible(compatible).build()
}

const COMMON: &str = "package common;
enum Status [id=100] { PENDING = 0; ACTIVE = 1; }
message Address [id=101] { string street = 1; string city = 2; }
message Money { int64 cents = 1; string currency = 2; }";

const ORDER: &str = "package shop;
import \"../common/types.fdl\";
message Order [id=200] {
    string id = 1;
    Address ship_to = 2;
    common.Status status = 3;
    list<Money> payments = 4;
    map<string, Address> branches = 5;
    Line line = 6;
    message Line { string sku = 1; fixed int32 qty = 2; }
}";

/// The same types in one text.
fn single_text() -> String {
    "package common;
     enum Status [id=100] { PENDING = 0; ACTIVE = 1; }
     message Address [id=101] { string street = 1; string city = 2; }
     message Money { int64 cents = 1; string currency = 2; }"
        .to_owned()
}

const ORDER_ALONE: &str = "package shop;
message Order [id=200] {
    string id = 1;
    common.Address ship_to = 2;
    common.Status status = 3;
    list<common.Money> payments = 4;
    map<string, common.Address> branches = 5;
    Line line = 6;
    message Line { string sku = 1; fixed int32 qty = 2; }
}";

fn order_json() -> serde_json::Value {
    json!({
        "id": "A-1",
        "ship_to": {"street": "Main 1", "city": "Köln"},
        "status": "ACTIVE",
        "payments": [{"cents": 250, "currency": "EUR"}, {"cents": -7, "currency": "USD"}],
        "branches": {"n": {"street": "N", "city": "Bonn"}},
        "line": {"sku": "X", "qty": 3},
    })
}

fn order_bytes(fory: &ForyJit) -> Vec<u8> {
    let ty = fory.type_handle("shop.Order").expect("shop.Order registered");
    let value = fory.from_json(ty, &order_json()).unwrap();
    let bytes = fory.serialize(&value).unwrap();
    let back = fory.deserialize(&bytes).unwrap();
    assert_eq!(fory.to_json(ty, &back).unwrap(), order_json());
    bytes
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("foryjit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, path: &str, text: &str) -> PathBuf {
        let p = self.0.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_with_imports_give_the_bytes_of_one_text() {
    let dir = TempDir::new("idl-files");
    dir.write("common/types.fdl", COMMON);
    let order = dir.write("shop/order.fdl", ORDER);
    for compatible in [true, false] {
        let reference = engine(Tier::Interpreter, compatible);
        reference.load_idl(&single_text()).unwrap();
        reference.load_idl(ORDER_ALONE).unwrap();
        let expect = order_bytes(&reference);
        for &tier in tiers() {
            let fory = engine(tier, compatible);
            let schema = fory.load_idl_file(&order).unwrap();
            let names: Vec<&str> = schema.types().iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(
                names,
                [
                    "common.Status",
                    "common.Address",
                    "common.Money",
                    "shop.Order",
                    "shop.Order.Line"
                ]
            );
            assert_eq!(order_bytes(&fory), expect, "{tier:?} compatible={compatible}");
            // Read by an engine that loaded the one-text schema, and the other way round.
            let ty = reference.type_handle("shop.Order").unwrap();
            assert_eq!(
                reference.to_json(ty, &reference.deserialize(&expect).unwrap()).unwrap(),
                order_json()
            );
        }
    }
}

#[test]
fn search_path_and_memory_loader() {
    let dir = TempDir::new("idl-search");
    dir.write("vendor/common/types.fdl", COMMON);
    // Imported by a path that only the search path resolves.
    dir.write("app/order.fdl", &ORDER.replace("../common/types.fdl", "common/types.fdl"));
    let fory = ForyJit::default();
    let err = fory.load_idl_file(dir.0.join("app/order.fdl")).unwrap_err();
    assert!(
        matches!(&err, Error::Schema(SchemaError::ImportNotFound { path, .. }) if path == "common/types.fdl"),
        "{err}"
    );
    let loader = FsLoader::new().search_dir(dir.0.join("vendor"));
    let path = dir.0.join("app/order.fdl");
    fory.load_idl_file_with(path.to_str().unwrap(), &loader).unwrap();
    let by_files = order_bytes(&fory);

    let loader = MemoryLoader::new().file("common/types.fdl", COMMON).file("shop/order.fdl", ORDER);
    let mem = ForyJit::default();
    mem.load_idl_file_with("shop/order.fdl", &loader).unwrap();
    assert_eq!(order_bytes(&mem), by_files);
    // Text given directly: its imports resolve from the loader's root.
    let text = ForyJit::default();
    text.load_idl_with(&ORDER.replace("../common/types.fdl", "common/types.fdl"), &loader).unwrap();
    assert_eq!(order_bytes(&text), by_files);
}

#[test]
fn two_schemas_importing_one_file_share_its_types() {
    let loader =
        MemoryLoader::new().file("common/types.fdl", COMMON).file("shop/order.fdl", ORDER).file(
            "crm/customer.fdl",
            "package crm; import \"../common/types.fdl\";
             message Customer [id=300] { string name = 1; Address home = 2; }",
        );
    for &tier in tiers() {
        let fory = engine(tier, true);
        let a = fory.load_idl_file_with("shop/order.fdl", &loader).unwrap();
        let b = fory.load_idl_file_with("crm/customer.fdl", &loader).unwrap();
        // The second load finds common's types registered, unchanged: same handles.
        assert_eq!(a.get("common.Address"), b.get("common.Address"));
        assert!(fory.is_current(b.get("common.Address").unwrap()));
        // Loading the same file again changes nothing either.
        let again = fory.load_idl_file_with("shop/order.fdl", &loader).unwrap();
        assert_eq!(again.types(), a.types());
        order_bytes(&fory);
        let customer = b.get("crm.Customer").unwrap();
        let v = fory
            .from_json(customer, &json!({"name": "Ada", "home": {"street": "S", "city": "C"}}))
            .unwrap();
        let bytes = fory.serialize(&v).unwrap();
        assert!(fory.deserialize(&bytes).unwrap().bit_eq(&v));
    }
}

#[test]
fn later_loads_refer_to_earlier_types() {
    for compatible in [true, false] {
        let reference = engine(Tier::Interpreter, compatible);
        reference.load_idl(&single_text()).unwrap();
        reference.load_idl(ORDER_ALONE).unwrap();
        let expect = order_bytes(&reference);
        for &tier in tiers() {
            let fory = engine(tier, compatible);
            fory.load_idl(COMMON).unwrap();
            // By full name, in another package...
            fory.load_idl(ORDER_ALONE).unwrap();
            assert_eq!(order_bytes(&fory), expect, "{tier:?} compatible={compatible}");
            // ...or relative to the text's own package.
            let more = fory
                .load_idl(
                    "package common; message Contact [id=102] { Address at = 1; Status s = 2; }",
                )
                .unwrap();
            let contact = more.get("common.Contact").unwrap();
            let v = fory
                .from_json(contact, &json!({"at": {"street": "a", "city": "b"}, "s": "PENDING"}))
                .unwrap();
            assert!(fory.deserialize(&fory.serialize(&v).unwrap()).unwrap().bit_eq(&v));
            // A bare name of another package is not found, with the position.
            let err = fory.load_idl("package x; message Y [id=9] { Address a = 1; }").unwrap_err();
            assert_eq!(err.to_string(), "schema: IDL error at 1:31: unknown type Address");
            // register_schema refers to them by full name as before.
            let desc = foryjit::SchemaDesc::new("z").message(
                foryjit::MessageDesc::with_id("z.W", 50).field(
                    foryjit::FieldDesc::new("o", 1, foryjit::FieldType::named("shop.Order"))
                        .nullable(),
                ),
            );
            fory.register_schema(desc).unwrap();
        }
    }
}

const V1: &str = "package v; message P [id=10] { int32 x = 1; string s = 2; }";

/// Version `k` of `v.P`: `x` plus `k` extra fields.
fn version(k: usize) -> String {
    let extra: String = (0..k).map(|i| format!(" int64 e{i} = {};", 10 + i)).collect();
    format!("package v; message P [id=10] {{ int32 x = 1; string s = 2;{extra} }}")
}

#[test]
fn a_new_version_serves_new_calls_and_old_values_keep_working() {
    for compatible in [true, false] {
        for &tier in tiers() {
            let fory = engine(tier, compatible);
            let old = fory.load_idl(V1).unwrap().get("v.P").unwrap();
            let old_value = fory.from_json(old, &json!({"x": 7, "s": "old"})).unwrap();
            let old_bytes = fory.serialize(&old_value).unwrap();
            // The same text again: the same handle, nothing new.
            assert_eq!(fory.load_idl(V1).unwrap().get("v.P"), Some(old));

            let new = fory.load_idl(&version(2)).unwrap().get("v.P").unwrap();
            assert_ne!(new, old);
            assert!(fory.is_current(new) && !fory.is_current(old));
            assert_eq!(fory.type_handle("v.P"), Some(new));
            // Old values still serialize, as the old version: the same bytes as before.
            assert_eq!(fory.serialize(&old_value).unwrap(), old_bytes);
            // New values use the new version; incoming bytes are read as it.
            let new_value =
                fory.from_json(new, &json!({"x": 8, "s": "new", "e0": 1, "e1": 2})).unwrap();
            let new_bytes = fory.serialize(&new_value).unwrap();
            let back = fory.deserialize(&new_bytes).unwrap();
            assert!(back.bit_eq(&new_value));
            assert_eq!(back.as_struct().unwrap().ty, new.index());
            if compatible {
                // The old version's bytes carry its TypeDef: read as the new version, the
                // missing fields take their defaults.
                let back = fory.deserialize(&old_bytes).unwrap();
                assert_eq!(back.as_struct().unwrap().ty, new.index());
                assert_eq!(fory.get(&back, "x"), Some(&Value::Int32(7)));
                assert_eq!(fory.get(&back, "e1"), Some(&Value::Int64(0)));
            } else {
                // Same-schema mode: the old version's hash no longer matches.
                assert!(fory.deserialize(&old_bytes).is_err());
            }
        }
    }
}

#[test]
fn reregistration_under_concurrent_calls() {
    const WORKERS: usize = 6;
    const VERSIONS: usize = 24;
    let tiers = [Tier::Interpreter, Tier::Compiled, Tier::Auto];
    for tier in tiers.into_iter().filter(|t| *t != Tier::Compiled || Tier::JIT_AVAILABLE) {
        let fory = Arc::new(
            ForyJit::builder().tier(tier).compile_threshold_calls(50).compatible(true).build(),
        );
        let old = fory.load_idl(V1).unwrap().get("v.P").unwrap();
        let old_value = fory.from_json(old, &json!({"x": 7, "s": "old"})).unwrap();
        let old_bytes = fory.serialize(&old_value).unwrap();
        let barrier = Arc::new(Barrier::new(WORKERS + 1));
        let done = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..WORKERS)
            .map(|t| {
                let (fory, barrier, done) = (fory.clone(), barrier.clone(), done.clone());
                let (old_value, old_bytes) = (old_value.clone(), old_bytes.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut buf = Vec::new();
                    let mut calls = 0u64;
                    while !done.load(Ordering::Acquire) || calls < 200 {
                        if (calls + t as u64).is_multiple_of(2) {
                            fory.serialize_into(&old_value, &mut buf).unwrap();
                            assert_eq!(buf, old_bytes, "thread {t} call {calls}");
                        } else {
                            // Read as whichever version is current: `x` and `s` survive.
                            let back = fory.deserialize(&old_bytes).unwrap();
                            assert_eq!(fory.get(&back, "x"), Some(&Value::Int32(7)));
                            assert_eq!(fory.get(&back, "s"), Some(&Value::String("old".into())));
                        }
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        barrier.wait();
        let mut last = old;
        for k in 1..=VERSIONS {
            let ty = fory.load_idl(&version(k)).unwrap().get("v.P").unwrap();
            assert_ne!(ty, last);
            assert_eq!(fory.type_handle("v.P"), Some(ty));
            let mut json = json!({"x": k as i32, "s": "v"});
            for i in 0..k {
                json[format!("e{i}")] = json!(i * k);
            }
            let v = fory.from_json(ty, &json).unwrap();
            let back = fory.deserialize(&fory.serialize(&v).unwrap()).unwrap();
            assert!(back.bit_eq(&v), "{tier:?} version {k}");
            assert_eq!(back.as_struct().unwrap().ty, ty.index());
            last = ty;
        }
        done.store(true, Ordering::Release);
        for w in workers {
            assert!(w.join().unwrap() >= 200);
        }
        assert!(fory.wait_for_compiles(std::time::Duration::from_secs(30)));
    }
}
