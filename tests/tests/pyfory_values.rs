//! `ForyJit::new_struct` against live pyfory (issue 16 item 1): the struct of schema defaults
//! serializes to exactly pyfory's bytes for the same default values, and pyfory reads ours back
//! to them — zeros, empty text, bytes and containers, the first enum member, nulls for optional
//! and message fields — in both modes and both tiers. `deserialize_as` reads pyfory's bytes.

use foryjit::{ForyJit, StringPolicy, Tier};
use foryjit_tests::hex;
use foryjit_tests::peer::{default_config, pyfory_defaults_config, PyforyPeer};
use serde_json::json;

const FDL: &str = "package pv;
enum Tone [id=601] { SOFT = 0; LOUD = 1; }
message Leaf [id=602] { int64 n = 1; string s = 2; }
message Defaults [id=603] {
    bool b = 1;
    int32 i = 2;
    fixed int64 f = 3;
    float64 x = 4;
    float32 y = 5;
    string s = 6;
    bytes data = 7;
    list<string> names = 8;
    map<string, int32> m = 9;
    Tone tone = 10;
    Leaf leaf = 11;
    optional string os = 12;
    list<Leaf> leaves = 13;
    uint16 u = 14;
}";

#[test]
fn new_struct_defaults_are_pyforys_bytes_both_ways() {
    let mut peer = PyforyPeer::shared();
    peer.load(FDL).unwrap();
    let defaults = json!({
        "b": false, "i": 0, "f": 0, "x": 0.0, "y": 0.0, "s": "", "data": "", "names": [],
        "m": {}, "tone": "SOFT", "leaf": null, "os": null, "leaves": [], "u": 0
    });
    for (compatible, config) in [(false, default_config()), (true, pyfory_defaults_config())] {
        let theirs = peer.serialize("pv.Defaults", &defaults, &config).unwrap();
        for tier in [Tier::Interpreter, Tier::Compiled] {
            let label = format!("compatible {compatible}, {tier:?}");
            let fory = ForyJit::builder()
                .tier(tier)
                .compatible(compatible)
                .string_policy(StringPolicy::PyforyLike)
                .build();
            let ty = fory.load_idl(FDL).unwrap().get("pv.Defaults").unwrap();
            let value = fory.new_struct(ty).unwrap();
            assert_eq!(fory.to_json(ty, &value).unwrap(), defaults, "{label}");
            let ours = fory.serialize(&value).unwrap();
            assert_eq!(hex(&ours), hex(&theirs), "{label}: bytes");
            let read = peer.deserialize("pv.Defaults", &ours, &config).unwrap();
            assert_eq!(read, defaults, "{label}: pyfory reads our defaults");
            let back = fory.deserialize_as(ty, &theirs).unwrap();
            assert!(back.bit_eq(&value), "{label}: {:?}", fory.view(&back));
        }
    }
}
