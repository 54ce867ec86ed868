//! `foryjit`: encode canonical JSON to Fory xlang bytes and back, by a Fory IDL schema.
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

use clap::{Parser, Subcommand, ValueEnum};
use foryjit::{ForyJit, Mode, StringPolicy, Tier, TypeHandle, Value};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const DEMO_IDL: &str = include_str!("../data/shapes.fdl");
const DEMO_JSON: &str = include_str!("../data/MediaContent.json");
const DEMO_TYPE: &str = "bench.MediaContent";

#[derive(Parser)]
#[command(
    name = "foryjit",
    version,
    about = "Fory xlang serialization for schemas known at run time"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// Same-schema mode (compatible=false): struct hashes written and checked.
    Consistent,
    /// Compatible mode (compatible=true, the peers' default): TypeDefs on the wire, fields
    /// matched by tag id or name, so writer and reader schemas may differ.
    Compatible,
}

#[derive(Clone, Copy, ValueEnum)]
enum TierArg {
    /// Interpreter now, compiled code once ready (background compile).
    Auto,
    /// Interpreter only.
    Interp,
    /// Compile every type before use.
    Jit,
}

impl From<TierArg> for Tier {
    fn from(t: TierArg) -> Tier {
        match t {
            TierArg::Auto => Tier::Auto,
            TierArg::Interp => Tier::Interpreter,
            TierArg::Jit => Tier::Compiled,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum StringsArg {
    /// Always UTF-8 (the fory crate's choice).
    Utf8,
    /// LATIN1 / UTF-16 / UTF-8 like pyfory.
    Pyfory,
}

#[derive(Subcommand)]
enum Command {
    /// Run the main job on the embedded MediaContent schema and data.
    Demo,
    /// Read canonical JSON, write Fory bytes.
    Encode {
        /// Fory IDL file; repeat for several, loaded in order (a later one may use the types
        /// of an earlier one).
        #[arg(long, required = true)]
        idl: Vec<PathBuf>,
        /// Full type name, `package.Message`.
        #[arg(long = "type")]
        type_name: String,
        /// Input JSON file (default: stdin).
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// Output file (default: stdout).
        #[arg(long = "out")]
        output: Option<PathBuf>,
        /// Serialization mode.
        #[arg(long, value_enum, default_value = "compatible")]
        mode: ModeArg,
        /// String encoding policy.
        #[arg(long, value_enum, default_value = "utf8")]
        strings: StringsArg,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "auto")]
        tier: TierArg,
        /// Read NDJSON (one value a line) and write a length-delimited message stream (see
        /// the `foryjit::stream` docs).
        #[arg(long)]
        stream: bool,
        /// With `--stream` in compatible mode: messages share TypeDefs (each sent once).
        #[arg(long, requires = "stream")]
        share_typedefs: bool,
    },
    /// Read Fory bytes, print canonical JSON.
    Decode {
        /// Fory IDL file; repeat for several, loaded in order.
        #[arg(long, required = true)]
        idl: Vec<PathBuf>,
        /// Full type name, `package.Message`.
        #[arg(long = "type")]
        type_name: String,
        /// Input bytes file (default: stdin; a file is memory-mapped, not read).
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// Output file (default: stdout).
        #[arg(long = "out")]
        output: Option<PathBuf>,
        /// Serialization mode.
        #[arg(long, value_enum, default_value = "compatible")]
        mode: ModeArg,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "auto")]
        tier: TierArg,
        /// Read a length-delimited message stream and print NDJSON (one value a line).
        #[arg(long)]
        stream: bool,
        /// With `--stream`: the messages share TypeDefs (written with `--share-typedefs`).
        #[arg(long, requires = "stream")]
        share_typedefs: bool,
        /// Print each value on one line.
        #[arg(long)]
        compact: bool,
    },
    /// Show the structure of Fory bytes without a schema (like `protoc --decode_raw`): header,
    /// type meta and TypeDefs, every value as a tree, with byte offsets and hex.
    Inspect {
        /// Input bytes file, `-` for stdin (a file is memory-mapped, not read).
        file: PathBuf,
        /// Fory IDL file, to name the types, fields, enum members and union cases found and to
        /// walk same-schema structs; repeat for several.
        #[arg(long)]
        idl: Vec<PathBuf>,
        /// The input is a length-delimited message stream: one tree per message.
        #[arg(long)]
        stream: bool,
        /// The mode the bytes were written in (default: detected from the bytes).
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
    },
    /// Measure what the compiled tier does for a schema: ns/op and MB/s in the interpreter and
    /// in compiled code, time to native code and code size.
    Bench {
        /// Fory IDL file.
        #[arg(long)]
        idl: PathBuf,
        /// Full type name, `package.Message`.
        #[arg(long = "type")]
        type_name: String,
        /// Canonical JSON value to encode.
        #[arg(long = "in")]
        input: PathBuf,
        /// Seconds of measurement per tier and operation.
        #[arg(long, default_value_t = 1.0)]
        seconds: f64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Serialization mode.
        #[arg(long, value_enum, default_value = "compatible")]
        mode: ModeArg,
    },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Fory(#[from] foryjit::Error),
    #[error("unknown type {0}")]
    UnknownType(String),
    #[error("unknown type {name} (did you mean {candidates}?)")]
    UnknownTypeSuggest { name: String, candidates: String },
    #[error("decoded a value of type {found}, not {expected}")]
    OtherType { expected: String, found: String },
    #[error("{source} (hint: {hint})")]
    ModeMismatch { source: foryjit::Error, hint: &'static str },
    #[error("FORYJIT_TIER={0:?} is not a tier: use interp, jit or auto")]
    BadTierEnv(String),
    #[error("line {line}: {source}")]
    Line { line: usize, source: Box<CliError> },
    #[error("{0}")]
    Inspect(#[from] foryjit::inspect::InspectError),
    #[error("message {index}: decoded a value of type {found}, not {expected}")]
    OtherTypeAt { index: u64, expected: String, found: String },
}

fn read_input(path: &Option<PathBuf>) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    match path {
        Some(p) => buf = std::fs::read(p).map_err(|e| CliError::Io(p.display().to_string(), e))?,
        None => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| CliError::Io("stdin".into(), e))?;
        }
    }
    Ok(buf)
}

