//! `foryjit inspect` end to end: every golden vector, a schema given with `--idl`, stdin, streams,
//! corrupt input (partial tree, one-line error, exit 1) and a closed pipe (quiet exit).

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_foryjit"))
}

fn tmp(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("foryjit-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn run(cmd: &mut Command, stdin: &[u8]) -> std::process::Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// One printed node: offset, length, hex, and the rest (indented label and text).
#[derive(Debug)]
struct Line {
    offset: usize,
    len: usize,
    hex: Vec<u8>,
    tree: String,
}

/// The node lines of `inspect`'s output (the title and the `+8 …` hex continuation lines
/// skipped).
fn lines(stdout: &[u8]) -> Vec<Line> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut out = Vec::new();
    for l in text.lines().skip(1) {
        let mut parts = l.split_whitespace();
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else { continue };
        if a.starts_with('+') {
            continue; // hex continuation line of a long leaf
        }
        let (Ok(offset), Ok(len)) = (a.parse(), b.parse()) else { continue };
        // Columns (in characters): 8 + 1 + 6 + 2, then 26 of hex, then the tree.
        let chars: Vec<char> = l.chars().collect();
        let hex_col: String = chars.get(17..43).unwrap_or_default().iter().collect();
        let hex = hex_col
            .split_whitespace()
            .filter(|h| h.len() == 2)
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        let tree = chars.get(44..).unwrap_or_default().iter().collect();
        out.push(Line { offset, len, hex, tree });
    }
    out
}

fn golden() -> Vec<(String, Option<String>, Vec<u8>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/vectors.json");
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["fdl"].as_str().map(str::to_owned),
                unhex(c["hex"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn every_golden_vector_prints_a_tree_with_its_offsets_and_bytes() {
    for (name, _, bytes) in golden() {
        let file = tmp(&format!("{name}.bin"), &bytes);
        let out = bin().arg("inspect").arg(&file).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {err}");
        assert!(err.is_empty(), "{name}: {err}");
        let ls = lines(&out.stdout);
        assert_eq!((ls[0].offset, ls[0].len, ls[0].hex.as_slice()), (0, 1, &bytes[..1]), "{name}");
        assert!(ls[0].tree.starts_with("header: 0x01 xlang"), "{name}: {}", ls[0].tree);
        let root = &ls[1];
        assert!(root.tree.starts_with("root: "), "{name}: {}", root.tree);
        assert_eq!(root.offset, 1, "{name}: the root starts at the byte after the header");
        let opaque = ls.iter().find(|l| l.tree.contains("opaque: "));
        match opaque {
            // Stopped cleanly at a same-schema struct body: the opaque node ends the input.
            Some(o) => {
                assert_eq!(o.offset + o.len, bytes.len(), "{name}");
                assert!(o.tree.contains("struct written without a TypeDef"), "{name}: {}", o.tree);
            }
            None => assert_eq!(root.len, bytes.len() - 1, "{name}: the root ends the input"),
        }
        // The hex beside every node is the input at that offset.
        for l in &ls {
            let shown = l.hex.len();
            assert_eq!(l.hex.as_slice(), &bytes[l.offset..l.offset + shown], "{name}: {l:?}");
            assert_eq!(shown, l.len.min(8), "{name}: {l:?}");
        }
    }
}

#[test]
fn an_idl_names_fields_and_walks_same_schema_structs() {
    let cases = golden();
    let (_, fdl, bytes) = cases.iter().find(|c| c.0 == "line_sc").unwrap();
    let idl = tmp("line.fdl", fdl.as_ref().unwrap().as_bytes());
    let file = tmp("line_sc.bin", bytes);
    let out = bin().arg("inspect").arg(&file).arg("--idl").arg(&idl).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ls = lines(&out.stdout);
    assert!(ls[1].tree.contains("root: STRUCT id 104 (golden.Line)"), "{}", ls[1].tree);
    assert_eq!(ls[1].len, bytes.len() - 1);
    // Root: flag 1, type 2..4, hash 4..8, then the fields a, b, label tile the rest.
    let hash = ls.iter().find(|l| l.tree.contains("schema hash")).unwrap();
    assert_eq!((hash.offset, hash.len), (4, 4));
    let top_fields: Vec<&Line> =
        ls.iter().filter(|l| l.tree.starts_with("  field ")).collect::<Vec<_>>();
    let names: Vec<&str> =
        top_fields.iter().map(|l| l.tree.trim_start().split(':').next().unwrap()).collect();
    assert_eq!(names, ["field 1 (a)", "field 2 (b)", "field 3 (label)"]);
    assert_eq!(top_fields[0].offset, 8);
    for pair in top_fields.windows(2) {
        assert_eq!(pair[0].offset + pair[0].len, pair[1].offset);
    }
    let last = top_fields.last().unwrap();
    assert_eq!(last.offset + last.len, bytes.len());

    // Without the schema the same bytes stop cleanly after the root's type meta.
    let out = bin().arg("inspect").arg(&file).output().unwrap();
    assert!(out.status.success());
    let ls = lines(&out.stdout);
    let opaque = ls.last().unwrap();
    assert_eq!((opaque.offset, opaque.len), (4, bytes.len() - 4));
    assert!(opaque.tree.contains("give it with --idl"), "{}", opaque.tree);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let bytes = [0x01, 0xff, 0x16, 0x02, 0x08, 0x07, 0x02, 0x04];
    let out = run(bin().args(["inspect", "-"]), &bytes);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ls = lines(&out.stdout);
    let trees: Vec<&str> = ls.iter().map(|l| l.tree.trim()).collect();
    assert_eq!(
        trees,
        [
            "header: 0x01 xlang",
            "root: LIST, 2 elements",
            "flag: not null",
            "type: LIST",
            "length, header: 2 elements, header 0x08 (same type)",
            "element type: VARINT64",
            "[0]: VARINT64 1",
            "[1]: VARINT64 2",
        ]
    );
    let offsets: Vec<(usize, usize)> = ls.iter().map(|l| (l.offset, l.len)).collect();
    assert_eq!(offsets, [(0, 1), (1, 7), (1, 1), (2, 1), (3, 2), (5, 1), (6, 1), (7, 1)]);
}

#[test]
fn corrupt_input_prints_the_partial_tree_then_one_error_line_and_exits_1() {
    let cases = golden();
    let (_, _, bytes) = cases.iter().find(|c| c.0 == "line_compat").unwrap();
    let file = tmp("cut.bin", &bytes[..38]);
    let out = bin().arg("inspect").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("input truncated") && err.contains("at byte 38"), "{err}");
    let ls = lines(&out.stdout);
    assert!(ls[1].tree.contains("(incomplete)"), "{}", ls[1].tree);
    // Decoded so far: the whole TypeDef of Line, the first field of `a`.
    assert!(ls.iter().any(|l| l.tree.contains("TypeDef #0: struct (compatible) id 104")));
    let x = ls.iter().find(|l| l.tree.contains("field 1: VARINT32 1")).unwrap();
    assert_eq!((x.offset, x.len), (37, 1));

    // A bad header byte.
    let out = run(bin().args(["inspect", "-"]), &[0x04, 0xff]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid header bitmap 0x04 at byte 0"));
}

#[test]
fn streams_print_one_tree_per_message() {
    let idl = tmp("s.fdl", b"package s; message P [id=9] { int32 x = 1; string name = 2; }");
    let ndjson =
        b"{\"x\": 1, \"name\": \"a\"}\n{\"x\": 2, \"name\": \"b\"}\n{\"x\": 3, \"name\": \"c\"}\n";
    for share in [false, true] {
        let mut enc = bin();
        enc.args(["encode", "--stream", "--type", "s.P", "--idl"]).arg(&idl);
        if share {
            enc.arg("--share-typedefs");
        }
        let enc = run(&mut enc, ndjson);
        assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
        let file = tmp(&format!("s{share}.stream"), &enc.stdout);
        let out = bin().args(["inspect", "--stream"]).arg(&file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let ls = lines(&out.stdout);
        let msgs: Vec<&Line> = ls.iter().filter(|l| l.tree.starts_with("message #")).collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0].offset, 0);
        for pair in msgs.windows(2) {
            assert_eq!(pair[0].offset + pair[0].len, pair[1].offset);
        }
        assert_eq!(msgs[2].offset + msgs[2].len, enc.stdout.len());
        // Each message: its length prefix, then a payload whose header is the byte after it.
        for m in &msgs {
            let header = ls.iter().find(|l| l.offset == m.offset + 1 && l.tree.contains("header:"));
            assert!(header.is_some(), "{share}: no header after the prefix of {m:?}");
        }
        let xs: Vec<&str> = ls
            .iter()
            .filter(|l| l.tree.contains("field 1: VARINT32"))
            .map(|l| l.tree.trim().rsplit(' ').next().unwrap())
            .collect();
        assert_eq!(xs, ["1", "2", "3"], "{share}");
        let earlier = ls.iter().filter(|l| l.tree.contains("earlier TypeDef #0")).count();
        assert_eq!(earlier, if share { 2 } else { 0 });

        // Cut inside the last message: two trees, then the framing error, exit 1.
        let cut = tmp(&format!("s{share}.cut"), &enc.stdout[..enc.stdout.len() - 2]);
        let out = bin().args(["inspect", "--stream"]).arg(&cut).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let ls = lines(&out.stdout);
        assert_eq!(ls.iter().filter(|l| l.tree.starts_with("message #")).count(), 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("message 2 at byte") && err.contains("runs past the end"), "{err}");
    }

    // Same-schema messages: without the schema each body is opaque and the walk goes on with
    // the next message; with it every field is walked.
    let enc = run(
        bin()
            .args(["encode", "--stream", "--type", "s.P", "--mode", "consistent", "--idl"])
            .arg(&idl),
        ndjson,
    );
    assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    let file = tmp("consistent.stream", &enc.stdout);
    let out = bin().args(["inspect", "--stream"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ls = lines(&out.stdout);
    assert_eq!(ls.iter().filter(|l| l.tree.starts_with("message #")).count(), 3);
    assert_eq!(ls.iter().filter(|l| l.tree.contains("opaque: ")).count(), 3);
    let out = bin().args(["inspect", "--stream", "--idl"]).arg(&idl).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ls = lines(&out.stdout);
    let xs: Vec<&str> = ls
        .iter()
        .filter(|l| l.tree.contains("field 1 (x): VARINT32"))
        .map(|l| l.tree.trim().rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(xs, ["1", "2", "3"]);
}

#[test]
fn mode_decides_how_named_types_are_read() {
    let cases = golden();
    let file = |name: &str| {
        let (_, _, bytes) = cases.iter().find(|c| c.0 == name).unwrap();
        tmp(&format!("{name}.bin"), bytes)
    };
    // NAMED_STRUCT / NAMED_ENUM: inline meta strings in same-schema mode, a TypeDef in
    // compatible mode; detected from the bytes.
    let sc = file("named_user_sc");
    let compat = file("named_enum_compat");
    let out = bin().arg("inspect").arg(&sc).output().unwrap();
    assert!(out.status.success());
    let ls = lines(&out.stdout);
    assert!(ls.iter().any(|l| l.tree.contains("namespace: \"golden.named\"")), "{ls:?}");
    assert!(ls.iter().any(|l| l.tree.contains("type name: \"User\"")), "{ls:?}");
    let out = bin().arg("inspect").arg(&compat).output().unwrap();
    assert!(out.status.success());
    let ls = lines(&out.stdout);
    assert!(ls.iter().any(|l| l.tree.contains("TypeDef #0: named enum golden.named.Level")));
    // Forced to the right mode: the same trees.
    for (file, mode) in [(&sc, "consistent"), (&compat, "compatible")] {
        let forced = bin().args(["inspect", "--mode", mode]).arg(file).output().unwrap();
        let auto = bin().arg("inspect").arg(file).output().unwrap();
        assert_eq!(forced.stdout, auto.stdout, "{mode}");
    }
    // Forced to the wrong one: a meta-share marker is no meta string, and the other way round.
    let out = bin().args(["inspect", "--mode", "consistent"]).arg(&compat).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid meta string at byte 4"));
    let out = bin().args(["inspect", "--mode", "compatible"]).arg(&sc).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown TypeDef #8 at byte 3"));
}

#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    // A root list of 20000 small ints: far more output than a pipe buffer holds.
    let mut bytes = vec![0x01, 0xff, 0x16, 0xa0, 0x9c, 0x01, 0x08, 0x07];
    bytes.extend(std::iter::repeat_n(0x02, 20000));
    let file = tmp("big.bin", &bytes);
    let mut child = bin()
        .arg("inspect")
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.contains("offset"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    // A full disk is a one-line error.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = bin().arg("inspect").arg(&file).stdout(full).stderr(Stdio::piped()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stdout"), "{err}");
}
