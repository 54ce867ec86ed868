//! Shared and cyclic values: `Graph` nodes referenced with `Value::Ref`, written with `00` the
//! first time and `fe <id>` after (the peers' reference tracking), read back with the same
//! shape, in the interpreter and in compiled code alike.

use foryjit::{ErrorKind, ForyJit, Graph, StructValue, Tier, Value};

const TREE: &str = "package g;
    message TreeNode [id=111] {
        string name = 1;
        ref TreeNode parent = 2;
        list<ref TreeNode> children = 3;
    }";

fn engine(tier: Tier, compatible: bool) -> ForyJit {
    let f = ForyJit::builder().tier(tier).compatible(compatible).track_ref(true).build();
    f.load_idl(TREE).expect("tree schema");
    f
}

fn node(f: &ForyJit, name: &str, parent: Value, children: Vec<Value>) -> Value {
    let ty = f.type_handle("g.TreeNode").expect("registered").index();
    Value::Struct(StructValue::new(ty, vec![Value::string(name), parent, Value::list(children)]))
}

/// root → two children; each child's parent is the root (a cycle), and the second child is
/// listed twice (sharing).
fn cyclic_tree(f: &ForyJit) -> Graph {
    let root = node(f, "root", Value::Null, vec![Value::Ref(1), Value::Ref(2), Value::Ref(2)]);
    let a = node(f, "a", Value::Ref(0), vec![]);
    let b = node(f, "b", Value::Ref(0), vec![]);
    Graph { root: Value::Ref(0), nodes: vec![root, a, b] }
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn cyclic_and_shared_graphs_round_trip_in_both_tiers_and_modes() {
    for compatible in [false, true] {
        let mut outputs = Vec::new();
        for &tier in Tier::available() {
            let f = engine(tier, compatible);
            let g = cyclic_tree(&f);
            let bytes = f.serialize_graph(&g).expect("serialize_graph");
            // Root `00`; the children list is ref-tracked (header bit 0); later occurrences
            // are back-references.
            assert_eq!(bytes[1], 0x00, "root flag");
            let back = f.deserialize_graph(&bytes).expect("deserialize_graph");
            assert_eq!(back, g, "{tier:?} compatible={compatible}");
            assert_eq!(f.serialize_graph(&back).expect("again"), bytes);
            // The tree API copies shared values but refuses the cycle, naming the graph API.
            let e = f.deserialize(&bytes).expect_err("a cycle is not a tree");
            assert!(e.to_string().contains("deserialize_graph"), "{e}");
            outputs.push(bytes);
        }
        assert_eq!(outputs[0], outputs[1], "tiers agree (compatible={compatible})");
    }
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn shared_without_cycles_also_reads_as_a_tree() {
    let f = engine(Tier::Compiled, true);
    let leaf = node(&f, "leaf", Value::Null, vec![]);
    let root = node(&f, "root", Value::Null, vec![Value::Ref(1), Value::Ref(1)]);
    let g = Graph { root: Value::Ref(0), nodes: vec![root, leaf.clone()] };
    let bytes = f.serialize_graph(&g).expect("serialize_graph");
    let tree = f.deserialize(&bytes).expect("no cycle: a tree with copies");
    let expected = node(&f, "root", Value::Null, vec![leaf.clone(), leaf]);
    assert!(tree.bit_eq(&expected), "{tree:?}");
}

#[test]
fn bad_references_are_typed_errors() {
    for &tier in Tier::available() {
        let f = engine(tier, false);
        let g = cyclic_tree(&f);
        // A reference to a node that does not exist, and a reference outside a graph.
        let dangling = Graph { root: Value::Ref(7), nodes: vec![] };
        let e = f.serialize_graph(&dangling).expect_err("dangling");
        assert_eq!(e.as_codec().map(|c| &c.kind), Some(&ErrorKind::BadRefId(7)));
        let e = f.serialize(&g.nodes[0]).expect_err("a Ref in a tree");
        assert!(matches!(e.as_codec().map(|c| &c.kind), Some(ErrorKind::Unsupported(_))), "{e}");
        // `fe` with an id never assigned, in bytes.
        let mut bytes = f.serialize_graph(&g).expect("serialize_graph");
        let last_ref = bytes.iter().rposition(|&b| b == 0xfe).expect("a back-reference");
        bytes[last_ref + 1] = 0x40;
        let e = f.deserialize_graph(&bytes).expect_err("bad id");
        assert_eq!(e.as_codec().map(|c| &c.kind), Some(&ErrorKind::BadRefId(0x40)));
        // Every truncation fails cleanly.
        let good = f.serialize_graph(&g).expect("serialize_graph");
        for cut in 0..good.len() {
            assert!(f.deserialize_graph(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
