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
        /// Fory IDL file.
        #[arg(long)]
        idl: PathBuf,
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
    },
    /// Read Fory bytes, print canonical JSON.
    Decode {
        /// Fory IDL file.
        #[arg(long)]
        idl: PathBuf,
        /// Full type name, `package.Message`.
        #[arg(long = "type")]
        type_name: String,
        /// Input bytes file (default: stdin).
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// Serialization mode.
        #[arg(long, value_enum, default_value = "compatible")]
        mode: ModeArg,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "auto")]
        tier: TierArg,
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
    #[error("decoded a value of another type than {0}")]
    OtherType(String),
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
    idl_path: &PathBuf,
    type_name: &str,
    mode: ModeArg,
    strings: StringsArg,
    tier: Tier,
) -> Result<(ForyJit, TypeHandle), CliError> {
    let text = std::fs::read_to_string(idl_path)
        .map_err(|e| CliError::Io(idl_path.display().to_string(), e))?;
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
    fory.load_idl(&text)?;
    let ty =
        fory.type_handle(type_name).ok_or_else(|| CliError::UnknownType(type_name.to_owned()))?;
    Ok((fory, ty))
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
        let (fory, ty) = engine(idl, type_name, mode, StringsArg::Utf8, tier)?;
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
        Command::Encode { idl, type_name, input, output, mode, strings, tier } => {
            let (fory, ty) = engine(&idl, &type_name, mode, strings, tier.into())?;
            let json: serde_json::Value = serde_json::from_slice(&read_input(&input)?)?;
            let bytes = fory.serialize(&fory.from_json(ty, &json)?)?;
            match output {
                Some(p) => std::fs::write(&p, &bytes)
                    .map_err(|e| CliError::Io(p.display().to_string(), e))?,
                None => std::io::stdout()
                    .write_all(&bytes)
                    .map_err(|e| CliError::Io("stdout".into(), e))?,
            }
            Ok(())
        }
        Command::Bench { idl, type_name, input, seconds, json, mode } => {
            bench(&idl, &type_name, &input, seconds, json, mode)
        }
        Command::Decode { idl, type_name, input, mode, tier } => {
            let (fory, ty) = engine(&idl, &type_name, mode, StringsArg::Utf8, tier.into())?;
            let value = fory.deserialize(&read_input(&input)?)?;
            let root = match &value {
                Value::Struct(s) => Some(s.ty),
                Value::Enum(e) => Some(e.ty),
                Value::Union(u) => Some(u.ty),
                _ => None,
            };
            if root != Some(ty.index()) {
                return Err(CliError::OtherType(type_name));
            }
            outln!("{}", serde_json::to_string_pretty(&fory.to_json(ty, &value)?)?);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
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
