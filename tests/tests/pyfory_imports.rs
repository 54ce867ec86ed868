//! A live-pyfory schema split over two files with `import` (issue 16 item 5): foryjit loads
//! `tests/schemas/nested.fdl` as two files (`leaves.fdl` with `Leaf` and `TreeNode`, and
//! `outer.fdl`, which imports it, with `Outer` and `Wrapper`), pyfory 1.7.7 the one original
//! text. In both modes, for the generator's edge cases and random values of every message type
//! (fixed seed, `FORYJIT_SEED` to change it), foryjit's bytes equal pyfory's byte for byte, and
//! each side reads the other's bytes back to the input.

use foryjit::idl::MemoryLoader;
use foryjit::{ForyJit, SchemaDesc, StringPolicy};
use foryjit_tests::gen::Generator;
use foryjit_tests::hex;
use foryjit_tests::peer::{
    default_config, deserialize_request, hex_of, pyfory_defaults_config, serialize_request,
    value_of, PyforyPeer,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

const NESTED: &str = include_str!("../schemas/nested.fdl");

const LEAVES: &str = "// Leaf and TreeNode of nested.fdl.
package peer.nested;

message Leaf [id=403] {
    string text = 1;
    optional float64 weight = 2;
    bytes payload = 3;
}

message TreeNode [id=404] {
    string label = 1;
    TreeNode left = 2;
    TreeNode right = 3;
    list<TreeNode> children = 4;
}";

const OUTER: &str = "// Outer and Wrapper of nested.fdl, using leaves.fdl.
package peer.nested;
import \"leaves.fdl\";

message Outer [id=400] {
    string name = 1;
    Middle middle = 2;
    list<Middle> middles = 3;
    map<string, Outer.Middle.Inner> inners = 4;

    message Middle [id=401] {
        int32 level = 1;
        Inner inner = 2;

        message Inner [id=402] {
            int64 value = 1;
            Leaf leaf = 2;
            list<Leaf> leaves = 3;
        }
    }
}

message Wrapper [id=405] {
    Outer outer = 1;
    Outer.Middle.Inner inner = 2;
    TreeNode tree = 3;
}";

const RANDOM_CASES: usize = 12;

fn loader() -> MemoryLoader {
    MemoryLoader::new().file("schemas/leaves.fdl", LEAVES).file("schemas/outer.fdl", OUTER)
}

#[test]
fn split_files_describe_the_same_schema() {
    let sorted = |mut d: SchemaDesc| {
        d.types.sort_by(|a, b| a.full_name().cmp(b.full_name()));
        d.types
    };
    let one = SchemaDesc::from_idl(NESTED).unwrap();
    let two =
        foryjit::idl::load_file("schemas/outer.fdl", &loader(), &Default::default(), None).unwrap();
    assert_eq!(sorted(one), sorted(two), "nested.fdl changed: update the split in this test");
}

#[test]
fn pyfory_split_schema_bytes() {
    let seed = foryjit_tests::seed_from_env(0x1d1_5eed_2026);
    let desc = SchemaDesc::from_idl(NESTED).unwrap();
    let gen = Generator::new(&desc);
    for (compatible, cfg) in [(false, default_config()), (true, pyfory_defaults_config())] {
        let fory = ForyJit::builder()
            .compatible(compatible)
            .string_policy(StringPolicy::PyforyLike)
            .build();
        fory.load_idl_file_with("schemas/outer.fdl", &loader()).unwrap();
        let mut cases = Vec::new();
        for ty in gen.messages() {
            for k in 0..gen.edge_count() {
                let mut rng = StdRng::seed_from_u64(seed ^ k as u64);
                cases.push((ty, gen.edge(ty, k, &mut rng).expect("message")));
            }
            let mut rng = StdRng::seed_from_u64(seed ^ ty.len() as u64);
            for _ in 0..RANDOM_CASES {
                cases.push((ty, gen.random(ty, &mut rng).expect("message")));
            }
        }
        let mut peer = PyforyPeer::shared();
        let handle = peer.load(NESTED).expect("pyfory loads nested.fdl").handle;
        let reqs =
            cases.iter().map(|(ty, j)| serialize_request(Some(handle), ty, j, &cfg)).collect();
        let py_bytes = peer.batch(reqs).expect("pyfory peer");
        let mut ours_all = Vec::new();
        for ((ty, json), py) in cases.iter().zip(py_bytes) {
            let py = py.and_then(|r| hex_of(&r)).unwrap_or_else(|e| panic!("pyfory {ty}: {e}"));
            let h = fory.type_handle(ty).unwrap();
            let ours = fory.serialize(&fory.from_json(h, json).unwrap()).unwrap();
            assert_eq!(
                hex(&ours),
                hex(&py),
                "{ty} compatible={compatible} seed={seed:#x}: foryjit (split) vs pyfory (one file), {json}"
            );
            let back = fory.to_json(h, &fory.deserialize(&py).unwrap()).unwrap();
            gen.compare(ty, json, &back).unwrap_or_else(|e| panic!("{ty} seed={seed:#x}: {e}"));
            ours_all.push(ours);
        }
        let reqs = cases
            .iter()
            .zip(&ours_all)
            .map(|((ty, _), b)| deserialize_request(Some(handle), ty, b, &cfg))
            .collect();
        let answers = peer.batch(reqs).expect("pyfory peer");
        for ((ty, json), answer) in cases.iter().zip(answers) {
            let back = answer.and_then(|r| value_of(&r)).unwrap_or_else(|e| panic!("{ty}: {e}"));
            gen.compare(ty, json, &back).unwrap_or_else(|e| panic!("{ty} seed={seed:#x}: {e}"));
        }
    }
}
