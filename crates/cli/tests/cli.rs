//! The `foryjit` binary end to end: demo, encode/decode round trip, and one-line errors.

use std::io::Write;
use std::process::{Command, Stdio};

const FDL: &str =
    "package t;\nmessage P [id=7] { int32 x = 1; string name = 2; optional int64 n = 3; }\n";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_foryjit"))
}

fn write_tmp(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("foryjit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn run(cmd: &mut Command, stdin: &[u8]) -> std::process::Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // The binary may exit before reading its input (an unknown type is found first): a broken
    // pipe here is not a failure, its exit status and stderr are what the tests check.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

#[test]
fn demo_runs_and_reports_throughput() {
    let out = bin().arg("demo").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("encoded "), "{text}");
    assert!(text.contains("\"player\": \"FLASH\""), "{text}");
    assert!(text.contains("ns/op"), "{text}");
}

#[test]
fn encode_then_decode_round_trips_through_stdin_and_stdout() {
    let idl = write_tmp("p.fdl", FDL.as_bytes());
    let json = br#"{"x": -3, "name": "caf\u00e9", "n": null}"#;
    let enc = run(bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]), json);
    assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    // Default (compatible mode): header, root flag, COMPATIBLE_STRUCT, new TypeDef #0.
    assert_eq!(&enc.stdout[..4], &[0x01, 0xff, 0x1c, 0x00]);
    let dec = run(bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "t.P"]), &enc.stdout);
    assert!(dec.status.success(), "{}", String::from_utf8_lossy(&dec.stderr));
    let v: serde_json::Value = serde_json::from_slice(&dec.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"x": -3, "name": "café", "n": null}));

    // Same-schema mode: STRUCT 7, then the hash, x=-3 (zigzag 5), n null, name as UTF-8.
    let consistent = ["--mode", "consistent"];
    let enc = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]).args(consistent),
        json,
    );
    assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    assert_eq!(&enc.stdout[..4], &[0x01, 0xff, 0x1b, 0x07]);
    let dec = run(
        bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "t.P"]).args(consistent),
        &enc.stdout,
    );
    assert!(dec.status.success(), "{}", String::from_utf8_lossy(&dec.stderr));
    let v: serde_json::Value = serde_json::from_slice(&dec.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"x": -3, "name": "café", "n": null}));
}

#[test]
fn bad_bytes_exit_nonzero_with_field_and_offset() {
    let idl = write_tmp("q.fdl", FDL.as_bytes());
    let enc = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]),
        br#"{"x": 1, "name": "abc"}"#,
    );
    assert!(enc.status.success());
    let truncated = &enc.stdout[..enc.stdout.len() - 2];
    let dec = run(bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "t.P"]), truncated);
    assert!(!dec.status.success());
    let err = String::from_utf8_lossy(&dec.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("field name") && err.contains("byte offset"), "{err}");
}

#[test]
fn bad_json_and_unknown_type_are_one_line_errors() {
    let idl = write_tmp("r.fdl", FDL.as_bytes());
    let out = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]),
        br#"{"x": 99999999999, "name": "a"}"#,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("x") && err.contains("out of range"), "{err}");
    let out = run(bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.Nope"]), b"{}");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown type t.Nope"));
}

