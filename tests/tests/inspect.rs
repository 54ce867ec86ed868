//! `foryjit::inspect`, the schema-less payload walker, on every golden vector, on payloads live
//! pyfory and the fory crate write, on corrupt input and on streams.
//!
//! Every tree is checked for shape: the header is byte 0, the root value starts at byte 1 (the
//! byte after the header), every node lies inside its parent, siblings follow each other without
//! gap or overlap, and — where the walk completed — the root ends at the last byte and the field
//! nodes of every struct tile its body up to its last byte. Known payloads are checked to the byte
//! (the TypeDef, the hash, each field's range and value).

use fory::{Fory, ForyStruct};
use foryjit::inspect::{self, InspectError, Inspection, Inspector, Node, Outcome, Role};
use foryjit::stream::{StreamError, StreamWriter};
use foryjit::{ErrorKind, ForyJit};
use foryjit_tests::peer::{default_config, pyfory_defaults_config, PyforyPeer};
use foryjit_tests::unhex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value as Json};

struct Case {
    name: String,
    fdl: Option<String>,
    bytes: Vec<u8>,
}

fn golden() -> Vec<Case> {
    let path = foryjit_tests::repo_root().join("tests/golden/vectors.json");
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            fdl: c["fdl"].as_str().map(str::to_owned),
            bytes: unhex(c["hex"].as_str().unwrap()).unwrap(),
        })
        .collect()
}

/// The value nodes directly under `n` whose label starts with `field `.
fn fields(n: &Node) -> Vec<&Node> {
    n.children.iter().filter(|c| c.role == Role::Value && c.label.starts_with("field ")).collect()
}

/// Shape of one node and everything under it; `complete`: the walk did not stop inside it.
fn check_node(label: &str, n: &Node, len: usize, complete: bool) {
    assert!(n.range.start <= n.range.end && n.range.end <= len, "{label}: {n:?} out of input");
    let mut at = n.range.start;
    for (i, c) in n.children.iter().enumerate() {
        assert!(
            c.range.start >= n.range.start && c.range.end <= n.range.end,
            "{label}: child {:?} outside {:?} ({})",
            c.range,
            n.range,
            n.label
        );
        // A type meta's own type id byte(s) come before its children.
        let gap_ok = i == 0 && n.role == Role::TypeMeta;
        assert!(
            c.range.start == at || (gap_ok && c.range.start > at),
            "{label}: {} at {:?} does not follow at {at} in {} {:?}",
            c.label,
            c.range,
            n.label,
            n.range
        );
        at = c.range.end;
        check_node(label, c, len, complete);
    }
    let fs = fields(n);
    if complete && !fs.is_empty() {
        // The field nodes tile the struct body: contiguous up to the struct's last byte.
        for pair in fs.windows(2) {
            assert_eq!(pair[0].range.end, pair[1].range.start, "{label}: fields of {}", n.label);
        }
        assert_eq!(fs.last().unwrap().range.end, n.range.end, "{label}: last field of {}", n.label);
    }
}

/// Shape of a payload's tree: header at 0, root from byte 1; complete walks end at the end.
fn check_payload(label: &str, nodes: &[Node], bytes: &[u8], base: usize, outcome: &Outcome) {
    let complete = matches!(outcome, Outcome::Complete);
    let header = &nodes[0];
    assert_eq!((header.role, header.range.clone()), (Role::Header, base..base + 1), "{label}");
    if nodes.len() > 1 && nodes[1].role != Role::Opaque {
        let root = &nodes[1];
        assert_eq!((root.role, root.label.as_str()), (Role::Value, "root"), "{label}");
        assert_eq!(root.range.start, base + 1, "{label}: the root starts after the header");
        if complete {
            assert_eq!(root.range.end, base + bytes.len(), "{label}: the root ends the payload");
            assert_eq!(nodes.len(), 2, "{label}");
        }
    }
    if let Outcome::Opaque { offset, .. } = outcome {
        let last = nodes.last().unwrap();
        assert_eq!(last.role, Role::Opaque, "{label}");
        assert_eq!(last.range, *offset..base + bytes.len(), "{label}");
    }
    for n in nodes {
        check_node(label, n, base + bytes.len(), complete);
    }
}

