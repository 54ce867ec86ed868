//! The writer: runs a program's write ops, and the dynamic rules for untyped positions.

use crate::catalog::Catalog;
use crate::fit::FitMemo;
use crate::Options;
use foryjit_ir::{Codec, ElemCodec, Mode, Program, Scalar, WriteOp};
use foryjit_schema::{ArrayElem, Registration, TypeInfo};
use foryjit_wire::meta_string::MetaStringWriter;
use foryjit_wire::type_id::{self as tid, flag};
use foryjit_wire::{
    CodecError, CodecResult, ErrorKind, Graph, PathSegment, StructValue, TypeIdx, UnionValue,
    UnknownStruct, Value, Writer,
};

/// `#[repr(C)]`: compiled code reads and bumps `depth` against `max_depth` when it calls a
/// nested struct's compiled writer (`foryjit_abi::CtxHeader`, whose fields begin the struct).
#[repr(C)]
pub(crate) struct WriteCtx<'a> {
    pub depth: u32,
    /// `opts.limits.max_depth`, where compiled code finds it.
    pub max_depth: u32,
    /// What compiled code needs to write strings and binary inline (`foryjit_abi::CtxHeader`).
    pub inline: foryjit_abi::InlineRules,
    pub cat: &'a Catalog,
    pub opts: &'a Options,
    pub meta: MetaStringWriter,
    /// Compatible mode: the TypeDefs this root call (or stream) has written, in meta-share order.
    pub defs: Vec<SharedDef>,
    /// Graph mode: the nodes `Value::Ref`s point to, the ref id each was written with, and the
    /// next ref id (every `00` written takes one).
    pub graph: Option<&'a [Value]>,
    pub ref_ids: Vec<Option<u32>>,
    pub next_ref: u32,
    /// Graph mode: the (node, position) pairs a back-reference was already checked for.
    pub fit_memo: FitMemo,
    /// An out-of-band call (`serialize_with_buffers`): every binary body gets an in-band marker
    /// and those the policy picks go to the buffers.
    pub oob: Option<OobWrite<'a>>,
}

/// The out-of-band state of one write call.
pub(crate) struct OobWrite<'a> {
    /// Whether a binary of these bytes goes out of band.
    pub out_of_band: &'a dyn Fn(&[u8]) -> bool,
    /// The binaries sent out of band, in wire order: (data pointer, length) of the bytes of a
    /// `Value::Binary` inside the root value of the call, which the caller borrows for the
    /// whole call and longer (see `crate::serialize_with_buffers`).
    pub taken: Vec<(*const u8, usize)>,
}

impl<'a> WriteCtx<'a> {
    /// The context of one root call: depth 0, nothing written yet.
    fn new(cat: &'a Catalog, opts: &'a Options) -> Self {
        WriteCtx {
            depth: 0,
            max_depth: opts.limits.max_depth,
            inline: foryjit_abi::InlineRules::new(&opts.limits, opts.string_policy),
            cat,
            opts,
            meta: MetaStringWriter::new(),
            defs: Vec::new(),
            graph: None,
            ref_ids: Vec::new(),
            next_ref: 0,
            fit_memo: FitMemo::default(),
            oob: None,
        }
    }
}

/// A TypeDef already on the wire: one of ours, or one kept in an unknown-struct value
/// (identified by its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SharedDef {
    Local(TypeIdx),
    Remote(u64),
}

#[cold]
fn err(kind: ErrorKind, w: &Writer) -> Box<CodecError> {
    CodecError::new(kind, w.len())
}

#[cold]
fn wrong(expected: &'static str, v: &Value, w: &Writer) -> Box<CodecError> {
    err(ErrorKind::WrongKind { expected, found: v.kind_name() }, w)
}

pub(crate) fn write_root(
    cat: &Catalog,
    opts: &Options,
    value: &Value,
    out: &mut Vec<u8>,
    share: Option<&mut Vec<SharedDef>>,
) -> CodecResult<()> {
    let Some(share) = share else {
        return write_root_with(cat, opts, value, out, Vec::new()).0;
    };
    // TypeDefs written earlier in the stream are referenced; a failed message (whose bytes
    // are discarded) adds none.
    let before = share.len();
    let (r, mut after) = write_root_with(cat, opts, value, out, std::mem::take(share));
    if r.is_err() {
        after.truncate(before);
    }
    *share = after;
    r
}

fn write_root_with(
    cat: &Catalog,
    opts: &Options,
    value: &Value,
    out: &mut Vec<u8>,
    defs: Vec<SharedDef>,
) -> (CodecResult<()>, Vec<SharedDef>) {
    let mut ctx = WriteCtx { defs, ..WriteCtx::new(cat, opts) };
    let r = write_root_in(&mut ctx, value, out);
    (r, ctx.defs)
}

/// One payload with out-of-band buffers: header `0x03`, every binary body marked in band (`01`)
/// or out of band (`00`, its bytes left in the value). Returns the out-of-band binaries as
/// (pointer, length) pairs into `value`, in wire order; `out` is appended to (the caller
/// truncates on error).
pub(crate) fn write_root_oob(
    cat: &Catalog,
    opts: &Options,
    value: &Value,
    out: &mut Vec<u8>,
    out_of_band: &dyn Fn(&[u8]) -> bool,
) -> CodecResult<Vec<(*const u8, usize)>> {
    let start = out.len();
    let mut ctx = WriteCtx::new(cat, opts);
    // Compiled code (which is not entered in these calls, see `write_nested_struct`) would
    // then inline no binary: every candidate goes through the interpreter's helpers.
    ctx.inline.max_binary_bytes = 0;
    ctx.oob = Some(OobWrite { out_of_band, taken: Vec::new() });
    write_root_in(&mut ctx, value, out)?;
    if let Some(h) = out.get_mut(start) {
        *h |= tid::HEADER_OOB;
    }
    Ok(ctx.oob.map(|o| o.taken).unwrap_or_default())
}

fn write_root_in(ctx: &mut WriteCtx, value: &Value, out: &mut Vec<u8>) -> CodecResult<()> {
    let max = ctx.opts.limits.max_payload_bytes();
    let mut w = Writer::new(out, max);
    if let Value::Struct(sv) = value {
        // The common root: a struct whose header, flag and type meta are always the same bytes
        // (see `root_prefix`) — one copy, then the body, as below. Only when no TypeDef was
        // shared before (a stream's later messages reference theirs) and the limit cannot be
        // reached by the prefix, so that a limit error is the one the path below reports.
        if let Some(prefix) = ctx.cat.root_prefix(sv.ty) {
            if ctx.defs.is_empty() && w.len().saturating_add(prefix.bytes.len()) <= max {
                w.put_bytes(&prefix.bytes)?;
                ctx.defs.extend_from_slice(&prefix.defs);
                write_nested_struct(ctx, &mut w, sv)?;
                return w.check_limit();
            }
        }
    }
    w.reserve(1)?;
    w.put_u8(tid::HEADER_XLANG);
    write_flagged(ctx, &mut w, value, true, None, write_dynamic)?;
    w.check_limit()
}