fn engine(
    idl_paths: &[PathBuf],
    type_name: &str,
    mode: ModeArg,
    strings: StringsArg,
    tier: Tier,
) -> Result<(ForyJit, TypeHandle), CliError> {
    let fory = ForyJit::builder()
        .tier(tier)
        .mode(match mode {
            ModeArg::Consistent => Mode::Consistent,
            ModeArg::Compatible => Mode::Compatible,
        })
        .string_policy(match strings {
            StringsArg::Utf8 => StringPolicy::Utf8,
            StringsArg::Pyfory => StringPolicy::PyforyLike,
        })
        .build();
    let mut names = Vec::new();
    for path in idl_paths {
        // Read errors of the file itself keep the CLI's own message; its imports resolve
        // relative to it.
        std::fs::metadata(path).map_err(|e| CliError::Io(path.display().to_string(), e))?;
        names.extend(fory.load_idl_file(path)?.types().iter().map(|(n, _)| n.clone()));
    }
    match fory.type_handle(type_name) {
        Some(ty) => Ok((fory, ty)),
        None => {
            // `--type Event` where `demo.Event` exists: name the full names that end so.
            let candidates: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| n.rsplit('.').next() == Some(type_name))
                .collect();
            Err(match candidates.is_empty() {
                true => CliError::UnknownType(type_name.to_owned()),
                false => CliError::UnknownTypeSuggest {
                    name: type_name.to_owned(),
                    candidates: candidates.join(" or "),
                },
            })
        }
    }
}

/// The full name of the type a decoded root value is of.
fn found_type(fory: &ForyJit, value: &Value) -> String {
    let handle = root_type(value).and_then(|idx| fory.type_handle_of(idx));
    match handle.and_then(|h| fory.type_name(h)) {
        Some(name) => name,
        None => value.kind_name().to_owned(),
    }
}

/// When bytes fail to decode: whether their root shows the other mode wrote them.
fn mode_hint(bytes: &[u8], mode: ModeArg) -> Option<&'static str> {
    use foryjit::type_id as tid;
    // Header, a root flag (not null, or ref-tracked), then the root's type id.
    let (Some(&tid::HEADER_XLANG), Some(0x00 | 0xff), Some(&kind)) =
        (bytes.first(), bytes.get(1), bytes.get(2))
    else {
        return None;
    };
    match (mode, u32::from(kind)) {
        (ModeArg::Consistent, tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT) => Some(
            "the root struct carries a TypeDef: the bytes were written in compatible mode; try --mode compatible",
        ),
        (ModeArg::Compatible, tid::STRUCT) => Some(
            "the root struct carries a schema hash: the bytes may have been written in same-schema mode; try --mode consistent",
        ),
        _ => None,
    }
}