fn node<'a>(n: &'a Node, label: &str) -> &'a Node {
    n.children
        .iter()
        .find(|c| c.label == label)
        .unwrap_or_else(|| panic!("no {label:?} under {}: {n:#?}", n.label))
}

fn schema_engine(fdl: &str) -> ForyJit {
    let fory = ForyJit::builder().build();
    fory.load_idl(fdl).unwrap();
    fory
}

#[test]
fn every_golden_vector_walks_without_a_schema() {
    for case in golden() {
        let tree = inspect::inspect(&case.bytes);
        let label = case.name.as_str();
        check_payload(label, &tree.nodes, &case.bytes, 0, &tree.outcome);
        match &tree.outcome {
            Outcome::Complete => {}
            // Only a same-schema struct (a `_sc` case, or a ref case written without
            // compatible mode) stops the walk: its body needs the schema.
            Outcome::Opaque { reason, .. } => {
                assert!(reason.contains("struct written without a TypeDef"), "{label}: {reason}");
                assert!(!label.ends_with("_compat"), "{label}: {reason}");
            }
            Outcome::Failed(e) => panic!("{label}: {e}\n{}", tree.display(&case.bytes)),
        }
        // Every compatible-mode case walks to the end, its TypeDefs included.
        if label.ends_with("_compat") {
            assert_eq!(tree.outcome, Outcome::Complete, "{label}");
            let typedefs = tree.nodes[1].walk().into_iter().filter(|n| n.role == Role::TypeDef);
            assert!(typedefs.count() > 0, "{label}: no TypeDef found");
        }
    }
}

#[test]
fn every_golden_vector_walks_completely_with_its_schema() {
    for case in golden() {
        let Some(fdl) = &case.fdl else { continue };
        // The `plain` dataclass has no tag ids; its FDL description is not loadable as such
        // (tests/tests/golden.rs rewrites it): without it the walk stops cleanly as above.
        if case.name.starts_with("plain_") {
            continue;
        }
        let fory = schema_engine(fdl);
        let tree = Inspector::with_schema(&fory).inspect(&case.bytes);
        let label = case.name.as_str();
        assert_eq!(tree.outcome, Outcome::Complete, "{label}\n{}", tree.display(&case.bytes));
        check_payload(label, &tree.nodes, &case.bytes, 0, &tree.outcome);
        // Same-schema structs show their hash, matching the schema's.
        for n in tree.nodes[1].walk() {
            if n.role == Role::Hash {
                assert!(n.text.contains("(matches the schema)"), "{label}: {}", n.text);
                assert_eq!(n.range.len(), 4, "{label}");
            }
        }
    }
}