/// The start of every payload whose root is a struct of one type, when it does not depend on
/// the call (see [`root_prefix`]).
#[derive(Debug, Clone)]
pub(crate) struct RootPrefix {
    /// The header, the present flag and the type meta.
    pub bytes: Box<[u8]>,
    /// The TypeDefs those bytes put on the wire (compatible mode), in meta-share order.
    pub defs: Box<[SharedDef]>,
}

/// What `write_root_in` writes before the body of a struct root of `ty` — the header, the
/// present flag and the type meta — when it does not depend on the call, given that nothing
/// was written before (a fresh meta-string and meta-share state): for a message registered by
/// id, and in compatible mode for one described by a TypeDef (a named type's meta strings in
/// same-schema mode depend on what the call wrote). Computed once per type by the catalog with
/// the writer's own functions, with the TypeDefs it shares.
pub(crate) fn root_prefix(cat: &Catalog, ty: TypeIdx) -> Option<RootPrefix> {
    let info = cat.registry().get(ty)?;
    let by_id = matches!(info.registration(), Registration::Id(_));
    let by_typedef = cat.mode() == Mode::Compatible && cat.typedef(ty).is_some();
    if !matches!(**info, TypeInfo::Message(_)) || !(by_id || by_typedef) {
        return None;
    }
    let opts = Options::default();
    let mut ctx = WriteCtx::new(cat, &opts);
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out, usize::MAX);
    w.reserve(2).ok()?;
    w.put_u8(tid::HEADER_XLANG);
    w.put_u8(flag::NOT_NULL);
    write_user_type_meta(&mut ctx, &mut w, ty).ok()?;
    Some(RootPrefix { bytes: out.into(), defs: ctx.defs.into() })
}

/// Writes a [`Graph`] (graph mode): each `Value::Ref` is written as `00` + its node the first
/// time and as `fe <id>` after, so sharing and cycles travel as the peers write them.
pub(crate) fn write_graph(
    cat: &Catalog,
    opts: &Options,
    graph: &Graph,
    out: &mut Vec<u8>,
) -> CodecResult<()> {
    let mut ctx = WriteCtx {
        graph: Some(&graph.nodes),
        ref_ids: vec![None; graph.nodes.len()],
        ..WriteCtx::new(cat, opts)
    };
    write_root_in(&mut ctx, &graph.root, out)
}

/// The flag of a value at a position that carries one (`fd` null, `ff` value; in a graph, `00`
/// and the node the first time a `Ref` is met, `fe <id>` after — only where the node fits the
/// position, `fit`: its codec, `None` where any value fits), then the body through `body`.
pub(crate) fn write_flagged(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    v: &Value,
    nullable: bool,
    fit: Option<&Codec>,
    body: impl FnOnce(&mut WriteCtx, &mut Writer, &Value) -> CodecResult<()>,
) -> CodecResult<()> {
    w.reserve(foryjit_ir::room::FLAGGED as usize)?;
    match v {
        Value::Null if nullable => {
            w.put_u8(flag::NULL);
            Ok(())
        }
        Value::Null => Err(err(ErrorKind::UnexpectedNull, w)),
        Value::Ref(i) => {
            let graph = ctx.graph.ok_or_else(|| {
                err(ErrorKind::Unsupported("a reference outside a graph (use serialize_graph)"), w)
            })?;
            let node = graph.get(*i as usize).ok_or_else(|| err(ErrorKind::BadRefId(*i), w))?;
            match ctx.ref_ids.get(*i as usize).copied().flatten() {
                Some(_) if !ctx.fit_memo.node_fits(*i, fit, node) => {
                    Err(err(ErrorKind::RefMismatch(*i), w))
                }
                Some(id) => {
                    w.put_u8(flag::REF);
                    w.put_varu32(id);
                    Ok(())
                }
                None => {
                    if let Some(slot) = ctx.ref_ids.get_mut(*i as usize) {
                        *slot = Some(ctx.next_ref);
                    }
                    ctx.next_ref += 1;
                    if node.is_null() || matches!(node, Value::Ref(_)) {
                        return Err(err(
                            ErrorKind::WrongKind { expected: "a value", found: node.kind_name() },
                            w,
                        ));
                    }
                    w.put_u8(flag::REF_VALUE);
                    body(ctx, w, node)
                }
            }
        }
        v => {
            w.put_u8(flag::NOT_NULL);
            body(ctx, w, v)
        }
    }
}

/// `v` itself, or the node a `Ref` points to (for type decisions).
fn deref<'v>(graph: Option<&'v [Value]>, v: &'v Value) -> &'v Value {
    match (v, graph) {
        (Value::Ref(i), Some(g)) => g.get(*i as usize).unwrap_or(v),
        _ => v,
    }
}

pub(crate) fn write_struct_body_entry(
    cat: &Catalog,
    opts: &Options,
    sv: &StructValue,
    out: &mut Vec<u8>,
) -> CodecResult<()> {
    let mut w = Writer::new(out, opts.limits.max_payload_bytes());
    let mut ctx = WriteCtx::new(cat, opts);
    let prog = cat
        .program(sv.ty)
        .ok_or_else(|| err(ErrorKind::UnregisteredType(format!("#{}", sv.ty.0)), &w))?
        .clone();
    write_struct_body(&mut ctx, &mut w, &prog, sv)?;
    w.check_limit()
}

pub(crate) fn enter(ctx: &mut WriteCtx, w: &Writer) -> CodecResult<()> {
    ctx.depth += 1;
    if ctx.depth > ctx.max_depth {
        return Err(err(ErrorKind::DepthLimit(ctx.max_depth), w));
    }
    Ok(())
}

/// Writes hash + fields of a struct value following `prog`.
pub(crate) fn write_struct_body(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    prog: &Program,
    sv: &StructValue,
) -> CodecResult<()> {
    if sv.fields.len() != prog.field_count() {
        return Err(err(
            ErrorKind::FieldCount { expected: prog.field_count(), found: sv.fields.len() },
            w,
        ));
    }
    let fields = sv.fields.as_slice();
    for op in &prog.write {
        exec_write_op(ctx, w, prog, op, fields)?;
    }
    Ok(())
}

