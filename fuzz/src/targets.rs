//! The targets: one function per fuzz binary, each over arbitrary bytes.
//!
//! | target | input | property |
//! |---|---|---|
//! | [`deserialize`] | a payload | both tiers give the same value or the same error, in every configuration |
//! | [`deserialize_graph`] | a payload | the same with reference tracking, and the graph round-trips |
//! | [`meta_share`] | payloads joined by [`SPLIT`] | one stream per tier agrees message by message; the decoded values round-trip through a fresh stream |
//! | [`typedef`] | `u16` body length, TypeDef body, field bytes | the TypeDef parses to itself again; framed with a valid header as a root value, both tiers agree and the value round-trips |
//! | [`idl`] | FDL text | parsing is within budget; both tiers register it alike, and write and read its empty structs alike |
//! | [`from_json`] | `package.Type` line, canonical JSON | both tiers agree; the value round-trips through bytes and through JSON |
//! | [`roundtrip`] | a payload | a decoded value re-serializes (both tiers to the same bytes) to bytes that decode to it, and serializing it again gives the same bytes |
//!
//! Every engine call is also held to the allocation budget of its input.

use crate::engines::{Pair, GRAPH, PLAIN};
use crate::{short, Finding};
use foryjit::schema::typedef::{self, TypeDef, TypeDefLimits};
use foryjit::{Error, ForyJit, Graph, MetaShare, Mode, SchemaDesc, Tier, Value};

/// Separates the payloads of a [`meta_share`] input.
pub const SPLIT: [u8; 4] = [0xfa, 0xce, 0xb0, 0x0c];

/// Payloads of one [`meta_share`] stream at most.
pub const MAX_STREAM: usize = 16;

fn tiers(
    p: &Pair,
    call: &'static str,
    a: &impl std::fmt::Debug,
    b: &impl std::fmt::Debug,
) -> Finding {
    Finding::Tiers { config: p.name().to_owned(), call, interp: short(a), jit: short(b) }
}

fn round_trip(p: &Pair, what: String) -> Finding {
    Finding::RoundTrip { config: p.name().to_owned(), what }
}

