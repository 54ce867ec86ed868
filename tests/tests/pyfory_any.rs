//! `any` fields against live pyfory, through canonical JSON's `{"type": value}` form: for the
//! kinds a plain Python value carries (bool, int → `int64`, float → `float64`, str, bytes, list,
//! dict → `map`), foryjit writes pyfory's exact bytes in both modes and both tiers, and each
//! side reads the other's bytes back to the same JSON.

use foryjit::{ForyJit, StringPolicy, Tier};
use foryjit_tests::hex;
use foryjit_tests::peer::{default_config, pyfory_defaults_config, PyforyPeer};
use serde_json::json;

const FDL: &str = "package pa;
message AnyHolder [id=501] { any x = 1; list<any> xs = 2; }";

#[test]
fn any_values_are_byte_identical_with_pyfory() {
    let mut peer = PyforyPeer::shared();
    peer.load(FDL).unwrap();
    let xs = [
        json!(null),
        json!({"bool": true}),
        json!({"int64": 0}),
        json!({"int64": -300}),
        json!({"int64": 9007199254740993i64}),
        json!({"float64": 0.1}),
        json!({"float64": -2.5}),
        json!({"string": "héllo"}),
        json!({"string": "中文"}),
        json!({"bytes": "AAEC/w=="}),
        json!({"list": [{"int64": 1}, {"string": "a"}, null, {"list": []}]}),
        json!({"map": [[{"string": "k"}, {"int64": 2}], [{"int64": 3}, {"bool": false}]]}),
    ];
    for (compatible, config) in [(false, default_config()), (true, pyfory_defaults_config())] {
        for tier in [Tier::Interpreter, Tier::Compiled] {
            let fory = ForyJit::builder()
                .tier(tier)
                .compatible(compatible)
                .string_policy(StringPolicy::PyforyLike)
                .build();
            let ty = fory.load_idl(FDL).unwrap().get("pa.AnyHolder").unwrap();
            for x in &xs {
                let doc = json!({"x": x, "xs": [x, {"int64": 7}]});
                let label = format!("{x} (compatible {compatible}, {tier:?})");
                let theirs = peer.serialize("pa.AnyHolder", &doc, &config).unwrap();
                let ours = fory.serialize(&fory.from_json(ty, &doc).unwrap()).unwrap();
                assert_eq!(hex(&ours), hex(&theirs), "{label}: bytes");
                let back = fory.deserialize(&theirs).unwrap();
                assert_eq!(fory.to_json(ty, &back).unwrap(), doc, "{label}: we read pyfory's");
                let read = peer.deserialize("pa.AnyHolder", &ours, &config).unwrap();
                assert_eq!(read, doc, "{label}: pyfory reads ours");
            }
        }
    }
}