/// Executes one write op of `prog` over a struct's fields. Compiled code calls back into this for
/// every op it does not inline, so both tiers share one implementation of each op.
pub(crate) fn exec_write_op(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    prog: &Program,
    op: &WriteOp,
    fields: &[Value],
) -> CodecResult<()> {
    let name = |i: u32| PathSegment::Field(prog.field_names[i as usize].clone());
    let field = |i: u32| fields.get(i as usize).unwrap_or(&Value::Null);
    match op {
        WriteOp::Reserve { bytes } => w.reserve(*bytes as usize)?,
        WriteOp::PutHash(h) => w.put_u32(*h),
        WriteOp::PutScalar { field: f, scalar } => {
            put_scalar(w, *scalar, field(f.0)).map_err(|e| e.within(name(f.0)))?
        }
        WriteOp::PutNullableScalar { field: f, scalar } => {
            let v = field(f.0);
            if let Value::Ref(_) = v {
                // Graph mode: a tracked scalar (`00` + the value, or `fe id`), as read.
                let s = *scalar;
                return write_flagged(ctx, w, v, true, Some(&Codec::Scalar(s)), |_, w, v| {
                    w.reserve(s.max_size() as usize)?;
                    put_scalar(w, s, v)
                })
                .map_err(|e| e.within(name(f.0)));
            }
            if v.is_null() {
                w.put_u8(flag::NULL);
            } else {
                w.put_u8(flag::NOT_NULL);
                put_scalar(w, *scalar, v).map_err(|e| e.within(name(f.0)))?;
            }
        }
        WriteOp::PutField { field: f, codec, nullable } => {
            write_field(ctx, w, codec, *nullable, field(f.0)).map_err(|e| e.within(name(f.0)))?;
        }
    }
    Ok(())
}

fn write_field(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    codec: &Codec,
    nullable: bool,
    v: &Value,
) -> CodecResult<()> {
    if nullable {
        return write_flagged(ctx, w, v, true, Some(codec), |ctx, w, v| {
            write_body(ctx, w, codec, v)
        });
    }
    if v.is_null() {
        return Err(err(ErrorKind::UnexpectedNull, w));
    }
    write_body(ctx, w, codec, v)
}

/// Writes a scalar; capacity for its maximum size must be reserved.
#[inline]
pub(crate) fn put_scalar(w: &mut Writer, s: Scalar, v: &Value) -> CodecResult<()> {
    match (s, v) {
        (Scalar::Bool, Value::Bool(b)) => w.put_u8(*b as u8),
        (Scalar::I8, Value::Int8(x)) => w.put_u8(*x as u8),
        (Scalar::I16, Value::Int16(x)) => w.put_u16(*x as u16),
        (Scalar::I32, Value::Int32(x)) => w.put_u32(*x as u32),
        (Scalar::VarI32, Value::Int32(x)) => w.put_vari32(*x),
        (Scalar::I64, Value::Int64(x)) => w.put_u64(*x as u64),
        (Scalar::VarI64, Value::Int64(x)) => w.put_vari64(*x),
        (Scalar::TaggedI64, Value::Int64(x)) => w.put_tagged_i64(*x),
        (Scalar::U8, Value::UInt8(x)) => w.put_u8(*x),
        (Scalar::U16, Value::UInt16(x)) => w.put_u16(*x),
        (Scalar::U32, Value::UInt32(x)) => w.put_u32(*x),
        (Scalar::VarU32, Value::UInt32(x)) => w.put_varu32(*x),
        (Scalar::U64, Value::UInt64(x)) => w.put_u64(*x),
        (Scalar::VarU64, Value::UInt64(x)) => w.put_varu64(*x),
        (Scalar::TaggedU64, Value::UInt64(x)) => w.put_tagged_u64(*x),
        (Scalar::F16, Value::Float16(x)) => w.put_f16(*x),
        (Scalar::BF16, Value::BFloat16(x)) => w.put_bf16(*x),
        (Scalar::F32, Value::Float32(x)) => w.put_u32(x.to_bits()),
        (Scalar::F64, Value::Float64(x)) => w.put_u64(x.to_bits()),
        (_, Value::Null) => return Err(err(ErrorKind::UnexpectedNull, w)),
        (s, v) => return Err(wrong(scalar_name(s), v, w)),
    }
    Ok(())
}

fn scalar_name(s: Scalar) -> &'static str {
    use Scalar::*;
    match s {
        Bool => "bool",
        I8 => "int8",
        I16 => "int16",
        I32 | VarI32 => "int32",
        I64 | VarI64 | TaggedI64 => "int64",
        U8 => "uint8",
        U16 => "uint16",
        U32 | VarU32 => "uint32",
        U64 | VarU64 | TaggedU64 => "uint64",
        F16 => "float16",
        BF16 => "bfloat16",
        F32 => "float32",
        F64 => "float64",
    }
}

/// Refuses a string, binary, array or collection length that the reader would refuse under
/// the same limits (`LengthLimit`), before anything of it is written.
fn within(w: &Writer, len: usize, limit: usize) -> CodecResult<()> {
    if len > limit {
        return Err(err(ErrorKind::LengthLimit { len: len as u64, limit: limit as u64 }, w));
    }
    Ok(())
}

/// A dense array of at most `max_bytes` bytes (`max_binary_bytes`, as the reader).
fn write_array(w: &mut Writer, elem: ArrayElem, v: &Value, max_bytes: usize) -> CodecResult<()> {
    if array_elem_of(v) == Some(elem) {
        within(w, crate::read::array_len(v).saturating_mul(elem.width() as usize), max_bytes)?;
    }
    match (elem, v) {
        (ArrayElem::Bool, Value::BoolArray(a)) => w.put_bool_array(a),
        (ArrayElem::Int8, Value::Int8Array(a)) => w.put_pod_array(a),
        (ArrayElem::Int16, Value::Int16Array(a)) => w.put_pod_array(a),
        (ArrayElem::Int32, Value::Int32Array(a)) => w.put_pod_array(a),
        (ArrayElem::Int64, Value::Int64Array(a)) => w.put_pod_array(a),
        (ArrayElem::UInt8, Value::UInt8Array(a)) => w.put_pod_array(a),
        (ArrayElem::UInt16, Value::UInt16Array(a)) => w.put_pod_array(a),
        (ArrayElem::UInt32, Value::UInt32Array(a)) => w.put_pod_array(a),
        (ArrayElem::UInt64, Value::UInt64Array(a)) => w.put_pod_array(a),
        (ArrayElem::Float16, Value::Float16Array(a)) => w.put_pod_array(a),
        (ArrayElem::BFloat16, Value::BFloat16Array(a)) => w.put_pod_array(a),
        (ArrayElem::Float32, Value::Float32Array(a)) => w.put_pod_array(a),
        (ArrayElem::Float64, Value::Float64Array(a)) => w.put_pod_array(a),
        (_, v) => Err(wrong("array", v, w)),
    }
}