#[test]
fn point_offsets_match_the_known_layout() {
    let cases = golden();
    let get = |name: &str| &cases.iter().find(|c| c.name == name).unwrap().bytes;

    // point_compat: 01 | ff 1c 00 <TypeDef 14 bytes> | x y
    let bytes = get("point_compat");
    let tree = inspect::inspect(bytes);
    let root = &tree.nodes[1];
    assert_eq!(root.range, 1..bytes.len());
    assert_eq!(node(root, "flag").range, 1..2);
    let ty = node(root, "type");
    assert_eq!(ty.range, 2..18);
    assert_eq!(ty.text, "COMPATIBLE_STRUCT id 103");
    assert_eq!(node(ty, "meta-share marker").range, 3..4);
    let def = node(ty, "TypeDef #0");
    assert_eq!(def.range, 4..18);
    let entries: Vec<_> = def.children.iter().filter(|n| n.role == Role::DefField).collect();
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].range.clone(), entries[0].text.as_str()), (14..16, "tag 1: VARINT32"));
    assert_eq!((entries[1].range.clone(), entries[1].text.as_str()), (16..18, "tag 2: VARINT32"));
    let fs = fields(root);
    assert_eq!(fs.len(), 2);
    assert_eq!(fs[0].range, 18..19);
    assert_eq!(fs[1].range, 19..20);

    // point_sc: 01 | ff 1b 67 | hash | x y — opaque without the schema, walked with it.
    let bytes = get("point_sc");
    let tree = inspect::inspect(bytes);
    assert!(matches!(tree.outcome, Outcome::Opaque { offset: 4, .. }), "{:?}", tree.outcome);
    assert_eq!(tree.nodes[2].range, 4..bytes.len());
    assert_eq!(tree.nodes[1].range, 1..4);
    let fory =
        schema_engine(cases.iter().find(|c| c.name == "point_sc").unwrap().fdl.as_ref().unwrap());
    let tree = Inspector::with_schema(&fory).inspect(bytes);
    let root = &tree.nodes[1];
    assert_eq!(root.text, "STRUCT id 103 (golden.Point)");
    assert_eq!(node(root, "schema hash").range, 4..8);
    let fs = fields(root);
    assert_eq!(
        fs.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(),
        ["field 1 (x)", "field 2 (y)"]
    );
    assert_eq!((fs[0].range.clone(), fs[1].range.clone()), (8..9, 9..10));
}

#[test]
fn the_printed_tree_shows_offsets_lengths_and_hex() {
    let bytes = [0x01, 0xff, 0x16, 0x02, 0x08, 0x07, 0x02, 0x04];
    let tree = inspect::inspect(&bytes);
    let text = tree.display(&bytes).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("offset") && lines[0].contains("bytes"), "{text}");
    assert!(lines[1].trim_start().starts_with("0      1  01 "), "{text}");
    let root = lines.iter().find(|l| l.contains("root: LIST, 2 elements")).unwrap();
    assert!(root.trim_start().starts_with("1      7  ff 16 02 08 07 02 04"), "{text}");
    let last = lines.iter().find(|l| l.contains("[1]: VARINT64 2")).unwrap();
    assert!(last.trim_start().starts_with("7      1  04 "), "{text}");
}

#[test]
fn corrupt_input_keeps_the_partial_tree_and_says_where_it_stopped() {
    for case in golden() {
        let full = inspect::inspect(&case.bytes);
        for cut in 1..case.bytes.len() {
            let bytes = &case.bytes[..cut];
            let label = format!("{} cut at {cut}", case.name);
            let tree = inspect::inspect(bytes);
            check_payload(&label, &tree.nodes, bytes, 0, &tree.outcome);
            match &tree.outcome {
                Outcome::Failed(e) => assert!(e.offset() <= cut, "{label}: {e}"),
                // Cut inside bytes that are opaque anyway.
                Outcome::Opaque { offset, .. } => {
                    assert!(
                        matches!(full.outcome, Outcome::Opaque { offset: o, .. } if o == *offset)
                    )
                }
                // A cut may leave a shorter valid payload (a list cut after an element
                // cannot: its length says more; but a varint root can end early).
                Outcome::Complete => {}
            }
        }
    }
    // A truncated nested struct: the tree holds the first field and the error the offset.
    let cases = golden();
    let line = &cases.iter().find(|c| c.name == "line_compat").unwrap().bytes;
    let tree = inspect::inspect(&line[..38]);
    let Outcome::Failed(InspectError::Payload { kind, offset }) = &tree.outcome else {
        panic!("{:?}", tree.outcome)
    };
    assert!(matches!(kind, ErrorKind::Truncated { .. }), "{kind}");
    assert_eq!(*offset, 38);
    let a = &fields(&tree.nodes[1])[0];
    assert!(a.text.ends_with("(incomplete)"), "{}", a.text);
    assert_eq!(fields(a)[0].text, "VARINT32 1");
    // Trailing bytes and a bad header are errors too.
    let mut long = line.clone();
    long.push(0);
    let tree = inspect::inspect(&long);
    assert!(matches!(
        tree.outcome,
        Outcome::Failed(InspectError::Payload { kind: ErrorKind::TrailingBytes(1), offset: 46 })
    ));
    let tree = inspect::inspect(&[0x05, 0xff]);
    assert!(matches!(
        tree.outcome,
        Outcome::Failed(InspectError::Payload { kind: ErrorKind::InvalidHeader(5), offset: 0 })
    ));
}

