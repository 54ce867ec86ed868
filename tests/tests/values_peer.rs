//! A struct made by `ForyJit::new_struct` (issue 16 item 1) is what the `fory` 1.7.7 crate's
//! `#[derive(Default)]` gives: the crate decodes our bytes to `T::default()`, we decode its
//! `T::default()` to our `new_struct` value, and the payloads are byte-identical, in both
//! modes and both tiers. The schema mixes every default kind: numbers, strings, bytes, lists,
//! maps, an enum (first member), a plain (non-nullable) nested struct (its own defaults), and
//! `Option` fields (null).

use fory::{Fory, ForyEnum, ForyStruct};
use foryjit::{
    EnumDesc, FieldDesc, FieldType, ForyJit, IntEncoding, MessageDesc, SchemaDesc, StringPolicy,
    Tier,
};
use std::collections::HashMap;

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Tone {
    #[default]
    Soft,
    Loud,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Leaf {
    #[fory(id = 1)]
    n: i64,
    #[fory(id = 2)]
    s: String,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Defaults {
    #[fory(id = 1)]
    b: bool,
    #[fory(id = 2)]
    i: i32,
    #[fory(id = 3, encoding = fixed)]
    f: i64,
    #[fory(id = 4)]
    x: f64,
    #[fory(id = 5)]
    s: String,
    #[fory(id = 6, bytes)]
    data: Vec<u8>,
    #[fory(id = 7)]
    names: Vec<String>,
    #[fory(id = 8)]
    m: HashMap<String, i32>,
    #[fory(id = 9)]
    tone: Tone,
    #[fory(id = 10)]
    leaf: Leaf,
    #[fory(id = 11)]
    oleaf: Option<Leaf>,
    #[fory(id = 12)]
    os: Option<String>,
    #[fory(id = 13)]
    leaves: Vec<Leaf>,
}

fn schema() -> SchemaDesc {
    use FieldType as T;
    let f = FieldDesc::new;
    SchemaDesc::new("vp")
        .enumeration(EnumDesc::with_id("vp.Tone", 300).member("SOFT", 0).member("LOUD", 1))
        .message(
            MessageDesc::with_id("vp.Leaf", 301)
                .field(f("n", 1, T::Int64(IntEncoding::Varint)))
                .field(f("s", 2, T::String)),
        )
        .message(
            MessageDesc::with_id("vp.Defaults", 302)
                .field(f("b", 1, T::Bool))
                .field(f("i", 2, T::Int32(IntEncoding::Varint)))
                .field(f("f", 3, T::Int64(IntEncoding::Fixed)))
                .field(f("x", 4, T::Float64))
                .field(f("s", 5, T::String))
                .field(f("data", 6, T::Binary))
                .field(f("names", 7, T::list(T::String)))
                .field(f("m", 8, T::map(T::String, T::Int32(IntEncoding::Varint))))
                .field(f("tone", 9, T::named("vp.Tone")))
                .field(f("leaf", 10, T::named("vp.Leaf")))
                .field(f("oleaf", 11, T::named("vp.Leaf")).nullable())
                .field(f("os", 12, T::String).nullable())
                .field(f("leaves", 13, T::list(T::named("vp.Leaf")))),
        )
}

#[test]
fn new_struct_is_the_fory_crates_default_in_both_modes_and_tiers() {
    for compatible in [false, true] {
        let mut fory = Fory::builder().xlang(true).compatible(compatible).build();
        fory.register::<Tone>(300).unwrap();
        fory.register::<Leaf>(301).unwrap();
        fory.register::<Defaults>(302).unwrap();
        let theirs = fory.serialize(&Defaults::default()).unwrap();
        for tier in [Tier::Interpreter, Tier::Compiled] {
            let ctx = format!("compatible {compatible}, {tier:?}");
            let jit = ForyJit::builder()
                .tier(tier)
                .compatible(compatible)
                .string_policy(StringPolicy::Utf8)
                .build();
            let ty = jit.register_schema(schema()).unwrap().get("vp.Defaults").unwrap();
            let ours = jit.new_struct(ty).unwrap();
            let bytes = jit.serialize(&ours).unwrap();
            let decoded: Defaults =
                fory.deserialize(&bytes).unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
            assert_eq!(decoded, Defaults::default(), "{ctx}");
            let back = jit.deserialize_as(ty, &theirs).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert!(back.bit_eq(&ours), "{ctx}: {:?}", jit.view(&back));
            assert_eq!(bytes, theirs, "{ctx}: bytes");
        }
    }
}