/// The body of a string, binary or dense-array value: what the interpreter writes for those
/// codecs, and what compiled code reaches directly through `fj_write_blob`, within the read
/// limits of `opts` (`max_string_bytes`, `max_binary_bytes`). `None` for any other codec.
#[inline]
pub(crate) fn write_blob(
    w: &mut Writer,
    codec: &Codec,
    v: &Value,
    opts: &Options,
) -> Option<CodecResult<()>> {
    let limits = &opts.limits;
    Some(match codec {
        Codec::String => match v {
            Value::String(s) => w.put_string_within(s, opts.string_policy, limits.max_string_bytes),
            v => Err(wrong("string", v, w)),
        },
        Codec::Binary => match v {
            Value::Binary(b) => (|| {
                within(w, b.len(), limits.max_binary_bytes)?;
                w.reserve_exact(b.len())?;
                w.reserve(b.len() + 5)?;
                w.put_varu32(b.len() as u32);
                w.put_bytes(b)
            })(),
            v => Err(wrong("bytes", v, w)),
        },
        Codec::Array(e) => write_array(w, *e, v, limits.max_binary_bytes),
        _ => return None,
    })
}

/// A binary body in an out-of-band call: `00` and the bytes to the buffers when the policy
/// picks them, else `01` and the usual in-band body (pyfory's `write_buffer_object`).
fn write_binary_oob(ctx: &mut WriteCtx, w: &mut Writer, v: &Value) -> CodecResult<()> {
    let Value::Binary(b) = v else { return Err(wrong("bytes", v, w)) };
    within(w, b.len(), ctx.opts.limits.max_binary_bytes)?;
    let Some(oob) = ctx.oob.as_mut() else { return Err(wrong("bytes", v, w)) };
    w.reserve(1)?;
    if (oob.out_of_band)(b) {
        w.put_u8(0);
        oob.taken.push((b.as_ptr(), b.len()));
        return Ok(());
    }
    w.put_u8(1);
    write_blob(w, &Codec::Binary, v, ctx.opts).unwrap_or_else(|| unreachable_codec(w))
}

#[cold]
fn unreachable_codec(w: &Writer) -> CodecResult<()> {
    Err(err(ErrorKind::Unsupported("internal error: a codec without a blob body"), w))
}

/// Writes the body of a non-null value of a known type.
pub(crate) fn write_body(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    codec: &Codec,
    v: &Value,
) -> CodecResult<()> {
    match codec {
        Codec::Scalar(s) => {
            w.reserve(s.max_size() as usize)?;
            put_scalar(w, *s, v)
        }
        Codec::Binary if ctx.oob.is_some() => write_binary_oob(ctx, w, v),
        Codec::String | Codec::Binary | Codec::Array(_) => {
            write_blob(w, codec, v, ctx.opts).unwrap_or_else(|| unreachable_codec(w))
        }
        Codec::Date => match v {
            Value::Date(d) => {
                w.reserve(9)?;
                w.put_vari64(*d as i64);
                Ok(())
            }
            v => Err(wrong("date", v, w)),
        },
        Codec::Timestamp => match v {
            Value::Timestamp(t) => {
                if t.nanos >= 1_000_000_000 {
                    return Err(err(ErrorKind::InvalidTime, w));
                }
                w.reserve(12)?;
                w.put_u64(t.seconds as u64);
                w.put_u32(t.nanos);
                Ok(())
            }
            v => Err(wrong("timestamp", v, w)),
        },
        Codec::Duration => match v {
            Value::Duration(d) => {
                if !(0..1_000_000_000).contains(&d.nanos) {
                    return Err(err(ErrorKind::InvalidTime, w));
                }
                w.reserve(13)?;
                w.put_vari64(d.seconds);
                w.put_u32(d.nanos as u32);
                Ok(())
            }
            v => Err(wrong("duration", v, w)),
        },
        Codec::Decimal => match v {
            Value::Decimal(d) => d.write(w),
            v => Err(wrong("decimal", v, w)),
        },
        // Conversions exist only in readers of another schema version.
        Codec::ListAsArray(..) | Codec::ArrayAsList(_) | Codec::Widen { .. } => {
            Err(err(ErrorKind::Unsupported("a read-only conversion codec"), w))
        }
        Codec::Enum(ty) => match v {
            Value::Enum(ev) => write_enum_value(ctx, w, *ty, ev.ty, ev.value),
            v => Err(wrong("enum", v, w)),
        },
        Codec::Union(ty) => match v {
            Value::Union(u) if u.ty == *ty => write_union_body(ctx, w, u),
            Value::Union(u) => {
                Err(err(ErrorKind::WrongStructType { expected: ty.0, found: u.ty.0 }, w))
            }
            v => Err(wrong("union", v, w)),
        },
        Codec::Struct { ty, with_meta } => match v {
            Value::Struct(sv) => {
                if sv.ty != *ty {
                    return Err(err(
                        ErrorKind::WrongStructType { expected: ty.0, found: sv.ty.0 },
                        w,
                    ));
                }
                if *with_meta {
                    write_user_type_meta(ctx, w, *ty)?;
                }
                write_nested_struct(ctx, w, sv)
            }
            v => Err(wrong("struct", v, w)),
        },
        Codec::List(elem) => match v {
            Value::List(items) => write_typed_collection(ctx, w, elem, items),
            v => Err(wrong("list", v, w)),
        },
        Codec::Set(elem) => match v {
            // Only a `Set`: a `List` would read back as another value (a `Set`).
            Value::Set(items) => write_typed_collection(ctx, w, elem, items),
            v => Err(wrong("set", v, w)),
        },
        Codec::Map(k, val) => match v {
            Value::Map(entries) => write_map(ctx, w, Some((k, val)), entries),
            v => Err(wrong("map", v, w)),
        },
        Codec::Any => write_dynamic(ctx, w, v),
    }
}

fn write_enum_value(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    expected: TypeIdx,
    ty: TypeIdx,
    value: u32,
) -> CodecResult<()> {
    if ty != expected {
        return Err(err(ErrorKind::WrongStructType { expected: expected.0, found: ty.0 }, w));
    }
    let known =
        ctx.cat.registry().enumeration(ty).is_some_and(|e| e.member_by_value(value).is_some());
    if !known {
        return Err(err(ErrorKind::UnknownEnumValue(value), w));
    }
    w.reserve(foryjit_ir::room::ENUM_VALUE as usize)?;
    w.put_varu32(value);
    Ok(())
}