/// `println!` that returns an error instead of panicking when stdout is closed or full (a
/// closed pipe, as in `foryjit decode … | head -1`, then ends the program quietly: see `main`).
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)
            .map_err(|e| CliError::Io("stdout".into(), e))?
    };
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn demo() -> Result<(), CliError> {
    let fory = ForyJit::builder().build();
    fory.load_idl(DEMO_IDL)?;
    let ty = fory.type_handle(DEMO_TYPE).ok_or_else(|| CliError::UnknownType(DEMO_TYPE.into()))?;
    let json: serde_json::Value = serde_json::from_str(DEMO_JSON)?;
    let value = fory.from_json(ty, &json)?;
    let bytes = fory.serialize(&value)?;
    outln!("schema: embedded shapes.fdl, type {DEMO_TYPE} (compatible mode, the peers' default)");
    outln!("encoded {} bytes:", bytes.len());
    for chunk in bytes.chunks(32) {
        outln!("  {}", hex(chunk));
    }
    let back = fory.deserialize(&bytes)?;
    outln!("decoded:");
    outln!("{}", serde_json::to_string_pretty(&fory.to_json(ty, &back)?)?);
    let iters = 20_000u32;
    let mut buf = Vec::with_capacity(bytes.len());
    let t = Instant::now();
    for _ in 0..iters {
        fory.serialize_into(&value, &mut buf)?;
    }
    let ser = t.elapsed().as_nanos() as f64 / iters as f64;
    let t = Instant::now();
    for _ in 0..iters {
        std::hint::black_box(fory.deserialize(&buf)?);
    }
    let de = t.elapsed().as_nanos() as f64 / iters as f64;
    outln!(
        "throughput (interpreter): serialize {ser:.0} ns/op ({:.0} MB/s), deserialize {de:.0} ns/op ({:.0} MB/s)",
        bytes.len() as f64 * 1e3 / ser,
        bytes.len() as f64 * 1e3 / de
    );
    Ok(())
}

/// ns per call of `f`, measured for about `seconds`.
fn time_per_op(
    seconds: f64,
    mut f: impl FnMut() -> Result<(), foryjit::Error>,
) -> Result<f64, CliError> {
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f()?;
        }
        let el = t.elapsed().as_secs_f64();
        if el >= seconds || iters >= 1 << 40 {
            return Ok(el * 1e9 / iters as f64);
        }
        iters = (iters * 2).max((iters as f64 * seconds / el.max(1e-9)) as u64 / 2);
    }
}