#[test]
fn random_corruptions_never_panic_and_stay_in_bounds() {
    let seed = foryjit_tests::seed_from_env(0x1e5_7ec7);
    let mut rng = StdRng::seed_from_u64(seed);
    let cases = golden();
    for _ in 0..3000 {
        let case = &cases[rng.random_range(0..cases.len())];
        let mut bytes = case.bytes.clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = rng.random();
        }
        let label = format!("{} corrupted (seed {seed})", case.name);
        let tree = inspect::inspect(&bytes);
        if let Outcome::Failed(e) = &tree.outcome {
            assert!(e.offset() <= bytes.len(), "{label}: {e}");
        }
        if !tree.nodes.is_empty() {
            check_payload(&label, &tree.nodes, &bytes, 0, &tree.outcome);
        }
    }
}

const STREAM_FDL: &str = "package st; message P [id=7] { int32 x = 1; string name = 2; }";

#[test]
fn streams_give_one_tree_per_message() {
    for sharing in [false, true] {
        let fory = schema_engine(STREAM_FDL);
        let ty = fory.type_handle("st.P").unwrap();
        let mut w = match sharing {
            true => StreamWriter::sharing_typedefs(&fory, Vec::new()),
            false => StreamWriter::new(&fory, Vec::new()),
        };
        let mut sizes = Vec::new();
        for x in 0..3 {
            let v = fory.from_json(ty, &json!({"x": x, "name": "n"})).unwrap();
            sizes.push(fory.serialize(&v).unwrap().len());
            w.write(&v).unwrap();
        }
        let data = w.into_inner();
        let tree = Inspector::new().inspect_stream(&data);
        assert_eq!(tree.outcome, Outcome::Complete, "{}", tree.display(&data));
        assert_eq!(tree.nodes.len(), 3);
        let mut at = 0;
        for (i, msg) in tree.nodes.iter().enumerate() {
            let label = format!("sharing {sharing}, message {i}");
            assert_eq!(msg.role, Role::Message);
            assert_eq!(msg.range.start, at, "{label}");
            let prefix = &msg.children[0];
            assert_eq!((prefix.role, prefix.range.clone()), (Role::Prefix, at..at + 1), "{label}");
            let payload_len = msg.range.len() - 1;
            if !sharing {
                assert_eq!(payload_len, sizes[i], "{label}");
            }
            let payload = &data[at + 1..msg.range.end];
            check_payload(&label, &msg.children[1..], payload, at + 1, &Outcome::Complete);
            let root = &msg.children[2];
            let x = fields(root).into_iter().find(|f| f.label == "field 1").unwrap();
            assert_eq!(x.text, format!("VARINT32 {i}"), "{label}");
            let marker = node(node(root, "type"), "meta-share marker");
            let expect = if sharing && i > 0 { "earlier TypeDef #0" } else { "new TypeDef #0" };
            assert_eq!(marker.text, expect, "{label}");
            at = msg.range.end;
        }
        assert_eq!(at, data.len());

        // A stream cut inside its last message: the first two trees, then the framing error.
        let cut = &data[..data.len() - 2];
        let tree = Inspector::new().inspect_stream(cut);
        assert_eq!(tree.nodes.len(), 2);
        assert!(matches!(
            tree.outcome,
            Outcome::Failed(InspectError::Stream(StreamError::Truncated { index: 2, .. }))
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Live peers

const PEER_FDL: &str = "package pi;
enum Color [id=300] { RED = 0; GREEN = 1; }
message Inner [id=301] { int32 a = 1; string s = 2; }
message Outer [id=302] {
    int64 n = 1;
    Inner inner = 2;
    list<Inner> items = 3;
    map<string, int32> m = 4;
    Color c = 5;
    optional string o = 6;
    list<int64> xs = 7;
    any dyn = 8;
}";

/// Checks a tree of an `Outer` payload: complete, and the fields named and valued.
fn check_outer(label: &str, bytes: &[u8], tree: &Inspection, named: bool) {
    assert_eq!(tree.outcome, Outcome::Complete, "{label}\n{}", tree.display(bytes));
    check_payload(label, &tree.nodes, bytes, 0, &tree.outcome);
    let root = &tree.nodes[1];
    let fs = fields(root);
    assert_eq!(fs.len(), 8, "{label}");
    let by_tag = |t: u32| {
        let want = format!("field {t}");
        *fs.iter()
            .find(|f| f.label == want || f.label.starts_with(&format!("{want} (")))
            .unwrap_or_else(|| panic!("{label}: no field {t}"))
    };
    assert_eq!(by_tag(1).text, "VARINT64 -7", "{label}");
    assert_eq!(fields(by_tag(2)).iter().map(|f| f.text.as_str()).next(), Some("VARINT32 5"));
    assert_eq!(by_tag(3).text, "LIST, 2 elements", "{label}");
    assert_eq!(by_tag(4).text, "MAP, 1 entries", "{label}");
    assert!(by_tag(5).text.starts_with("ENUM 1"), "{label}: {}", by_tag(5).text);
    assert_eq!(by_tag(6).text, "null", "{label}");
    assert!(by_tag(8).text.starts_with("STRING \"hi\""), "{label}: {}", by_tag(8).text);
    if named {
        assert_eq!(by_tag(1).label, "field 1 (n)", "{label}");
        assert!(by_tag(5).text.contains("pi.Color.GREEN"), "{label}: {}", by_tag(5).text);
    }
}

fn outer_doc() -> Json {
    json!({
        "n": -7,
        "inner": {"a": 5, "s": "in"},
        "items": [{"a": 1, "s": "x"}, {"a": 2, "s": "y"}],
        "m": {"k": 3},
        "c": "GREEN",
        "o": null,
        "xs": [1, 2, 3],
        "dyn": {"string": "hi"},
    })
}

#[test]
fn pyfory_payloads_walk_in_both_modes() {
    let mut peer = PyforyPeer::shared();
    peer.load(PEER_FDL).unwrap();
    let fory = schema_engine(PEER_FDL);
    for (compatible, config) in [(false, default_config()), (true, pyfory_defaults_config())] {
        let label = format!("pyfory, compatible {compatible}");
        let bytes = peer.serialize("pi.Outer", &outer_doc(), &config).unwrap();
        let bare = inspect::inspect(&bytes);
        if compatible {
            check_outer(&label, &bytes, &bare, false);
        } else {
            // Same-schema mode: type meta `1b ae 02` after the flag, then the opaque body.
            check_payload(&label, &bare.nodes, &bytes, 0, &bare.outcome);
            assert!(matches!(bare.outcome, Outcome::Opaque { offset: 5, .. }), "{label}");
        }
        let named = Inspector::with_schema(&fory).inspect(&bytes);
        check_outer(&format!("{label}, schema"), &bytes, &named, true);
    }
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct CratePoint {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 2)]
    y: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct CrateLine {
    #[fory(id = 1)]
    a: Option<CratePoint>,
    #[fory(id = 2)]
    pts: Vec<CratePoint>,
    #[fory(id = 3)]
    label: String,
    #[fory(id = 4)]
    n: i64,
}

const CRATE_FDL: &str = "package fc;
message CratePoint [id=103] { int32 x = 1; int32 y = 2; }
message CrateLine [id=104] { CratePoint a = 1; list<CratePoint> pts = 2; string label = 3;
    int64 n = 4; }";

#[test]
fn fory_crate_payloads_walk_in_both_modes() {
    let p = |x, y| CratePoint { x, y };
    let line =
        CrateLine {
            a: Some(p(1, -1)), pts: vec![p(2, 3), p(4, 5)], label: "línea".into(), n: 300
        };
    let jit = schema_engine(CRATE_FDL);
    for compatible in [false, true] {
        let label = format!("fory crate, compatible {compatible}");
        let mut f = Fory::builder().xlang(true).compatible(compatible).build();
        f.register::<CratePoint>(103).unwrap();
        f.register::<CrateLine>(104).unwrap();
        let bytes = f.serialize(&line).unwrap();
        let bare = inspect::inspect(&bytes);
        check_payload(&label, &bare.nodes, &bytes, 0, &bare.outcome);
        let tree = if compatible {
            assert_eq!(bare.outcome, Outcome::Complete, "{label}\n{}", bare.display(&bytes));
            bare
        } else {
            assert!(matches!(bare.outcome, Outcome::Opaque { offset: 4, .. }), "{label}");
            Inspector::with_schema(&jit).inspect(&bytes)
        };
        assert_eq!(tree.outcome, Outcome::Complete, "{label}\n{}", tree.display(&bytes));
        check_payload(&label, &tree.nodes, &bytes, 0, &tree.outcome);
        let fs = fields(&tree.nodes[1]);
        let a = fs.iter().find(|f| f.label.starts_with("field 1")).unwrap();
        let xy: Vec<&str> = fields(a).iter().map(|f| f.text.as_str()).collect();
        assert_eq!(xy, ["VARINT32 1", "VARINT32 -1"], "{label}");
        let pts = fs.iter().find(|f| f.label.starts_with("field 2")).unwrap();
        assert_eq!(pts.text, "LIST, 2 elements", "{label}");
        let s = fs.iter().find(|f| f.label.starts_with("field 3")).unwrap();
        assert_eq!(s.text, "STRING \"línea\" (utf8, 5 chars)", "{label}");
        let n = fs.iter().find(|f| f.label.starts_with("field 4")).unwrap();
        assert_eq!(n.text, "VARINT64 300", "{label}");
    }
}

// ---------------------------------------------------------------------------------------------
// Generated values of every test schema

/// For every message of every schema in `tests/schemas`, edge and random values written by
/// foryjit in both modes: with the schema the walk always completes; without it, compatible
/// payloads complete too (or stop at a collection whose element type only a schema declares,
/// as a union case of a collection type is written) and same-schema ones stop cleanly.
#[test]
fn generated_values_of_every_test_schema_walk_completely() {
    let seed = foryjit_tests::seed_from_env(0x1e5_9e7);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = foryjit_tests::repo_root().join("tests/schemas");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fdl"))
        .collect();
    files.sort();
    let mut walked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let desc = foryjit::SchemaDesc::from_idl(&text).unwrap();
        let generator = foryjit_tests::gen::Generator::new(&desc);
        for compatible in [false, true] {
            let fory = ForyJit::builder().compatible(compatible).build();
            fory.load_idl(&text).unwrap();
            let with_schema = Inspector::with_schema(&fory);
            for name in generator.messages() {
                let ty = fory.type_handle(name).unwrap();
                let edges = generator.edge_count().min(6);
                for k in 0..edges + 4 {
                    let doc = match k < edges {
                        true => generator.edge(name, k, &mut rng),
                        false => generator.random(name, &mut rng),
                    };
                    let Some(doc) = doc else { continue };
                    let label = format!(
                        "{} {name} #{k}, compatible {compatible} (seed {seed})",
                        file.display()
                    );
                    let bytes = fory.serialize(&fory.from_json(ty, &doc).unwrap()).unwrap();
                    let tree = with_schema.inspect(&bytes);
                    assert_eq!(
                        tree.outcome,
                        Outcome::Complete,
                        "{label}\n{}",
                        tree.display(&bytes)
                    );
                    check_payload(&label, &tree.nodes, &bytes, 0, &tree.outcome);
                    let bare = inspect::inspect(&bytes);
                    check_payload(&label, &bare.nodes, &bytes, 0, &bare.outcome);
                    match (&bare.outcome, compatible) {
                        (Outcome::Complete, _) => {}
                        (Outcome::Opaque { reason, .. }, true) => assert!(
                            reason.contains("declared by a schema")
                                || reason.contains("`evolving=false`"),
                            "{label}: {reason}"
                        ),
                        (Outcome::Opaque { .. }, false) => {}
                        (Outcome::Failed(e), _) => {
                            panic!("{label}: {e}\n{}", bare.display(&bytes))
                        }
                    }
                    walked += 1;
                }
            }
        }
    }
    assert!(walked > 100, "only {walked} payloads");
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_not_a_crash() {
    let mut bytes = vec![0x01, 0xff];
    for _ in 0..10_000 {
        bytes.extend_from_slice(&[0x16, 0x01, 0x00]); // LIST, 1 element, header 0: type meta each
    }
    bytes.extend_from_slice(&[0x07, 0x02]);
    let tree = inspect::inspect(&bytes);
    assert!(
        matches!(
            tree.outcome,
            Outcome::Failed(InspectError::Payload { kind: ErrorKind::DepthLimit(_), .. })
        ),
        "{:?}",
        tree.outcome
    );
}

/// pyfory writes edge and random values of every test schema in both modes; every payload walks
/// completely with the schema, and without it the compatible ones complete too (or stop at a
/// type only a schema declares) and the same-schema ones stop cleanly.
#[test]
fn pyfory_payloads_of_every_test_schema_walk_completely() {
    let seed = foryjit_tests::seed_from_env(0x1e5_9e8);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = foryjit_tests::repo_root().join("tests/schemas");
    let mut walked = 0;
    for file in [
        "scalars.fdl",
        "collections.fdl",
        "enums.fdl",
        "nested.fdl",
        "named.fdl",
        "misc.fdl",
        "unions.fdl",
        "unions_named.fdl",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let desc = foryjit::SchemaDesc::from_idl(&text).unwrap();
        let generator = foryjit_tests::gen::Generator::new(&desc);
        let mut cases = Vec::new();
        for name in generator.messages() {
            for k in 0..generator.edge_count().min(4) {
                cases.extend(generator.edge(name, k, &mut rng).map(|j| (name, j)));
            }
            cases.extend(generator.random(name, &mut rng).map(|j| (name, j)));
        }
        let fory = schema_engine(&text);
        let with_schema = Inspector::with_schema(&fory);
        for (compatible, config) in [(false, default_config()), (true, pyfory_defaults_config())] {
            let mut peer = PyforyPeer::shared();
            let handle = peer.load(&text).unwrap().handle;
            let reqs = cases
                .iter()
                .map(|(ty, j)| foryjit_tests::peer::serialize_request(Some(handle), ty, j, &config))
                .collect();
            let answers = peer.batch(reqs).unwrap();
            drop(peer);
            for ((ty, _), answer) in cases.iter().zip(answers) {
                let label = format!("{file} {ty}, compatible {compatible} (seed {seed})");
                let bytes = foryjit_tests::peer::hex_of(&answer.unwrap()).unwrap();
                let tree = with_schema.inspect(&bytes);
                assert_eq!(tree.outcome, Outcome::Complete, "{label}\n{}", tree.display(&bytes));
                check_payload(&label, &tree.nodes, &bytes, 0, &tree.outcome);
                let bare = inspect::inspect(&bytes);
                check_payload(&label, &bare.nodes, &bytes, 0, &bare.outcome);
                match (&bare.outcome, compatible) {
                    (Outcome::Complete, _) | (Outcome::Opaque { .. }, false) => {}
                    (Outcome::Opaque { reason, .. }, true) => assert!(
                        reason.contains("declared by a schema")
                            || reason.contains("`evolving=false`"),
                        "{label}: {reason}"
                    ),
                    (Outcome::Failed(e), _) => panic!("{label}: {e}\n{}", bare.display(&bytes)),
                }
                walked += 1;
            }
        }
    }
    assert!(walked > 100, "only {walked} payloads");
}