fn write_nested_struct(ctx: &mut WriteCtx, w: &mut Writer, sv: &StructValue) -> CodecResult<()> {
    let cat = ctx.cat;
    let prog = cat
        .program(sv.ty)
        .ok_or_else(|| err(ErrorKind::UnregisteredType(format!("#{}", sv.ty.0)), w))?;
    enter(ctx, w)?;
    let r = match cat.native_write(sv.ty) {
        // A wrong field count is reported by the interpreter (compiled code indexes by ordinal).
        // Not in an out-of-band call: compiled writers put an empty binary inline without its
        // in-band marker (`emit_blob_body` inlines every binary within `max_binary_bytes`,
        // and 0 bytes always are), so those calls are interpreted throughout.
        Some(f) if sv.fields.len() == prog.field_count() && ctx.oob.is_none() => {
            crate::native::call_write(f, ctx, w, prog, sv.fields.as_slice())
        }
        _ => write_struct_body(ctx, w, prog, sv),
    };
    ctx.depth -= 1;
    r
}

/// A union body: the case id, then the case value as a complete `any` value: `ff`, the type
/// meta of the case's declared type (or of the value, for unknown cases), body; or `fd` for a
/// null value of a case that may hold one ([`foryjit_ir::union_case_nullable`]).
fn write_union_body(ctx: &mut WriteCtx, w: &mut Writer, u: &UnionValue) -> CodecResult<()> {
    let cat = ctx.cat;
    let (ty, case) = (u.ty, u.case);
    let nullable = foryjit_ir::union_case_nullable(cat.union_case(ty, case));
    if u.value.is_null() && !nullable {
        return Err(err(ErrorKind::UnexpectedNull, w).within(PathSegment::Case(case)));
    }
    w.reserve(6)?;
    w.put_varu32(case);
    enter(ctx, w)?;
    let r = write_flagged(ctx, w, &u.value, nullable, cat.union_case(ty, case), |ctx, w, v| {
        write_union_case(ctx, w, cat, ty, case, v)
    });
    ctx.depth -= 1;
    r.map_err(|e| e.within(PathSegment::Case(case)))
}

/// A union case value after its flag: the type meta of the case's declared type (or of the
/// value, for unknown and `any` cases), then the body. Collection cases are written with their
/// declared element (key, value) types, as in a field: pyfory writes `list<int32>` `[1, -2]` as
/// `16 02 0c 02 03`.
fn write_union_case(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    cat: &Catalog,
    ty: TypeIdx,
    case: u32,
    v: &Value,
) -> CodecResult<()> {
    match cat.union_case(ty, case) {
        Some(Codec::Scalar(s)) => {
            w.reserve(1 + s.max_size() as usize)?;
            w.put_varu32(s.type_id());
            put_scalar(w, *s, v)
        }
        Some(c @ (Codec::String | Codec::Binary | Codec::Date | Codec::Timestamp)) => {
            let id = match c {
                Codec::String => tid::STRING,
                Codec::Binary => tid::BINARY,
                Codec::Date => tid::DATE,
                _ => tid::TIMESTAMP,
            };
            w.reserve(1)?;
            w.put_varu32(id);
            write_body(ctx, w, c, v)
        }
        Some(c @ (Codec::Duration | Codec::Decimal | Codec::Array(_))) => {
            let id = match c {
                Codec::Duration => tid::DURATION,
                Codec::Decimal => tid::DECIMAL,
                Codec::Array(e) => e.type_id(),
                _ => tid::UNKNOWN,
            };
            w.reserve(1)?;
            w.put_varu32(id);
            write_body(ctx, w, c, v)
        }
        Some(c @ (Codec::Enum(t) | Codec::Struct { ty: t, .. } | Codec::Union(t))) => {
            write_user_type_meta(ctx, w, *t)?;
            write_body(ctx, w, &plain_codec(c), v)
        }
        Some(c @ (Codec::List(_) | Codec::Set(_) | Codec::Map(..))) => {
            let id = match c {
                Codec::List(_) => tid::LIST,
                Codec::Set(_) => tid::SET,
                _ => tid::MAP,
            };
            w.reserve(1)?;
            w.put_varu32(id);
            write_body(ctx, w, c, v)
        }
        _ => write_dynamic(ctx, w, v),
    }
}

/// Type meta of a registered user type: kind + id, or the named kind + meta strings.
pub(crate) fn write_user_type_meta(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    ty: TypeIdx,
) -> CodecResult<()> {
    let cat = ctx.cat;
    let info = cat
        .registry()
        .get(ty)
        .ok_or_else(|| err(ErrorKind::UnregisteredType(format!("#{}", ty.0)), w))?;
    let (by_id, by_name) = match **info {
        TypeInfo::Enum(_) => (tid::ENUM, tid::NAMED_ENUM),
        TypeInfo::Union(_) => (tid::TYPED_UNION, tid::NAMED_UNION),
        TypeInfo::Message(_) => (tid::STRUCT, tid::NAMED_STRUCT),
    };
    if cat.mode() == Mode::Compatible {
        if let Some(def) = cat.typedef(ty) {
            return write_shared_typedef(ctx, w, info, ty, def);
        }
    }
    w.reserve(6)?;
    match info.registration() {
        Registration::Id(id) => {
            w.put_varu32(by_id);
            w.put_varu32(*id);
            Ok(())
        }
        Registration::Named { .. } => {
            w.put_varu32(by_name);
            let named = cat
                .named_meta(ty)
                .ok_or_else(|| err(ErrorKind::UnregisteredType(info.full_name().to_owned()), w))?;
            ctx.meta.write(w, &named.namespace)?;
            ctx.meta.write(w, &named.name)
        }
    }
}

/// Compatible mode: the kind, then the meta-share marker `(index << 1) | 1` for a TypeDef this
/// root call already wrote, or `index << 1` and the TypeDef for a new one.
fn write_shared_typedef(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    info: &TypeInfo,
    ty: TypeIdx,
    def: &[u8],
) -> CodecResult<()> {
    let kind = match info {
        TypeInfo::Enum(_) => tid::NAMED_ENUM,
        TypeInfo::Union(_) => tid::NAMED_UNION,
        TypeInfo::Message(m) => match (&m.registration, m.evolving) {
            (Registration::Id(_), true) => tid::COMPATIBLE_STRUCT,
            (Registration::Named { .. }, true) => tid::NAMED_COMPATIBLE_STRUCT,
            (Registration::Id(_), false) => tid::STRUCT,
            (Registration::Named { .. }, false) => tid::NAMED_STRUCT,
        },
    };
    put_shared_def(ctx, w, kind, SharedDef::Local(ty), def)
}

/// Kind, meta-share marker and (first time) the TypeDef bytes.
fn put_shared_def(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    kind: u32,
    key: SharedDef,
    def: &[u8],
) -> CodecResult<()> {
    w.reserve(10)?;
    w.put_varu32(kind);
    match ctx.defs.iter().position(|&k| k == key) {
        Some(i) => w.put_varu32(((i as u32) << 1) | 1),
        None => {
            w.put_varu32((ctx.defs.len() as u32) << 1);
            ctx.defs.push(key);
            w.reserve_exact(def.len())?;
            w.put_bytes(def)?;
        }
    }
    Ok(())
}