fn bench(
    idl: &PathBuf,
    type_name: &str,
    input: &std::path::Path,
    seconds: f64,
    json: bool,
    mode: ModeArg,
) -> Result<(), CliError> {
    let text = read_input(&Some(input.to_path_buf()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)?;
    let mut rows = Vec::new();
    let mut native = serde_json::Value::Null;
    for (label, tier) in [("interpreter", Tier::Interpreter), ("compiled", Tier::Compiled)] {
        let (fory, ty) =
            engine(std::slice::from_ref(idl), type_name, mode, StringsArg::Utf8, tier)?;
        let value = fory.from_json(ty, &doc)?;
        let bytes = fory.serialize(&value)?;
        let mut buf = Vec::with_capacity(bytes.len());
        let ser =
            time_per_op(seconds, || fory.serialize_into(std::hint::black_box(&value), &mut buf))?;
        let de = time_per_op(seconds, || fory.deserialize(std::hint::black_box(&bytes)).map(drop))?;
        if tier == Tier::Compiled {
            let stats: Vec<serde_json::Value> = fory
                .type_stats(ty)
                .into_iter()
                .map(|s| {
                    serde_json::json!({
                        "type": s.name, "compile_us": s.compile_micros, "code_bytes": s.code_bytes
                    })
                })
                .collect();
            native = serde_json::Value::Array(stats);
        }
        let mbs = |ns: f64| bytes.len() as f64 * 1e3 / ns;
        rows.push(serde_json::json!({
            "tier": label, "bytes": bytes.len(),
            "serialize_ns": ser, "serialize_mb_s": mbs(ser),
            "deserialize_ns": de, "deserialize_mb_s": mbs(de),
        }));
    }
    let report = serde_json::json!({"type": type_name, "results": rows, "native": native});
    if json {
        outln!("{report}");
        return Ok(());
    }
    outln!("{type_name}:");
    for r in &rows {
        outln!(
            "  {:<12} serialize {:>9.1} ns/op {:>8.1} MB/s   deserialize {:>9.1} ns/op {:>8.1} MB/s",
            r["tier"].as_str().unwrap_or(""),
            r["serialize_ns"].as_f64().unwrap_or(0.0),
            r["serialize_mb_s"].as_f64().unwrap_or(0.0),
            r["deserialize_ns"].as_f64().unwrap_or(0.0),
            r["deserialize_mb_s"].as_f64().unwrap_or(0.0),
        );
    }
    for n in native.as_array().into_iter().flatten() {
        outln!(
            "  time to native: {} us, code: {} bytes",
            n["compile_us"].as_u64().unwrap_or(0),
            n["code_bytes"].as_u64().unwrap_or(0)
        );
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo => demo(),
        Command::Encode {
            idl,
            type_name,
            input,
            output,
            mode,
            strings,
            tier,
            stream,
            share_typedefs,
        } => {
            let (fory, ty) = engine(&idl, &type_name, mode, strings, tier.into())?;
            let text = read_input(&input)?;
            let bytes = if stream {
                encode_stream(&fory, ty, &text, share_typedefs)?
            } else {
                let json: serde_json::Value = serde_json::from_slice(&text)?;
                fory.serialize(&fory.from_json(ty, &json)?)?
            };
            let (mut out, name) = open_output(&output)?;
            out.write_all(&bytes).and_then(|()| out.flush()).map_err(|e| CliError::Io(name, e))
        }
        Command::Inspect { file, idl, stream, mode } => inspect(&file, &idl, stream, mode),
        Command::Bench { idl, type_name, input, seconds, json, mode } => {
            bench(&idl, &type_name, &input, seconds, json, mode)
        }
        Command::Decode {
            idl,
            type_name,
            input,
            output,
            mode,
            tier,
            stream,
            share_typedefs,
            compact,
        } => {
            let (fory, ty) = engine(&idl, &type_name, mode, StringsArg::Utf8, tier.into())?;
            // A file is mapped, so a large payload or stream is never copied into memory.
            let (mapped, read);
            let bytes: &[u8] = match &input {
                Some(p) => {
                    mapped = foryjit::stream::MappedFile::open(p)
                        .map_err(|e| CliError::Io(p.display().to_string(), e))?;
                    mapped.bytes()
                }
                None => {
                    read = read_input(&None)?;
                    &read
                }
            };
            let (mut out, name) = open_output(&output)?;
            let io = |e| CliError::Io(name.clone(), e);
            let print =
                |out: &mut dyn Write, value: &Value, compact: bool| -> Result<(), CliError> {
                    let json = fory.to_json(ty, value)?;
                    let text = if compact {
                        serde_json::to_string(&json)?
                    } else {
                        serde_json::to_string_pretty(&json)?
                    };
                    writeln!(out, "{text}").map_err(io)
                };
            if stream {
                let decoder = if share_typedefs {
                    foryjit::stream::StreamDecoder::sharing_typedefs(&fory, bytes)
                } else {
                    foryjit::stream::StreamDecoder::new(&fory, bytes)
                };
                let bar = progress(bytes.len());
                let mut decoder = decoder;
                let mut index = 0u64;
                while let Some(value) = decoder.next() {
                    if let Some(bar) = &bar {
                        bar.set_position(decoder.position() as u64);
                    }
                    let value = value?;
                    if root_type(&value) != Some(ty.index()) {
                        let found = found_type(&fory, &value);
                        return Err(CliError::OtherTypeAt { index, expected: type_name, found });
                    }
                    print(&mut *out, &value, true)?;
                    index += 1;
                }
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
            } else {
                let value =
                    fory.deserialize(bytes).map_err(|source| match mode_hint(bytes, mode) {
                        Some(hint) => CliError::ModeMismatch { source, hint },
                        None => CliError::Fory(source),
                    })?;
                if root_type(&value) != Some(ty.index()) {
                    let found = found_type(&fory, &value);
                    return Err(CliError::OtherType { expected: type_name, found });
                }
                print(&mut *out, &value, compact)?;
            }
            out.flush().map_err(io)
        }
    }
}

/// `foryjit inspect`: the tree (what was walked, also when the input is corrupt), then the error.
fn inspect(
    file: &std::path::Path,
    idl_paths: &[PathBuf],
    stream: bool,
    mode: Option<ModeArg>,
) -> Result<(), CliError> {
    use foryjit::inspect::{Inspector, Outcome};
    let mut inspector = if idl_paths.is_empty() {
        Inspector::new()
    } else {
        let fory = ForyJit::builder().build();
        for path in idl_paths {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Io(path.display().to_string(), e))?;
            fory.load_idl(&text)?;
        }
        Inspector::with_schema(&fory)
    };
    if let Some(mode) = mode {
        inspector = inspector.mode(match mode {
            ModeArg::Consistent => Mode::Consistent,
            ModeArg::Compatible => Mode::Compatible,
        });
    }
    let (mapped, read);
    let bytes: &[u8] = if file.as_os_str() == "-" {
        read = read_input(&None)?;
        &read
    } else {
        mapped = foryjit::stream::MappedFile::open(file)
            .map_err(|e| CliError::Io(file.display().to_string(), e))?;
        mapped.bytes()
    };
    let (mut out, name) = open_output(&None)?;
    let io = |e| CliError::Io(name.clone(), e);
    if !stream {
        let tree = inspector.inspect(bytes);
        write!(out, "{}", tree.display(bytes)).and_then(|()| out.flush()).map_err(io)?;
        return match tree.outcome {
            Outcome::Failed(e) => Err(e.into()),
            Outcome::Complete | Outcome::Opaque { .. } => Ok(()),
        };
    }
    // Message by message: memory stays bounded by the largest message's tree.
    let title = foryjit::inspect::Inspection { nodes: Vec::new(), outcome: Outcome::Complete };
    write!(out, "{}", title.display(bytes)).map_err(io)?;
    for msg in inspector.stream_messages(bytes) {
        write!(out, "{}", msg.display_untitled(bytes)).map_err(io)?;
        if let Outcome::Failed(e) = msg.outcome {
            out.flush().map_err(io)?;
            return Err(e.into());
        }
    }
    out.flush().map_err(io)
}