#[test]
fn tiers_agree_and_bench_reports_both_tiers() {
    let idl = write_tmp("s.fdl", FDL.as_bytes());
    let json = br#"{"x": 5, "name": "z", "n": -9}"#;
    let mut outs = Vec::new();
    for tier in ["auto", "interp", "jit"] {
        let enc = run(
            bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P", "--tier", tier]),
            json,
        );
        assert!(enc.status.success(), "{tier}: {}", String::from_utf8_lossy(&enc.stderr));
        outs.push(enc.stdout);
    }
    assert!(outs.windows(2).all(|w| w[0] == w[1]), "tiers wrote different bytes");
    let input = write_tmp("s.json", json);
    let out = bin()
        .args(["bench", "--idl"])
        .arg(&idl)
        .args(["--type", "t.P", "--seconds", "0.01", "--json", "--in"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tiers: Vec<&str> =
        report["results"].as_array().unwrap().iter().filter_map(|r| r["tier"].as_str()).collect();
    assert_eq!(tiers, ["interpreter", "compiled"]);
    for r in report["results"].as_array().unwrap() {
        assert!(
            r["serialize_ns"].as_f64().unwrap() > 0.0
                && r["deserialize_ns"].as_f64().unwrap() > 0.0
        );
    }
    assert!(report["native"][0]["code_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let idl = write_tmp("closed.fdl", FDL.as_bytes());
    let json = br#"{"x": 1, "name": "abc", "n": 2}"#;
    let enc = run(bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]), json);
    assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    let payload = write_tmp("closed.bin", &enc.stdout);
    let input = write_tmp("closed.json", json);
    let commands: [Vec<std::ffi::OsString>; 3] = [
        vec!["demo".into()],
        vec![
            "decode".into(),
            "--idl".into(),
            idl.clone().into(),
            "--type".into(),
            "t.P".into(),
            "--in".into(),
            payload.into(),
        ],
        vec![
            "encode".into(),
            "--idl".into(),
            idl.into(),
            "--type".into(),
            "t.P".into(),
            "--in".into(),
            input.into(),
        ],
    ];
    for args in commands {
        // A pipe whose reading end is already closed: every write fails with a broken pipe,
        // as under `foryjit decode … | head -1` once `head` has exited.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin().args(&args).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn ndjson_streams_round_trip_with_several_idl_files() {
    // Two files loaded in order into one engine; the type comes from the second.
    let base = write_tmp("base.fdl", b"package b;\nmessage Other [id=21] { int32 x = 1; }\n");
    let top = write_tmp(
        "top.fdl",
        b"package t2;\nmessage Point [id=20] { int32 x = 1; int32 y = 2; }\nmessage Shape [id=22] { string name = 1; list<Point> points = 2; }\n",
    );
    let lines = [
        serde_json::json!({"name": "a", "points": [{"x": 1, "y": 2}]}),
        serde_json::json!({"name": "b", "points": []}),
        serde_json::json!({"name": "ç", "points": [{"x": -1, "y": 0}, {"x": 3, "y": 4}]}),
    ];
    let ndjson: String = lines.iter().map(|l| format!("{l}\n\n")).collect();
    for share in [false, true] {
        let mut enc_cmd = bin();
        enc_cmd.args(["encode", "--idl"]).arg(&base).arg("--idl").arg(&top);
        enc_cmd.args(["--type", "t2.Shape", "--stream"]);
        if share {
            enc_cmd.arg("--share-typedefs");
        }
        let enc = run(&mut enc_cmd, ndjson.as_bytes());
        assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
        let stream = write_tmp(&format!("shapes-{share}.stream"), &enc.stdout);
        let out = std::env::temp_dir()
            .join(format!("foryjit-cli-{}", std::process::id()))
            .join(format!("shapes-{share}.ndjson"));
        let mut dec_cmd = bin();
        dec_cmd.args(["decode", "--idl"]).arg(&base).arg("--idl").arg(&top);
        dec_cmd
            .args(["--type", "t2.Shape", "--stream", "--in"])
            .arg(&stream)
            .arg("--out")
            .arg(&out);
        if share {
            dec_cmd.arg("--share-typedefs");
        }
        let dec = run(&mut dec_cmd, b"");
        assert!(dec.status.success(), "{}", String::from_utf8_lossy(&dec.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let back: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(back, lines, "share {share}");
    }
}

#[test]
fn stream_errors_name_the_line_or_the_message() {
    let idl = write_tmp("s.fdl", FDL.as_bytes());
    let enc = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P", "--stream"]),
        b"{\"x\": 1, \"name\": \"a\"}\n{\"x\": \"no\", \"name\": \"b\"}\n",
    );
    assert!(!enc.status.success());
    let err = String::from_utf8_lossy(&enc.stderr);
    assert!(err.contains("line 2"), "{err}");

    let good = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P", "--stream"]),
        b"{\"x\": 1, \"name\": \"a\"}\n{\"x\": 2, \"name\": \"b\"}\n",
    );
    assert!(good.status.success());
    let cut = &good.stdout[..good.stdout.len() - 1];
    let dec =
        run(bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "t.P", "--stream"]), cut);
    assert!(!dec.status.success());
    // The first message is printed before the error on the second.
    assert_eq!(String::from_utf8_lossy(&dec.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&dec.stderr);
    assert!(err.contains("message 1 at byte"), "{err}");
}

#[test]
fn compact_prints_one_line() {
    let idl = write_tmp("c.fdl", FDL.as_bytes());
    let enc = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "t.P"]),
        br#"{"x": 5, "name": "n"}"#,
    );
    let dec = run(
        bin().args(["decode", "--compact", "--idl"]).arg(&idl).args(["--type", "t.P"]),
        &enc.stdout,
    );
    assert!(dec.status.success());
    assert_eq!(String::from_utf8_lossy(&dec.stdout), "{\"x\":5,\"name\":\"n\",\"n\":null}\n");
}