/// The TypeDef key of an unknown-struct value: its header.
fn unknown_key(u: &UnknownStruct) -> SharedDef {
    let mut h = [0u8; 8];
    if let Some(b) = u.typedef.get(..8) {
        h.copy_from_slice(b);
    }
    SharedDef::Remote(u64::from_le_bytes(h))
}

/// The fields of an unknown-struct value, framed as its TypeDef describes them.
fn write_unknown_body(ctx: &mut WriteCtx, w: &mut Writer, u: &UnknownStruct) -> CodecResult<()> {
    let t = ctx.cat.remote_type_of(&u.typedef, &ctx.opts.limits)?;
    let Some(codecs) = &t.opaque else {
        return Err(err(ErrorKind::Unsupported("a TypeDef field type (union)"), w));
    };
    if codecs.len() != u.fields.len() {
        return Err(err(
            ErrorKind::FieldCount { expected: codecs.len(), found: u.fields.len() },
            w,
        ));
    }
    enter(ctx, w)?;
    for (i, ((codec, nullable), v)) in codecs.iter().zip(&u.fields).enumerate() {
        write_field(ctx, w, codec, *nullable, v).map_err(|e| e.within(PathSegment::Index(i)))?;
    }
    ctx.depth -= 1;
    Ok(())
}

/// A typed collection (list/set field with a known element type).
fn write_typed_collection(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    elem: &ElemCodec,
    items: &[Value],
) -> CodecResult<()> {
    let Some(head) = write_collection_head(ctx, w, elem, items)? else { return Ok(()) };
    let body_codec = head.plain.as_ref().unwrap_or(&elem.codec);
    enter(ctx, w)?;
    for (i, v) in items.iter().enumerate() {
        let r = if head.flagged {
            write_flagged(ctx, w, v, true, Some(&elem.codec), |ctx, w, v| {
                write_body(ctx, w, body_codec, v)
            })
        } else {
            write_body(ctx, w, body_codec, v)
        };
        r.map_err(|e| e.within(PathSegment::Index(i)))?;
    }
    ctx.depth -= 1;
    Ok(())
}

/// How the elements of a typed collection follow its head.
pub(crate) struct CollectionHead {
    /// Each element carries a flag.
    pub flagged: bool,
    /// The elements' body codec when it is not the declared one (struct elements, whose type
    /// meta the head carries).
    pub plain: Option<Codec>,
}

/// What a typed collection writes before its first element: the length, then (when there are
/// elements) the header and the element type meta. `None` when nothing follows: an empty
/// collection, or one of `any` elements, which this writes whole.
pub(crate) fn write_collection_head(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    elem: &ElemCodec,
    items: &[Value],
) -> CodecResult<Option<CollectionHead>> {
    within(w, items.len(), ctx.opts.limits.max_collection_len)?;
    w.reserve(6)?;
    w.put_varu32(items.len() as u32);
    if items.is_empty() {
        return Ok(None);
    }
    if let Codec::Any = elem.codec {
        write_dynamic_elements(ctx, w, items)?;
        return Ok(None);
    }
    let has_null = items.iter().any(Value::is_null);
    if has_null && !elem.nullable {
        let i = items.iter().position(Value::is_null).unwrap_or(0);
        return Err(err(ErrorKind::UnexpectedNull, w).within(PathSegment::Index(i)));
    }
    // Graph mode: elements that are references make the collection ref-tracked (flag per
    // element: `00`/`fe id` for references, `ff`/`fd` for the rest).
    let has_ref = items.iter().any(|v| matches!(v, Value::Ref(_)));
    let mut header = 0x08u8;
    if has_null {
        header |= 0x02;
    }
    if has_ref {
        header |= 0x01;
    }
    let mut plain = None;
    if elem.declared {
        header |= 0x04;
        w.put_u8(header);
    } else {
        w.put_u8(header);
        if let Codec::Struct { ty, .. } = &elem.codec {
            write_user_type_meta(ctx, w, *ty)?;
            plain = Some(Codec::Struct { ty: *ty, with_meta: false });
        }
    }
    Ok(Some(CollectionHead { flagged: header & 0x03 != 0, plain }))
}

/// Same "class" in the sense pyfory uses for collection headers and map chunks.
fn same_class(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Struct(x), Value::Struct(y)) => x.ty == y.ty,
        (Value::Enum(x), Value::Enum(y)) => x.ty == y.ty,
        (Value::Unknown(x), Value::Unknown(y)) => x.typedef == y.typedef,
        (Value::Union(x), Value::Union(y)) => x.ty == y.ty,
        _ => a.tag() == b.tag(),
    }
}

/// Elements of an untyped collection (root list, `any` list, `list<any>`); the length is written.
fn write_dynamic_elements(ctx: &mut WriteCtx, w: &mut Writer, items: &[Value]) -> CodecResult<()> {
    let graph = ctx.graph;
    let has_null = items.iter().any(Value::is_null);
    let has_ref = items.iter().any(|v| matches!(v, Value::Ref(_)));
    // Type decisions look through references.
    let mut non_null = items.iter().filter(|v| !v.is_null()).map(|v| deref(graph, v));
    let first = non_null.next();
    // All-null collections declare element type NONE, as pyfory does.
    let same = match first {
        Some(f) => non_null.all(|v| same_class(f, v)),
        None => true,
    };
    let mut header = if has_null { 0x02u8 } else { 0 };
    if same {
        header |= 0x08;
    }
    if has_ref {
        header |= 0x01;
    }
    w.reserve(1)?;
    w.put_u8(header);
    enter(ctx, w)?;
    if same {
        write_type_meta(ctx, w, first.unwrap_or(&Value::Null))?;
    }
    for (i, v) in items.iter().enumerate() {
        let element = |ctx: &mut WriteCtx, w: &mut Writer, v: &Value| {
            if !same {
                write_type_meta(ctx, w, v)?;
            }
            write_dynamic_body(ctx, w, v)
        };
        let r = if has_null || has_ref {
            write_flagged(ctx, w, v, true, None, element)
        } else {
            element(ctx, w, v)
        };
        r.map_err(|e| e.within(PathSegment::Index(i)))?;
    }
    ctx.depth -= 1;
    Ok(())
}

/// Type meta + body of a value in an untyped position.
pub(crate) fn write_dynamic(ctx: &mut WriteCtx, w: &mut Writer, v: &Value) -> CodecResult<()> {
    write_type_meta(ctx, w, v)?;
    write_dynamic_body(ctx, w, v)
}

