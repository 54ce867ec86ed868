//! The seed corpus (`fuzz/seeds/<target>/`) and the known findings, as plain tests.
//!
//! * [`seeds_are_up_to_date`]: the committed seeds are exactly what [`generate`] makes from the
//!   golden vectors (`tests/golden/vectors.json`), the benchmark values (`tests/data`) and seeded
//!   edge values of every message in `tests/schemas` (`foryjit_tests::gen`). Regenerate with
//!   `FORYJIT_FUZZ_WRITE_SEEDS=1 cargo test --manifest-path fuzz/Cargo.toml --test seeds`.
//! * [`every_seed_passes`]: each target holds its properties on each of its seeds, except the
//!   seeds the allowlist names.
//! * [`known_findings_still_fail`]: each allowlisted input still breaks its property (when one
//!   no longer does, delete its line).

use foryjit::{ForyJit, Graph, MetaShare, Mode, SchemaDesc, StringPolicy, Tier};
use foryjit_fuzz::engines::{schema_texts, SchemaSet, PEER_SCHEMAS, VECTORS};
use foryjit_fuzz::known;
use foryjit_fuzz::targets::{join_stream, typedef_input, ALL};
use foryjit_tests::gen::Generator;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The edge case of [`Generator::edge`] used per message (values everywhere, short containers).
const EDGES: [usize; 1] = [2];

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

fn unhex(s: &str) -> Vec<u8> {
    foryjit_tests::unhex(s).unwrap_or_else(|| panic!("bad hex {s:?}"))
}