#[test]
fn the_trial_s_confusions_get_helpful_errors() {
    let idl = write_tmp("h.fdl", b"package demo;\nmessage Event [id=31] { int32 x = 1; }\nmessage Other [id=32] { string s = 1; }\n");
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();

    // A short type name suggests the full one.
    let out =
        run(bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "Event"]), b"{\"x\": 1}");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("did you mean demo.Event?"), "{}", stderr(&out));

    // Another type than asked names the type found.
    let other = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "demo.Other"]),
        b"{\"s\": \"a\"}",
    );
    assert!(other.status.success(), "{}", stderr(&other));
    let out = run(
        bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "demo.Event"]),
        &other.stdout,
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("decoded a value of type demo.Other, not demo.Event"),
        "{}",
        stderr(&out)
    );

    // Bytes of one mode read in the other: the error says which mode wrote them.
    let compat = run(
        bin().args(["encode", "--idl"]).arg(&idl).args(["--type", "demo.Event"]),
        b"{\"x\": 1}",
    );
    let consistent = run(
        bin().args(["encode", "--idl"]).arg(&idl).args([
            "--type",
            "demo.Event",
            "--mode",
            "consistent",
        ]),
        b"{\"x\": 1}",
    );
    let out = run(
        bin().args(["decode", "--idl"]).arg(&idl).args([
            "--type",
            "demo.Event",
            "--mode",
            "consistent",
        ]),
        &compat.stdout,
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("written in compatible mode; try --mode compatible"),
        "{}",
        stderr(&out)
    );
    let out = run(
        bin().args(["decode", "--idl"]).arg(&idl).args(["--type", "demo.Event"]),
        &consistent.stdout,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("try --mode consistent"), "{}", stderr(&out));

    // An unknown FORYJIT_TIER is an error, not silently the default.
    let out = run(
        bin()
            .env("FORYJIT_TIER", "bogus")
            .args(["decode", "--idl"])
            .arg(&idl)
            .args(["--type", "demo.Event"]),
        &compat.stdout,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("FORYJIT_TIER=\"bogus\" is not a tier"), "{}", stderr(&out));
}

#[test]
fn a_full_disk_is_a_one_line_error() {
    let idl = write_tmp("full.fdl", FDL.as_bytes());
    let json = write_tmp("full.json", br#"{"x": 1, "name": "abc"}"#);
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = bin()
        .args(["encode", "--idl"])
        .arg(&idl)
        .args(["--type", "t.P", "--in"])
        .arg(&json)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stdout"), "{err}");
}

#[test]
fn idl_files_may_import_others() {
    let dir = std::env::temp_dir().join(format!("foryjit-cli-imports-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("common")).unwrap();
    std::fs::write(dir.join("common/point.fdl"), "package geo; message Pt [id=1] { int32 x = 1; }")
        .unwrap();
    let main = dir.join("shape.fdl");
    std::fs::write(
        &main,
        "package geo; import \"common/point.fdl\"; message Shape [id=2] { Pt at = 1; }",
    )
    .unwrap();
    let json = br#"{"at": {"x": 5}}"#;
    let enc = run(bin().args(["encode", "--idl"]).arg(&main).args(["--type", "geo.Shape"]), json);
    assert!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    let dec =
        run(bin().args(["decode", "--idl"]).arg(&main).args(["--type", "geo.Shape"]), &enc.stdout);
    assert!(dec.status.success(), "{}", String::from_utf8_lossy(&dec.stderr));
    let v: serde_json::Value = serde_json::from_slice(&dec.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"at": {"x": 5}}));
    // A missing import is a one-line error naming the importer and the path.
    std::fs::remove_file(dir.join("common/point.fdl")).unwrap();
    let enc = run(bin().args(["encode", "--idl"]).arg(&main).args(["--type", "geo.Shape"]), json);
    assert!(!enc.status.success());
    let err = String::from_utf8_lossy(&enc.stderr);
    assert!(err.contains("shape.fdl:1:14: imported file \"common/point.fdl\" not found"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