pub(crate) fn array_elem_of(v: &Value) -> Option<ArrayElem> {
    Some(match v {
        Value::BoolArray(_) => ArrayElem::Bool,
        Value::Int8Array(_) => ArrayElem::Int8,
        Value::Int16Array(_) => ArrayElem::Int16,
        Value::Int32Array(_) => ArrayElem::Int32,
        Value::Int64Array(_) => ArrayElem::Int64,
        Value::UInt8Array(_) => ArrayElem::UInt8,
        Value::UInt16Array(_) => ArrayElem::UInt16,
        Value::UInt32Array(_) => ArrayElem::UInt32,
        Value::UInt64Array(_) => ArrayElem::UInt64,
        Value::Float16Array(_) => ArrayElem::Float16,
        Value::BFloat16Array(_) => ArrayElem::BFloat16,
        Value::Float32Array(_) => ArrayElem::Float32,
        Value::Float64Array(_) => ArrayElem::Float64,
        _ => return None,
    })
}

/// The scalar a dynamic value is written as (Int32 → VARINT32, Int64 → VARINT64, ...).
pub(crate) fn dynamic_scalar(v: &Value) -> Option<Scalar> {
    Some(match v {
        Value::Bool(_) => Scalar::Bool,
        Value::Int8(_) => Scalar::I8,
        Value::Int16(_) => Scalar::I16,
        Value::Int32(_) => Scalar::VarI32,
        Value::Int64(_) => Scalar::VarI64,
        Value::UInt8(_) => Scalar::U8,
        Value::UInt16(_) => Scalar::U16,
        Value::UInt32(_) => Scalar::VarU32,
        Value::UInt64(_) => Scalar::VarU64,
        Value::Float16(_) => Scalar::F16,
        Value::BFloat16(_) => Scalar::BF16,
        Value::Float32(_) => Scalar::F32,
        Value::Float64(_) => Scalar::F64,
        _ => return None,
    })
}

fn write_type_meta(ctx: &mut WriteCtx, w: &mut Writer, v: &Value) -> CodecResult<()> {
    let id = if let Some(s) = dynamic_scalar(v) {
        s.type_id()
    } else if let Some(e) = array_elem_of(v) {
        e.type_id()
    } else {
        match v {
            Value::Null => tid::NONE,
            Value::String(_) => tid::STRING,
            Value::Binary(_) => tid::BINARY,
            Value::Date(_) => tid::DATE,
            Value::Timestamp(_) => tid::TIMESTAMP,
            Value::Duration(_) => tid::DURATION,
            Value::Decimal(_) => tid::DECIMAL,
            Value::List(_) => tid::LIST,
            Value::Set(_) => tid::SET,
            Value::Map(_) => tid::MAP,
            Value::Enum(e) => return write_user_type_meta(ctx, w, e.ty),
            Value::Struct(s) => return write_user_type_meta(ctx, w, s.ty),
            Value::Union(u) => return write_user_type_meta(ctx, w, u.ty),
            Value::Unknown(u) if ctx.cat.mode() == Mode::Compatible => {
                // Only the kinds a compatible reader follows with a TypeDef (what the reader
                // keeps in the value); another would be written and then not read back.
                if !matches!(
                    u.type_id,
                    tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT | tid::NAMED_STRUCT
                ) {
                    return Err(err(
                        ErrorKind::TypeMismatch {
                            expected: "a struct kind followed by a TypeDef",
                            found: u.type_id,
                        },
                        w,
                    ));
                }
                return put_shared_def(ctx, w, u.type_id, unknown_key(u), &u.typedef);
            }
            _ => return Err(wrong("a value", v, w)),
        }
    };
    w.reserve(1)?;
    w.put_varu32(id);
    Ok(())
}

fn write_dynamic_body(ctx: &mut WriteCtx, w: &mut Writer, v: &Value) -> CodecResult<()> {
    if let Some(s) = dynamic_scalar(v) {
        w.reserve(s.max_size() as usize)?;
        return put_scalar(w, s, v);
    }
    if let Some(e) = array_elem_of(v) {
        return write_array(w, e, v, ctx.opts.limits.max_binary_bytes);
    }
    match v {
        Value::String(_) => write_body(ctx, w, &Codec::String, v),
        Value::Binary(_) => write_body(ctx, w, &Codec::Binary, v),
        Value::Date(_) => write_body(ctx, w, &Codec::Date, v),
        Value::Timestamp(_) => write_body(ctx, w, &Codec::Timestamp, v),
        Value::Duration(_) => write_body(ctx, w, &Codec::Duration, v),
        Value::Decimal(_) => write_body(ctx, w, &Codec::Decimal, v),
        Value::Enum(e) => write_enum_value(ctx, w, e.ty, e.ty, e.value),
        Value::Struct(sv) => write_nested_struct(ctx, w, sv),
        Value::Unknown(u) => write_unknown_body(ctx, w, u),
        Value::Union(u) => write_union_body(ctx, w, u),
        Value::List(items) | Value::Set(items) => {
            within(w, items.len(), ctx.opts.limits.max_collection_len)?;
            w.reserve(5)?;
            w.put_varu32(items.len() as u32);
            if items.is_empty() {
                return Ok(());
            }
            write_dynamic_elements(ctx, w, items)
        }
        Value::Map(entries) => write_map(ctx, w, None, entries),
        Value::Null => Ok(()),
        v => Err(wrong("a value", v, w)),
    }
}

fn write_map_side(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    codec: Option<&ElemCodec>,
    v: &Value,
    with_meta: bool,
) -> CodecResult<()> {
    match codec {
        Some(c) if c.declared => write_body(ctx, w, &plain_codec(&c.codec), v),
        Some(c) if !matches!(c.codec, Codec::Any) => {
            if with_meta {
                write_type_meta(ctx, w, v)?;
            }
            write_body(ctx, w, &plain_codec(&c.codec), v)
        }
        _ => {
            if with_meta {
                write_type_meta(ctx, w, v)?;
            }
            write_dynamic_body(ctx, w, v)
        }
    }
}

/// A map key or value, behind a ref/null flag when `flagged` (`ff`, or in a graph `00`/`fe id`
/// for a reference).
fn map_side(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    codec: Option<&ElemCodec>,
    v: &Value,
    with_meta: bool,
    flagged: bool,
) -> CodecResult<()> {
    if flagged {
        write_flagged(ctx, w, v, false, codec.map(|c| &c.codec), |ctx, w, v| {
            write_map_side(ctx, w, codec, v, with_meta)
        })
    } else {
        write_map_side(ctx, w, codec, v, with_meta)
    }
}

fn plain_codec(c: &Codec) -> Codec {
    match c {
        Codec::Struct { ty, .. } => Codec::Struct { ty: *ty, with_meta: false },
        c => c.clone(),
    }
}