/// The type a decoded root value is of, for checking it against `--type`.
fn root_type(value: &Value) -> Option<foryjit::TypeIdx> {
    match value {
        Value::Struct(s) => Some(s.ty),
        Value::Enum(e) => Some(e.ty),
        Value::Union(u) => Some(u.ty),
        _ => None,
    }
}

/// The output (a file, or stdout) and its name for errors.
fn open_output(path: &Option<PathBuf>) -> Result<(Box<dyn Write>, String), CliError> {
    Ok(match path {
        Some(p) => {
            let name = p.display().to_string();
            let file = std::fs::File::create(p).map_err(|e| CliError::Io(name.clone(), e))?;
            (Box::new(std::io::BufWriter::new(file)), name)
        }
        None => (Box::new(std::io::BufWriter::new(std::io::stdout().lock())), "stdout".into()),
    })
}

/// NDJSON (one canonical JSON value a line, blank lines skipped) to a length-delimited stream.
fn encode_stream(
    fory: &ForyJit,
    ty: TypeHandle,
    text: &[u8],
    share_typedefs: bool,
) -> Result<Vec<u8>, CliError> {
    let mut w = if share_typedefs {
        foryjit::stream::StreamWriter::sharing_typedefs(fory, Vec::new())
    } else {
        foryjit::stream::StreamWriter::new(fory, Vec::new())
    };
    let bar = progress(text.len());
    let mut done = 0usize;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        done += line.len() + 1;
        if let Some(bar) = &bar {
            bar.set_position(done.min(text.len()) as u64);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let at = |e: CliError| CliError::Line { line: i + 1, source: Box::new(e) };
        let json: serde_json::Value =
            serde_json::from_slice(line).map_err(|e| at(CliError::Json(e)))?;
        let value = fory.from_json(ty, &json).map_err(|e| at(CliError::Fory(e)))?;
        w.write(&value).map_err(|e| at(CliError::Fory(e)))?;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(w.into_inner())
}

/// Inputs from this size on get a progress bar (when stderr is a terminal).
const PROGRESS_FROM_BYTES: usize = 4 << 20;

/// A progress bar over `total` input bytes on stderr, for large inputs when stderr is a
/// terminal (never in pipes, logs or tests).
fn progress(total: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if total < PROGRESS_FROM_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// `FORYJIT_TIER` must name a tier when it is set (the library ignores other values).
fn check_tier_env() -> Result<(), CliError> {
    match std::env::var("FORYJIT_TIER") {
        Ok(v) if Tier::from_env().is_none() => Err(CliError::BadTierEnv(v)),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    match check_tier_env().and_then(|()| run(Cli::parse())) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`… | head -1`): nothing left to say to anyone.
        Err(CliError::Io(what, e))
            if what == "stdout" && e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("foryjit: error: {e}");
            ExitCode::FAILURE
        }
    }
}