fn agree(
    p: &Pair,
    call: &'static str,
    a: &Result<Value, Error>,
    b: &Result<Value, Error>,
) -> Result<(), Finding> {
    let same = match (a, b) {
        (Ok(x), Ok(y)) => x.bit_eq(y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(tiers(p, call, a, b))
    }
}

fn agree_bytes(
    p: &Pair,
    call: &'static str,
    a: &Result<Vec<u8>, Error>,
    b: &Result<Vec<u8>, Error>,
) -> Result<(), Finding> {
    if a == b {
        Ok(())
    } else {
        Err(tiers(p, call, a, b))
    }
}

fn graph_eq(a: &Graph, b: &Graph) -> bool {
    a.root.bit_eq(&b.root)
        && a.nodes.len() == b.nodes.len()
        && a.nodes.iter().zip(&b.nodes).all(|(x, y)| x.bit_eq(y))
}

/// `v`, decoded from `input` bytes, serializes on both tiers to the same bytes, which decode
/// (both tiers) to `v` and serialize to themselves again.
fn value_round_trips(p: &Pair, v: &Value, input: usize) -> Result<(), Finding> {
    let (a, b) = p.both_plain("serialize", input, |e| e.serialize(v))?;
    agree_bytes(p, "serialize", &a, &b)?;
    let bytes = a.map_err(|e| {
        round_trip(p, format!("a decoded value does not serialize: {e}\n  value: {}", short(v)))
    })?;
    let (x, y) = p.both_plain("deserialize", bytes.len(), |e| e.deserialize(&bytes))?;
    agree(p, "deserialize (re-serialized)", &x, &y)?;
    match &x {
        Ok(w) if w.bit_eq(v) => {}
        _ => {
            return Err(round_trip(
                p,
                format!(
                    "re-serialized bytes decode to something else\n  value: {}\n  bytes: {}\n  \
                     decoded: {}",
                    short(v),
                    hex(&bytes),
                    short(&x)
                ),
            ))
        }
    }
    let (again, _) = p.both_plain("serialize", input, |e| e.serialize(v))?;
    if again.as_ref().ok() != Some(&bytes) {
        return Err(round_trip(
            p,
            format!("serializing twice gave {} then {}", hex(&bytes), short(&again)),
        ));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    let s: String = bytes.iter().take(512).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 512 {
        s + " …"
    } else {
        s
    }
}

/// Both tiers decode `data` alike in every configuration.
pub fn deserialize(data: &[u8]) -> Result<(), Finding> {
    PLAIN.with(|pairs| {
        for p in pairs {
            p.reset();
            let (a, b) = p.both_plain("deserialize", data.len(), |e| e.deserialize(data))?;
            agree(p, "deserialize", &a, &b)?;
        }
        Ok(())
    })
}

/// Both tiers decode `data` into the same graph (reference tracking on), and a decoded graph
/// re-serializes to bytes that decode to it.
pub fn deserialize_graph(data: &[u8]) -> Result<(), Finding> {
    GRAPH.with(|pairs| {
        for p in pairs {
            p.reset();
            let (a, b) =
                p.both_plain("deserialize_graph", data.len(), |e| e.deserialize_graph(data))?;
            let same = match (&a, &b) {
                (Ok(x), Ok(y)) => graph_eq(x, y),
                (Err(x), Err(y)) => x == y,
                _ => false,
            };
            if !same {
                return Err(tiers(p, "deserialize_graph", &a, &b));
            }
            let Ok(g) = a else { continue };
            let (a, b) = p.both_plain("serialize_graph", data.len(), |e| e.serialize_graph(&g))?;
            agree_bytes(p, "serialize_graph", &a, &b)?;
            let bytes = a.map_err(|e| {
                round_trip(p, format!("a decoded graph does not serialize: {e}\n  {}", short(&g)))
            })?;
            let (x, y) =
                p.both_plain("deserialize_graph", bytes.len(), |e| e.deserialize_graph(&bytes))?;
            match (&x, &y) {
                (Ok(x), Ok(y)) if graph_eq(x, &g) && graph_eq(y, &g) => {}
                _ => {
                    return Err(round_trip(
                        p,
                        format!(
                            "a re-serialized graph decodes to something else\n  graph: {}\n  \
                             bytes: {}\n  interpreter: {}\n  compiled: {}",
                            short(&g),
                            hex(&bytes),
                            short(&x),
                            short(&y)
                        ),
                    ))
                }
            }
        }
        Ok(())
    })
}

/// The payloads of a [`meta_share`] input: `data` split at [`SPLIT`], at most [`MAX_STREAM`].
pub fn split_stream(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < MAX_STREAM {
        match rest.windows(SPLIT.len()).position(|w| w == SPLIT) {
            Some(at) => {
                out.push(&rest[..at]);
                rest = &rest[at + SPLIT.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// Joins payloads into a [`meta_share`] input.
pub fn join_stream(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&SPLIT);
        }
        out.extend_from_slice(p);
    }
    out
}

/// One meta-share stream per tier (compatible mode) reads the payloads of `data` in order and
/// agrees on each; the values decoded go through a fresh stream (write, then read) unchanged.
pub fn meta_share(data: &[u8]) -> Result<(), Finding> {
    let parts = split_stream(data);
    PLAIN.with(|pairs| {
        for p in pairs.iter().filter(|p| p.mode == Mode::Compatible) {
            p.reset();
            let (mut si, mut sj) = (MetaShare::default(), MetaShare::default());
            let mut decoded = Vec::new();
            for part in &parts {
                let (a, b) =
                    p.both("deserialize_shared", part.len(), (&mut si, &mut sj), |e, s| {
                        e.deserialize_shared(part, s)
                    })?;
                agree(p, "deserialize_shared", &a, &b)?;
                if let Ok(v) = a {
                    decoded.push((v, part.len()));
                }
            }
            let (mut wi, mut wj) = (MetaShare::default(), MetaShare::default());
            let (mut ri, mut rj) = (MetaShare::default(), MetaShare::default());
            for (n, (v, input)) in decoded.iter().enumerate() {
                let (a, b) = p.both("serialize_shared", *input, (&mut wi, &mut wj), |e, s| {
                    let mut out = Vec::new();
                    e.serialize_shared(v, &mut out, s).map(|()| out)
                })?;
                agree_bytes(p, "serialize_shared", &a, &b)?;
                let bytes = a.map_err(|e| {
                    round_trip(
                        p,
                        format!(
                            "decoded value #{n} does not serialize in a stream: {e}\n  {}",
                            short(v)
                        ),
                    )
                })?;
                let (x, y) =
                    p.both("deserialize_shared", bytes.len(), (&mut ri, &mut rj), |e, s| {
                        e.deserialize_shared(&bytes, s)
                    })?;
                agree(p, "deserialize_shared (re-serialized)", &x, &y)?;
                if !x.as_ref().is_ok_and(|w| w.bit_eq(v)) {
                    return Err(round_trip(
                        p,
                        format!(
                            "stream value #{n} re-serialized decodes to something else\n  value: \
                             {}\n  bytes: {}\n  decoded: {}",
                            short(v),
                            hex(&bytes),
                            short(&x)
                        ),
                    ));
                }
            }
        }
        Ok(())
    })
}

/// A complete TypeDef around `body`: the header (its hash made valid) and the size varint.
pub fn frame_typedef(body: &[u8]) -> Vec<u8> {
    let mut out = typedef::header_of(body).to_le_bytes().to_vec();
    if body.len() >= 0xff {
        let mut extra = (body.len() - 0xff) as u32;
        loop {
            let byte = (extra & 0x7f) as u8;
            extra >>= 7;
            if extra == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out.extend_from_slice(body);
    out
}

/// The input of [`typedef`] for a TypeDef body followed by the bytes of its fields.
pub fn typedef_input(body: &[u8], fields: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(fields);
    out
}

/// The root type id that carries a TypeDef of this first body byte.
fn root_kind(first: u8) -> u8 {
    const COMPATIBLE_STRUCT: u8 = 28;
    const NAMED_COMPATIBLE_STRUCT: u8 = 30;
    const NAMED_ENUM: u8 = 26;
    const NAMED_EXT: u8 = 32;
    const NAMED_UNION: u8 = 35;
    match first {
        f if f & 0x80 != 0 && f & 0x20 != 0 => NAMED_COMPATIBLE_STRUCT,
        f if f & 0x80 != 0 => COMPATIBLE_STRUCT,
        1 => NAMED_ENUM,
        3 => NAMED_EXT,
        5 => NAMED_UNION,
        _ => COMPATIBLE_STRUCT,
    }
}

/// `data` = `u16` LE body length, the TypeDef body, the bytes of the value's fields. The
/// TypeDef (framed with a valid header) parses to the same TypeDef again from its own bytes;
/// as the new TypeDef of a root value it decodes alike on both tiers (compatible mode), and the
/// value round-trips.
pub fn typedef(data: &[u8]) -> Result<(), Finding> {
    let Some((len, rest)) = data.split_first_chunk::<2>() else { return Ok(()) };
    let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    let (body, fields) = rest.split_at(len);
    let frame = frame_typedef(body);
    let limits = TypeDefLimits::default();
    let (def, peak) = crate::alloc::measure(|| TypeDef::parse(&frame, &limits));
    let budget = crate::alloc::budget(data.len());
    if peak > budget {
        return Err(Finding::Allocation {
            call: "TypeDef::parse",
            config: "schema".into(),
            peak,
            budget,
            input: data.len(),
        });
    }
    if let Ok(def) = &def {
        let again = TypeDef::parse(&def.bytes, &limits);
        if def.bytes != frame || again.as_ref() != Ok(def) {
            return Err(Finding::RoundTrip {
                config: "schema".into(),
                what: format!(
                    "a parsed TypeDef does not parse to itself from its bytes\n  {}\n  again: {}",
                    short(def),
                    short(&again)
                ),
            });
        }
    }
    let mut payload = vec![0x01, 0xff, root_kind(body.first().copied().unwrap_or(0)), 0x00];
    payload.extend_from_slice(&frame);
    payload.extend_from_slice(fields);
    PLAIN.with(|pairs| {
        for p in pairs.iter().filter(|p| p.mode == Mode::Compatible) {
            p.reset();
            let (a, b) = p.both_plain("deserialize", data.len(), |e| e.deserialize(&payload))?;
            agree(p, "deserialize", &a, &b)?;
            if let Ok(v) = &a {
                value_round_trips(p, v, data.len())?;
            }
        }
        Ok(())
    })
}

/// FDL text: parsing stays within budget; an interpreter-only and a JIT-only engine (fresh, in
/// both modes) register it alike, and write and read each message's empty struct alike.
pub fn idl(data: &[u8]) -> Result<(), Finding> {
    let text = String::from_utf8_lossy(data);
    let (desc, peak) = crate::alloc::measure(|| SchemaDesc::from_idl(&text));
    let budget = crate::alloc::budget(data.len());
    if peak > budget {
        return Err(Finding::Allocation {
            call: "SchemaDesc::from_idl",
            config: "schema".into(),
            peak,
            budget,
            input: data.len(),
        });
    }
    let Ok(desc) = desc else { return Ok(()) };
    for mode in [Mode::Compatible, Mode::Consistent] {
        let engine = |tier| ForyJit::builder().tier(tier).mode(mode).build();
        let name = match mode {
            Mode::Compatible => "idl/compatible",
            Mode::Consistent => "idl/same-schema",
        };
        let pair = Pair::from_engines(
            name.into(),
            mode,
            engine(Tier::Interpreter),
            engine(Tier::Compiled),
        );
        let p = &pair;
        let (a, peak) = crate::alloc::measure(|| p.interp.register_schema(desc.clone()));
        p.within_budget("register_schema", "interpreter", data.len(), peak)?;
        // Compiling is exempt from the budget: its memory follows the compiler's function
        // size (`split_ops`), not the input's.
        let b = p.jit.register_schema(desc.clone());
        let names = |r: &Result<foryjit::SchemaHandle, Error>| match r {
            Ok(h) => Ok(h.types().iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()),
            Err(e) => Err(e.clone()),
        };
        if names(&a) != names(&b) {
            return Err(tiers(p, "register_schema", &names(&a), &names(&b)));
        }
        let Ok(handle) = a else { continue };
        for (name, h) in handle.types() {
            let (Ok(v), Some(hj)) = (p.interp.new_struct(*h), p.jit.type_handle(name)) else {
                continue;
            };
            if hj != *h {
                return Err(tiers(p, "type_handle", h, &hj));
            }
            let (a, b) = p.both_plain("serialize", data.len(), |e| e.serialize(&v))?;
            agree_bytes(p, "serialize", &a, &b)?;
            if let Ok(bytes) = a {
                let (x, y) = p.both_plain("deserialize", bytes.len(), |e| e.deserialize(&bytes))?;
                agree(p, "deserialize", &x, &y)?;
                if !x.as_ref().is_ok_and(|w| w.bit_eq(&v)) {
                    return Err(round_trip(
                        p,
                        format!(
                            "{name}: serialized bytes {} decode to {}, not {}",
                            hex(&bytes),
                            short(&x),
                            short(&v)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `data` = a type's full name, a newline, canonical JSON. Both tiers build and serialize the
/// same value; it round-trips through bytes, and through JSON.
pub fn from_json(data: &[u8]) -> Result<(), Finding> {
    let Some(nl) = data.iter().position(|&b| b == b'\n') else { return Ok(()) };
    let (Ok(name), json) = (std::str::from_utf8(&data[..nl]), &data[nl + 1..]) else {
        return Ok(());
    };
    let (json, peak) = crate::alloc::measure(|| serde_json::from_slice(json));
    let budget = crate::alloc::budget(data.len());
    if peak > budget {
        return Err(Finding::Allocation {
            call: "serde_json::from_slice",
            config: "json".into(),
            peak,
            budget,
            input: data.len(),
        });
    }
    let Ok(json): Result<serde_json::Value, _> = json else { return Ok(()) };
    PLAIN.with(|pairs| {
        for p in pairs {
            let (Some(h), hj) = (p.interp.type_handle(name), p.jit.type_handle(name)) else {
                continue;
            };
            if hj != Some(h) {
                return Err(tiers(p, "type_handle", &h, &hj));
            }
            p.reset();
            let (a, b) = p.both_plain("from_json", data.len(), |e| e.from_json(h, &json))?;
            agree(p, "from_json", &a, &b)?;
            let Ok(v) = a else { continue };
            value_round_trips(p, &v, data.len())?;
            let back = p.interp.to_json(h, &v).map_err(|e| {
                round_trip(p, format!("a value built from JSON has no JSON: {e}\n  {}", short(&v)))
            })?;
            let (x, y) = p.both_plain("from_json", data.len(), |e| e.from_json(h, &back))?;
            agree(p, "from_json (to_json)", &x, &y)?;
            if !x.as_ref().is_ok_and(|w| w.bit_eq(&v)) {
                return Err(round_trip(
                    p,
                    format!(
                        "to_json then from_json changed the value\n  value: {}\n  json: {}\n  \
                         again: {}",
                        short(&v),
                        short(&back),
                        short(&x)
                    ),
                ));
            }
        }
        Ok(())
    })
}

/// A value decoded from `data` re-serializes (both tiers to the same bytes) to bytes that decode
/// to it, and serializing it twice gives the same bytes, in every configuration.
pub fn roundtrip(data: &[u8]) -> Result<(), Finding> {
    PLAIN.with(|pairs| {
        for p in pairs {
            p.reset();
            let (a, b) = p.both_plain("deserialize", data.len(), |e| e.deserialize(data))?;
            agree(p, "deserialize", &a, &b)?;
            if let Ok(v) = &a {
                value_round_trips(p, v, data.len())?;
            }
        }
        Ok(())
    })
}

/// A target: input bytes to the first finding.
pub type Target = fn(&[u8]) -> Result<(), Finding>;

/// Every target by name, as the fuzz binaries and the tests know them.
pub const ALL: [(&str, Target); 7] = [
    ("deserialize", deserialize),
    ("deserialize_graph", deserialize_graph),
    ("meta_share", meta_share),
    ("typedef", typedef),
    ("idl", idl),
    ("from_json", from_json),
    ("roundtrip", roundtrip),
];