fn engine(mode: Mode, track_ref: bool) -> ForyJit {
    let fory = ForyJit::builder()
        .tier(Tier::Interpreter)
        .mode(mode)
        .track_ref(track_ref)
        .string_policy(StringPolicy::PyforyLike)
        .build();
    for (name, text) in schema_texts(SchemaSet::Peer) {
        fory.load_idl(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    fory
}

/// A seed file name from free text.
fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// The TypeDef body and field bytes of a compatible-mode payload whose root is a struct.
fn split_compatible_root(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    if bytes.len() < 12 || !matches!(bytes[2], 28 | 30) || bytes[3] != 0 {
        return None;
    }
    let frame = &bytes[4..];
    let header = u64::from_le_bytes(frame[..8].try_into().ok()?);
    let mut size = (header & 0xff) as usize;
    let mut at = 8;
    if size == 0xff {
        let mut shift = 0;
        loop {
            let b = *frame.get(at)?;
            at += 1;
            size += usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let body = frame.get(at..at + size)?;
    Some((body, &frame[at + size..]))
}

/// Every seed: `target/name` → bytes.
fn generate() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut add = |target: &str, name: &str, bytes: Vec<u8>| {
        out.insert(format!("{target}/{}", slug(name)), bytes);
    };

    // The golden payloads (pyfory 1.7.7 bytes).
    let doc: Json = serde_json::from_str(VECTORS).expect("vectors.json");
    for case in doc["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let bytes = unhex(case["hex"].as_str().expect("hex"));
        for target in ["deserialize", "deserialize_graph", "roundtrip"] {
            add(target, &format!("golden-{name}"), bytes.clone());
        }
    }

    // Schemas as text.
    for (name, text) in
        schema_texts(SchemaSet::Peer).into_iter().chain(schema_texts(SchemaSet::Golden))
    {
        add("idl", &name, text.into_bytes());
    }

    // Values of every message in tests/schemas, and the benchmark values of tests/data.
    let mut values: Vec<(String, String, Json)> = Vec::new(); // (seed name, type, json)
    for (file, text) in PEER_SCHEMAS {
        let desc = SchemaDesc::from_idl(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let generator = Generator::new(&desc);
        let mut rng = StdRng::seed_from_u64(1);
        for ty in generator.messages() {
            for k in EDGES {
                if let Some(j) = generator.edge(ty, k, &mut rng) {
                    values.push((format!("{ty}-edge{k}"), ty.to_owned(), j));
                }
            }
        }
    }
    for (ty, text) in [
        ("bench.NumericStruct", include_str!("../../tests/data/NumericStruct.json")),
        ("bench.Sample", include_str!("../../tests/data/Sample.json")),
        ("bench.MediaContent", include_str!("../../tests/data/MediaContent.json")),
    ] {
        let j: Json = serde_json::from_str(text).expect("tests/data JSON");
        values.push((format!("{ty}-data"), ty.to_owned(), j));
    }

    for (mode, tag) in [(Mode::Compatible, "compatible"), (Mode::Consistent, "same")] {
        let plain = engine(mode, false);
        let graph = engine(mode, true);
        let mut streams: BTreeMap<String, (MetaShare, Vec<Vec<u8>>)> = BTreeMap::new();
        for (seed, ty, j) in &values {
            let h = plain.type_handle(ty).unwrap_or_else(|| panic!("no type {ty}"));
            let Ok(v) = plain.from_json(h, j) else { continue };
            let Ok(bytes) = plain.serialize(&v) else { continue };
            add("deserialize", &format!("{seed}-{tag}"), bytes.clone());
            add("roundtrip", &format!("{seed}-{tag}"), bytes.clone());
            if let Ok(g) = graph.serialize_graph(&Graph::tree(v.clone())) {
                add("deserialize_graph", &format!("{seed}-{tag}"), g);
            }
            if mode == Mode::Compatible {
                add("from_json", seed, format!("{ty}\n{j}").into_bytes());
                if let Some((body, fields)) = split_compatible_root(&bytes) {
                    add("typedef", seed, typedef_input(body, fields));
                }
                // One stream per package: its values in order, TypeDefs sent once.
                let package = ty.rsplit_once('.').map_or("", |(p, _)| p).to_owned();
                let (share, payloads) = streams.entry(package).or_default();
                let mut out = Vec::new();
                if plain.serialize_shared(&v, &mut out, share).is_ok() && payloads.len() < 12 {
                    payloads.push(out);
                }
            }
        }
        for (package, (_, payloads)) in streams {
            add("meta_share", &format!("stream-{package}"), join_stream(&payloads));
        }
    }
    out
}

fn read_dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(targets) = std::fs::read_dir(dir) else { return out };
    for t in targets.flatten() {
        let Ok(files) = std::fs::read_dir(t.path()) else { continue };
        for f in files.flatten() {
            let key =
                format!("{}/{}", t.file_name().to_string_lossy(), f.file_name().to_string_lossy());
            out.insert(key, std::fs::read(f.path()).expect("readable seed"));
        }
    }
    out
}

#[test]
fn seeds_are_up_to_date() {
    let want = generate();
    let total: usize = want.values().map(Vec::len).sum();
    assert!(total < 512 << 10, "the seed corpus grew to {total} bytes; keep it small");
    if std::env::var_os("FORYJIT_FUZZ_WRITE_SEEDS").is_some() {
        let dir = seeds_dir();
        let _ = std::fs::remove_dir_all(&dir);
        for (key, bytes) in &want {
            let path = dir.join(key);
            std::fs::create_dir_all(path.parent().expect("a target dir")).expect("mkdir");
            std::fs::write(&path, bytes).expect("write seed");
        }
        eprintln!("wrote {} seeds, {total} bytes", want.len());
        return;
    }
    let have = read_dir_files(&seeds_dir());
    let stale: Vec<&String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(have.keys().filter(|k| !want.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "fuzz/seeds is out of date ({} files differ, e.g. {:?}); regenerate with \
         FORYJIT_FUZZ_WRITE_SEEDS=1 cargo test --manifest-path fuzz/Cargo.toml --test seeds",
        stale.len(),
        stale.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn every_seed_passes() {
    let allow = known::parse(known::ALLOWLIST).expect("allowlist");
    let mut failures = Vec::new();
    let mut ran = 0;
    for (key, bytes) in read_dir_files(&seeds_dir()) {
        let (target, _) = key.split_once('/').expect("target/name");
        let Some((_, run)) = ALL.iter().find(|(n, _)| *n == target) else {
            failures.push(format!("{key}: no target {target}"));
            continue;
        };
        if allow.iter().any(|k| k.target == target && k.file == format!("seeds/{key}")) {
            continue;
        }
        ran += 1;
        if let Err(f) = run(&bytes) {
            failures.push(format!("{key}: {} property broken\n{f}", f.property().name()));
        }
    }
    assert!(ran > 0, "no seeds under {}", seeds_dir().display());
    assert!(failures.is_empty(), "{} seeds fail:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn known_findings_still_fail() {
    let allow = known::parse(known::ALLOWLIST).expect("allowlist");
    let mut fixed = Vec::new();
    for k in &allow {
        let Some((_, run)) = ALL.iter().find(|(n, _)| *n == k.target) else {
            panic!("allowlist: no target {}", k.target)
        };
        let path = known::dir().join(&k.file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match run(&bytes) {
            Err(f) if f.property() == k.property => {}
            other => fixed.push(format!("{} {} ({}): now {other:?}", k.target, k.file, k.reason)),
        }
    }
    assert!(
        fixed.is_empty(),
        "allowlisted inputs no longer break their property; delete their lines in \
         fuzz/known/allowlist.txt (and their files):\n{}",
        fixed.join("\n")
    );
}

/// Inputs the fuzzers found that broke a property and were fixed since (`fuzz/regressions/
/// <target>/<what it was>`): each must now hold every property of its target.
#[test]
fn fixed_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let files = read_dir_files(&dir);
    assert!(!files.is_empty(), "no regression inputs under {}", dir.display());
    for (key, bytes) in files {
        let (target, _) = key.split_once('/').expect("target/name");
        let (_, run) = ALL.iter().find(|(n, _)| *n == target).expect("a known target");
        if let Err(f) = run(&bytes) {
            panic!("{key}: {} property broken again\n{f}", f.property().name());
        }
    }
}