/// A map, typed (`kv` = key and value codecs) or dynamic (`None`).
fn write_map(
    ctx: &mut WriteCtx,
    w: &mut Writer,
    kv: Option<(&ElemCodec, &ElemCodec)>,
    entries: &[foryjit_wire::MapEntry],
) -> CodecResult<()> {
    within(w, entries.len(), ctx.opts.limits.max_collection_len)?;
    w.reserve(5)?;
    w.put_varu32(entries.len() as u32);
    if entries.is_empty() {
        return Ok(());
    }
    let (kc, vc) = match kv {
        Some((k, v)) => (Some(k), Some(v)),
        None => (None, None),
    };
    let key_declared = kc.is_some_and(|c| c.declared);
    let val_declared = vc.is_some_and(|c| c.declared);
    enter(ctx, w)?;
    let mut i = 0;
    while i < entries.len() {
        let e = &entries[i];
        let path = |err: Box<CodecError>| err.within(PathSegment::Key(i));
        let (kn, vn) = (e.key.is_null(), e.value.is_null());
        if kn && kc.is_some_and(|c| !c.nullable) {
            return Err(path(err(ErrorKind::UnexpectedNull, w)));
        }
        if vn && vc.is_some_and(|c| !c.nullable) {
            return Err(err(ErrorKind::UnexpectedNull, w).within(PathSegment::MapValue(i)));
        }
        w.reserve(2)?;
        if kn && vn {
            w.put_u8(0x12);
            i += 1;
            continue;
        }
        // Graph mode: a key or value that is a reference carries a ref flag (`00`/`fe id`).
        let key_tracked = matches!(e.key, Value::Ref(_));
        let val_tracked = matches!(e.value, Value::Ref(_));
        if vn {
            if key_declared {
                w.put_u8(0x14 | u8::from(key_tracked));
                map_side(ctx, w, kc, &e.key, false, key_tracked).map_err(path)?;
            } else {
                w.put_u8(0x11);
                map_side(ctx, w, kc, &e.key, true, true).map_err(path)?;
            }
            i += 1;
            continue;
        }
        if kn {
            if val_declared {
                w.put_u8(0x22 | if val_tracked { 0x08 } else { 0 });
                map_side(ctx, w, vc, &e.value, false, val_tracked).map_err(path)?;
            } else {
                w.put_u8(0x0a);
                map_side(ctx, w, vc, &e.value, true, true).map_err(path)?;
            }
            i += 1;
            continue;
        }
        // A chunk of up to 255 entries with no nulls, the same key and value classes and the
        // same tracking.
        let graph = ctx.graph;
        let (ek, ev) = (deref(graph, &e.key), deref(graph, &e.value));
        let mut header = 0u8;
        if key_tracked {
            header |= 0x01;
        }
        if key_declared {
            header |= 0x04;
        }
        if val_tracked {
            header |= 0x08;
        }
        if val_declared {
            header |= 0x20;
        }
        w.put_u8(header);
        let size_at = w.len();
        w.put_u8(0);
        if !key_declared {
            write_type_meta(ctx, w, ek).map_err(path)?;
        }
        if !val_declared {
            write_type_meta(ctx, w, ev).map_err(path)?;
        }
        let mut n = 0usize;
        while i < entries.len() && n < 255 {
            let cur = &entries[i];
            if cur.key.is_null() || cur.value.is_null() {
                break;
            }
            if matches!(cur.key, Value::Ref(_)) != key_tracked
                || matches!(cur.value, Value::Ref(_)) != val_tracked
            {
                break;
            }
            let (ck, cv) = (deref(graph, &cur.key), deref(graph, &cur.value));
            if n > 0
                && ((!key_declared && !same_class(ek, ck))
                    || (!val_declared && !same_class(ev, cv)))
            {
                break;
            }
            map_side(ctx, w, kc, &cur.key, false, key_tracked)
                .map_err(|x| x.within(PathSegment::Key(i)))?;
            map_side(ctx, w, vc, &cur.value, false, val_tracked)
                .map_err(|x| x.within(PathSegment::MapValue(i)))?;
            n += 1;
            i += 1;
        }
        w.patch_u8(size_at, n as u8);
    }
    ctx.depth -= 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use foryjit_schema::{FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc};

    /// A struct root written through its precomputed prefix gives exactly the bytes and the
    /// errors of the general path, under every output limit.
    #[test]
    fn root_prefix_path_equals_the_general_path() {
        for mode in [Mode::SameSchema, Mode::Compatible] {
            check_root_prefix(mode);
        }
    }

    fn check_root_prefix(mode: Mode) {
        let mut fast = Catalog::new(foryjit_schema::Limits::default(), mode);
        let ids = fast
            .register(
                SchemaDesc::new("t").message(
                    MessageDesc::with_id("t.P", 300)
                        .field(FieldDesc::new("x", 1, FieldType::Int32(IntEncoding::Varint)))
                        .field(FieldDesc::new("s", 2, FieldType::String)),
                ),
            )
            .unwrap();
        let p = ids[0];
        let mut slow = fast.clone();
        slow.clear_root_prefixes();
        let prefix = fast.root_prefix(p).map(|r| r.bytes.to_vec());
        if mode == Mode::SameSchema {
            assert_eq!(prefix.as_deref(), Some(&[0x01, 0xff, 0x1b, 0xac, 0x02][..]));
        } else {
            // kind, a new TypeDef (index 0), the TypeDef
            let def = fast.typedef(p).map(|d| d.to_vec()).unwrap_or_default();
            let mut expect = vec![0x01, 0xff, tid::COMPATIBLE_STRUCT as u8, 0x00];
            expect.extend_from_slice(&def);
            assert_eq!(prefix, Some(expect));
        }
        assert!(slow.root_prefix(p).is_none());
        let values = [
            Value::Struct(StructValue::new(p, vec![Value::Int32(-9), Value::string("hello")])),
            Value::Struct(StructValue::new(p, vec![Value::string("wrong"), Value::string("")])),
            Value::Struct(StructValue::new(p, vec![Value::Int32(1)])),
            Value::Struct(StructValue::new(TypeIdx(99), vec![])),
        ];
        for v in &values {
            for max in (0..24).chain([usize::MAX]) {
                let opts = Options {
                    limits: foryjit_wire::CodecLimits {
                        max_output_bytes: max,
                        ..Default::default()
                    },
                    ..Options::default()
                };
                let (mut a, mut b) = (vec![7], vec![7]);
                let ra = crate::serialize(&fast, &opts, v, &mut a);
                let rb = crate::serialize(&slow, &opts, v, &mut b);
                assert_eq!(ra, rb, "{v:?} with max_output_bytes {max}");
                assert_eq!(a, b, "{v:?} with max_output_bytes {max}");
            }
        }
    }
}
