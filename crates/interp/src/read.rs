//! The reader: runs a program's read ops, and the dynamic rules for untyped positions.

use crate::catalog::{Catalog, Evolution, RemoteType};
use crate::fit::{value_fits, FitMemo};
use crate::Options;
use foryjit_ir::{Codec, ElemCodec, Mode, Program, ReadOp, Scalar};
use foryjit_schema::{ArrayElem, ResolvedType, TypeInfo};
use foryjit_wire::meta_string::{MetaContext, MetaStringReader};
use foryjit_wire::type_id::{self as tid, flag};
use foryjit_wire::{
    bf16, f16, pod_vec_from_le, CodecError, CodecResult, Duration, EnumValue, ErrorKind, Graph,
    MapEntry, PathSegment, RVec, Reader, StructValue, Timestamp, TypeIdx, UnionValue,
    UnknownStruct, Value,
};
use std::sync::Arc;

/// `#[repr(C)]`: compiled code reads and bumps `depth` against `max_depth` when it calls a
/// nested struct's compiled reader (`foryjit_abi::CtxHeader`, whose fields begin the struct).
#[repr(C)]
pub(crate) struct ReadCtx<'a> {
    pub depth: u32,
    /// `opts.limits.max_depth`, where compiled code finds it.
    pub max_depth: u32,
    /// What compiled code needs to write strings and binary inline (`foryjit_abi::CtxHeader`).
    pub inline: foryjit_abi::InlineRules,
    pub cat: &'a Catalog,
    pub opts: &'a Options,
    pub meta: MetaStringReader,
    pub refs: RefTable,
    /// Compatible mode: the TypeDefs received earlier in the stream (a `MetaShare`), by
    /// meta-share index; `defs` continues the numbering.
    pub prior: &'a [Arc<RemoteType>],
    /// Compatible mode: the TypeDefs received in this root call, borrowed from the catalog's
    /// cache (no reference count is touched on the hot path).
    pub defs: Vec<&'a Arc<RemoteType>>,
    /// Greater than zero while a field the reader drops is being read (values of types we do
    /// not know are consumed instead of rejected there).
    pub skipping: u32,
    /// Graph mode: every ref-tracked value (`00`) becomes a node, referenced by `Value::Ref`,
    /// and back-references (`fe id`) become `Value::Ref(id)`, so sharing and cycles survive.
    pub graph: Option<Vec<Value>>,
    /// Bytes this root read has materialized so far (see `max_graph_memory_bytes`).
    pub spent: usize,
    /// Container items read so far that took no input bytes.
    pub unbacked: usize,
    /// Input bytes the open containers still need after the item being read: one byte per
    /// list/set element or map entry still to come (none for items that may take no bytes).
    /// A nested container's length must fit in what remains beyond them, so the lengths along
    /// a chain of nested containers never promise more items than the input holds, and each
    /// container can reserve room for all of its items at once.
    pub pending: usize,
    /// A payload with out-of-band buffers (header bit `0x02`): every binary body starts with
    /// an in-band marker, and those out of band take the next of these buffers.
    pub oob: Option<OobRead<'a>>,
}

/// The buffers of an out-of-band read and how many the payload has taken.
pub(crate) struct OobRead<'a> {
    pub buffers: &'a [&'a [u8]],
    pub next: usize,
}

impl<'a> ReadCtx<'a> {
    /// The TypeDef with meta-share index `index`: received earlier in the stream, or in this
    /// call.
    #[inline]
    pub(crate) fn def(&self, index: u32) -> Option<&'a Arc<RemoteType>> {
        let i = index as usize;
        match self.prior.get(i) {
            Some(t) => Some(t),
            None => self.defs.get(i - self.prior.len()).copied(),
        }
    }

    /// Charges `bytes` of materialized values against the root's memory budget.
    #[inline]
    pub(crate) fn charge(&mut self, bytes: usize, at: usize) -> CodecResult<()> {
        self.spent = self.spent.saturating_add(bytes);
        if self.spent > self.opts.limits.max_graph_memory_bytes {
            return Err(CodecError::new(
                ErrorKind::MemoryBudget(self.opts.limits.max_graph_memory_bytes),
                at,
            ));
        }
        Ok(())
    }
}

/// An integer value converted to the (wider or equal) kind of `to`; the build step only pairs
/// lossless conversions.
fn widen(v: Value, to: Scalar) -> Value {
    let n: i128 = match v {
        Value::Int8(x) => x.into(),
        Value::Int16(x) => x.into(),
        Value::Int32(x) => x.into(),
        Value::Int64(x) => x.into(),
        Value::UInt8(x) => x.into(),
        Value::UInt16(x) => x.into(),
        Value::UInt32(x) => x.into(),
        Value::UInt64(x) => x.into(),
        other => return other,
    };
    use Scalar::*;
    match to {
        I16 => Value::Int16(n as i16),
        I32 | VarI32 => Value::Int32(n as i32),
        I64 | VarI64 | TaggedI64 => Value::Int64(n as i64),
        U16 => Value::UInt16(n as u16),
        U32 | VarU32 => Value::UInt32(n as u32),
        U64 | VarU64 | TaggedU64 => Value::UInt64(n as u64),
        I8 => Value::Int8(n as i8),
        U8 => Value::UInt8(n as u8),
        // Not an integer target: never paired by the build step.
        F16 | BF16 | F32 | F64 | Bool => Value::Int64(n as i64),
    }
}

/// A list of scalars as the dense array of `elem` (`None` if an element has another kind).
fn list_to_array(items: &[Value], elem: ArrayElem) -> Option<Value> {
    fn each<T>(items: &[Value], f: impl Fn(&Value) -> Option<T>) -> Option<RVec<T>> {
        items.iter().map(f).collect::<Option<Vec<T>>>().map(RVec::from)
    }
    Some(match elem {
        ArrayElem::Bool => Value::BoolArray(each(items, |v| match v {
            Value::Bool(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Int8 => Value::Int8Array(each(items, |v| match v {
            Value::Int8(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Int16 => Value::Int16Array(each(items, |v| match v {
            Value::Int16(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Int32 => Value::Int32Array(each(items, |v| match v {
            Value::Int32(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Int64 => Value::Int64Array(each(items, |v| match v {
            Value::Int64(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::UInt8 => Value::UInt8Array(each(items, |v| match v {
            Value::UInt8(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::UInt16 => Value::UInt16Array(each(items, |v| match v {
            Value::UInt16(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::UInt32 => Value::UInt32Array(each(items, |v| match v {
            Value::UInt32(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::UInt64 => Value::UInt64Array(each(items, |v| match v {
            Value::UInt64(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Float16 => Value::Float16Array(each(items, |v| match v {
            Value::Float16(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::BFloat16 => Value::BFloat16Array(each(items, |v| match v {
            Value::BFloat16(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Float32 => Value::Float32Array(each(items, |v| match v {
            Value::Float32(x) => Some(*x),
            _ => None,
        })?),
        ArrayElem::Float64 => Value::Float64Array(each(items, |v| match v {
            Value::Float64(x) => Some(*x),
            _ => None,
        })?),
    })
}

/// Elements of a dense array value.
pub(crate) fn array_len(v: &Value) -> usize {
    match v {
        Value::BoolArray(a) => a.len(),
        Value::Int8Array(a) => a.len(),
        Value::Int16Array(a) => a.len(),
        Value::Int32Array(a) => a.len(),
        Value::Int64Array(a) => a.len(),
        Value::UInt8Array(a) => a.len(),
        Value::UInt16Array(a) => a.len(),
        Value::UInt32Array(a) => a.len(),
        Value::UInt64Array(a) => a.len(),
        Value::Float16Array(a) => a.len(),
        Value::BFloat16Array(a) => a.len(),
        Value::Float32Array(a) => a.len(),
        Value::Float64Array(a) => a.len(),
        _ => 0,
    }
}

/// A dense array value as a list of scalars.
fn array_to_list(v: Value) -> Vec<Value> {
    fn each<T: Copy>(a: &[T], f: impl Fn(T) -> Value) -> Vec<Value> {
        a.iter().map(|&x| f(x)).collect()
    }
    match v {
        Value::BoolArray(a) => each(&a, Value::Bool),
        Value::Int8Array(a) => each(&a, Value::Int8),
        Value::Int16Array(a) => each(&a, Value::Int16),
        Value::Int32Array(a) => each(&a, Value::Int32),
        Value::Int64Array(a) => each(&a, Value::Int64),
        Value::UInt8Array(a) => each(&a, Value::UInt8),
        Value::UInt16Array(a) => each(&a, Value::UInt16),
        Value::UInt32Array(a) => each(&a, Value::UInt32),
        Value::UInt64Array(a) => each(&a, Value::UInt64),
        Value::Float16Array(a) => each(&a, Value::Float16),
        Value::BFloat16Array(a) => each(&a, Value::BFloat16),
        Value::Float32Array(a) => each(&a, Value::Float32),
        Value::Float64Array(a) => each(&a, Value::Float64),
        _ => Vec::new(),
    }
}

/// Counts one container item that took no input bytes.
fn count_unbacked(ctx: &mut ReadCtx, r: &Reader) -> CodecResult<()> {
    ctx.unbacked += 1;
    if ctx.unbacked > ctx.opts.limits.max_unbacked_container_items {
        return Err(CodecError::new(
            ErrorKind::UnbackedItems(ctx.opts.limits.max_unbacked_container_items),
            r.pos(),
        ));
    }
    Ok(())
}

/// What a `Value` slot costs in the memory budget.
pub(crate) const SLOT_BYTES: usize = std::mem::size_of::<Value>();

/// Values seen with the REF_VALUE flag (`00`) in this root call, by ref id, so that a later
/// REF flag (`fe id`) can resolve. `Value` is a tree, so a back-reference becomes a copy of the
/// earlier value; copies are bounded by [`CodecLimits::max_shared_copy_values`]. A reference to
/// a value still being read (a cycle) is reported as unsupported.
#[derive(Default)]
pub(crate) struct RefTable {
    slots: Vec<Option<Value>>,
    copied: usize,
    /// Graph mode: the (node, position) pairs already checked.
    memo: FitMemo,
    /// Graph mode: references to nodes that were still being read (cycles) — node, position
    /// codec, offset — checked at the end of the root call.
    deferred: Vec<(u32, Option<Codec>, usize)>,
}

/// Number of `Value` nodes in `v` (what a copy of it costs).
fn node_count(v: &Value) -> usize {
    match v {
        Value::List(items) | Value::Set(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries.iter().map(|e| node_count(&e.key) + node_count(&e.value)).sum::<usize>()
        }
        Value::Struct(s) => 1 + s.fields.iter().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

/// Reads a ref/null flag, then the value through `body`: null (if `nullable`), a plain value, a
/// first-seen tracked value (recorded), or a back-reference (resolved), which must fit the
/// position (`fit`: its codec, `None` where any value fits). A tracked value is never null.
fn with_flag(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    nullable: bool,
    fit: Option<&Codec>,
    body: impl FnOnce(&mut ReadCtx, &mut Reader) -> CodecResult<Value>,
) -> CodecResult<Value> {
    let at = r.pos();
    match r.u8()? {
        flag::NULL if nullable => Ok(Value::Null),
        flag::NULL => Err(CodecError::new(ErrorKind::UnexpectedNull, at)),
        flag::NOT_NULL => body(ctx, r),
        flag::REF_VALUE => {
            let id = ctx.refs.slots.len();
            if id >= ctx.opts.limits.max_collection_len {
                return Err(CodecError::new(ErrorKind::SharedCopyLimit(id), at));
            }
            ctx.refs.slots.push(None);
            if let Some(nodes) = &mut ctx.graph {
                // Node index = ref id: every `00` of this root call makes one node, `Null`
                // while it is being read.
                nodes.push(Value::Null);
                let v = tracked(body(ctx, r)?, at)?;
                if let Some(node) = ctx.graph.as_mut().and_then(|g| g.get_mut(id)) {
                    *node = v;
                }
                return Ok(Value::Ref(id as u32));
            }
            let v = tracked(body(ctx, r)?, at)?;
            if let Some(slot) = ctx.refs.slots.get_mut(id) {
                *slot = Some(v.clone());
            }
            Ok(v)
        }
        flag::REF => {
            let id = r.varu32()?;
            if let Some(nodes) = &ctx.graph {
                return match nodes.get(id as usize) {
                    // A node still being read (a cycle): checked once it is complete.
                    Some(Value::Null) => {
                        ctx.refs.deferred.push((id, fit.cloned(), at));
                        Ok(Value::Ref(id))
                    }
                    Some(node) if ctx.refs.memo.node_fits(id, fit, node) => Ok(Value::Ref(id)),
                    Some(_) => Err(CodecError::new(ErrorKind::RefMismatch(id), at)),
                    None => Err(CodecError::new(ErrorKind::BadRefId(id), at)),
                };
            }
            match ctx.refs.slots.get(id as usize) {
                Some(Some(v)) => {
                    let cost = node_count(v);
                    ctx.refs.copied = ctx.refs.copied.saturating_add(cost);
                    if ctx.refs.copied > ctx.opts.limits.max_shared_copy_values {
                        return Err(CodecError::new(
                            ErrorKind::SharedCopyLimit(ctx.opts.limits.max_shared_copy_values),
                            at,
                        ));
                    }
                    if !value_fits(fit, v) {
                        return Err(CodecError::new(ErrorKind::RefMismatch(id), at));
                    }
                    Ok(v.clone())
                }
                Some(None) => Err(CodecError::new(
                    ErrorKind::Unsupported("circular reference (read it with deserialize_graph)"),
                    at,
                )),
                None => Err(CodecError::new(ErrorKind::BadRefId(id), at)),
            }
        }
        f => Err(CodecError::new(ErrorKind::InvalidRefFlag(f), at)),
    }
}

/// A value read after the REF_VALUE flag (at `at`): tracking gives it an identity that later
/// references share, which a null (type NONE) has not; refused.
fn tracked(v: Value, at: usize) -> CodecResult<Value> {
    if v.is_null() {
        return Err(CodecError::new(
            ErrorKind::TypeMismatch { expected: "a value", found: tid::NONE },
            at,
        ));
    }
    Ok(v)
}

/// Executes one read op of `prog`, storing into `fields` (declaration order, initially `Null`).
/// Compiled code calls back into this for every op it does not inline, and to report errors, so
/// both tiers fail identically.
pub(crate) fn exec_read_op(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    prog: &Program,
    op: &ReadOp,
    fields: &mut [Value],
) -> CodecResult<()> {
    let name = |i: u32| PathSegment::Field(prog.field_names[i as usize].clone());
    match op {
        ReadOp::Ensure { bytes, field } => {
            if let Err(e) = r.ensure(*bytes as usize) {
                return Err(match field {
                    Some(f) => e.within(name(f.0)),
                    None => e,
                });
            }
        }
        ReadOp::CheckHash(h) => {
            let at = r.pos();
            let found = r.u32()?;
            // An empty struct: pyfory hashes it to 47, the fory crate hashes the empty
            // fingerprint; both mean "no fields", so accept either.
            let empty_alt = prog.field_count() == 0 && found == EMPTY_FINGERPRINT_HASH;
            if found != *h && !empty_alt {
                return Err(CodecError::new(ErrorKind::HashMismatch { expected: *h, found }, at));
            }
        }
        ReadOp::GetScalar { field, scalar } => {
            if let Some(slot) = fields.get_mut(field.0 as usize) {
                get_scalar_into(r, *scalar, slot).map_err(|e| e.within(name(field.0)))?;
            }
        }
        ReadOp::GetNullableScalar { field, scalar } => {
            let at = r.pos();
            let v = with_flag(ctx, r, true, Some(&Codec::Scalar(*scalar)), |_, r| {
                get_scalar(r, *scalar)
            })
            .and_then(|v| inline_ref(ctx, prog, field.0, v, at))
            .map_err(|e| e.within(name(field.0)))?;
            put_field(fields, field.0, v);
        }
        ReadOp::GetField { field, codec, nullable } => {
            let at = r.pos();
            let v = read_field(ctx, r, codec, *nullable)
                .and_then(|v| inline_ref(ctx, prog, field.0, v, at))
                .map_err(|e| e.within(name(field.0)))?;
            put_field(fields, field.0, v);
        }
        ReadOp::Skip { codec, nullable } => {
            ctx.skipping += 1;
            let v = read_field(ctx, r, codec, *nullable);
            ctx.skipping -= 1;
            v?;
        }
        ReadOp::FillDefaults => {
            if let Some(m) = ctx.cat.registry().message(prog.ty) {
                for (slot, f) in fields.iter_mut().zip(&m.fields) {
                    if slot.is_null() && !f.nullable {
                        set_slot(slot, default_value(ctx.cat, &f.ty));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The value a non-nullable field gets when the writer did not send it (compatible mode): zero,
/// empty, the first declared enum member; a message, the struct of its fields' defaults (its
/// nullable and reference-tracked fields null), as the fory crate's `Default` of a plain `T`
/// field; unions and `any` stay null. Registration rejects cycles of non-nullable, untracked
/// message fields, so the recursion ends.
fn default_value(cat: &Catalog, ty: &ResolvedType) -> Value {
    match ty {
        ResolvedType::Bool => Value::Bool(false),
        ResolvedType::Int8 => Value::Int8(0),
        ResolvedType::Int16 => Value::Int16(0),
        ResolvedType::Int32(_) => Value::Int32(0),
        ResolvedType::Int64(_) => Value::Int64(0),
        ResolvedType::UInt8 => Value::UInt8(0),
        ResolvedType::UInt16 => Value::UInt16(0),
        ResolvedType::UInt32(_) => Value::UInt32(0),
        ResolvedType::UInt64(_) => Value::UInt64(0),
        ResolvedType::Float16 => Value::Float16(f16::ZERO),
        ResolvedType::BFloat16 => Value::BFloat16(bf16::ZERO),
        ResolvedType::Float32 => Value::Float32(0.0),
        ResolvedType::Float64 => Value::Float64(0.0),
        ResolvedType::String => Value::string(String::new()),
        ResolvedType::Binary => Value::Binary(RVec::new()),
        ResolvedType::Date => Value::Date(0),
        ResolvedType::Timestamp => Value::Timestamp(Timestamp { seconds: 0, nanos: 0 }),
        ResolvedType::Duration => Value::Duration(Duration { seconds: 0, nanos: 0 }),
        ResolvedType::Decimal => Value::Decimal(foryjit_wire::Decimal::from_i128(0, 0)),
        ResolvedType::Array(e) => match e {
            ArrayElem::Bool => Value::BoolArray(RVec::new()),
            ArrayElem::Int8 => Value::Int8Array(RVec::new()),
            ArrayElem::Int16 => Value::Int16Array(RVec::new()),
            ArrayElem::Int32 => Value::Int32Array(RVec::new()),
            ArrayElem::Int64 => Value::Int64Array(RVec::new()),
            ArrayElem::UInt8 => Value::UInt8Array(RVec::new()),
            ArrayElem::UInt16 => Value::UInt16Array(RVec::new()),
            ArrayElem::UInt32 => Value::UInt32Array(RVec::new()),
            ArrayElem::UInt64 => Value::UInt64Array(RVec::new()),
            ArrayElem::Float16 => Value::Float16Array(RVec::new()),
            ArrayElem::BFloat16 => Value::BFloat16Array(RVec::new()),
            ArrayElem::Float32 => Value::Float32Array(RVec::new()),
            ArrayElem::Float64 => Value::Float64Array(RVec::new()),
        },
        ResolvedType::List(_) => Value::List(RVec::new()),
        ResolvedType::Set(_) => Value::Set(RVec::new()),
        ResolvedType::Map(..) => Value::Map(RVec::new()),
        // The first declared member, as pyfory (and a Rust enum's `Default`) does.
        ResolvedType::Enum(t) => {
            match cat.registry().enumeration(*t).and_then(|e| e.members.first()) {
                Some(m) => Value::Enum(EnumValue { ty: *t, value: m.value }),
                None => Value::Null,
            }
        }
        ResolvedType::Message(t) => match cat.registry().message(*t) {
            Some(m) => {
                let fields = m
                    .fields
                    .iter()
                    .map(|f| {
                        if f.nullable || f.tracking_ref {
                            Value::Null
                        } else {
                            default_value(cat, &f.ty)
                        }
                    })
                    .collect();
                Value::Struct(StructValue::new(*t, fields))
            }
            None => Value::Null,
        },
        // A union has no natural default; a missing union field stays null.
        ResolvedType::Union(_) | ResolvedType::Any => Value::Null,
    }
}

/// Low 32 bits of lane 0 of murmur3_x64_128("", 47): the fory crate's hash of a struct with no
/// fields.
const EMPTY_FINGERPRINT_HASH: u32 = 0x0be9_a13a;

#[cold]
fn err(kind: ErrorKind, r: &Reader) -> Box<CodecError> {
    CodecError::new(kind, r.pos())
}

fn enter(ctx: &mut ReadCtx, r: &Reader) -> CodecResult<()> {
    ctx.depth += 1;
    if ctx.depth > ctx.max_depth {
        return Err(err(ErrorKind::DepthLimit(ctx.max_depth), r));
    }
    Ok(())
}

pub(crate) fn read_root(
    cat: &Catalog,
    opts: &Options,
    bytes: &[u8],
    share: Option<&mut Vec<Arc<RemoteType>>>,
) -> CodecResult<Value> {
    match share {
        None => read_root_with(cat, opts, bytes, &[], None, None, |_| ()).map(|(v, _)| v),
        Some(defs) => {
            // TypeDefs received earlier in the stream stay referable; a failed message adds
            // none.
            let mut added = Vec::new();
            let v = read_root_with(cat, opts, bytes, defs, None, None, |new| {
                added = new.iter().map(|t| Arc::clone(t)).collect();
            });
            if v.is_ok() {
                defs.extend(added);
            }
            v.map(|(v, _)| v)
        }
    }
}

/// Reads one payload whose out-of-band binaries are `buffers` (in order); an in-band payload
/// reads as usual when `buffers` is empty.
pub(crate) fn read_root_oob(
    cat: &Catalog,
    opts: &Options,
    bytes: &[u8],
    buffers: &[&[u8]],
) -> CodecResult<Value> {
    read_root_with(cat, opts, bytes, &[], None, Some(buffers), |_| ()).map(|(v, _)| v)
}

/// Reads one payload as a [`Graph`]: shared and cyclic values become nodes.
pub(crate) fn read_root_graph(cat: &Catalog, opts: &Options, bytes: &[u8]) -> CodecResult<Graph> {
    let (root, nodes) = read_root_with(cat, opts, bytes, &[], Some(Vec::new()), None, |_| ())?;
    Ok(reachable_only(Graph { root, nodes: nodes.unwrap_or_default() }))
}

/// `g` without the nodes its root cannot reach — tracked values of fields the reader dropped
/// (schema evolution) that nothing kept refers to — and with the others renumbered in their
/// order, which is the order a writer meets them in: so the graph serializes again to a payload
/// that reads back as the same graph.
fn reachable_only(mut g: Graph) -> Graph {
    fn each_ref(v: &Value, f: &mut impl FnMut(u32)) {
        match v {
            Value::Ref(i) => f(*i),
            Value::List(items) | Value::Set(items) => items.iter().for_each(|x| each_ref(x, f)),
            Value::Map(entries) => entries.iter().for_each(|e| {
                each_ref(&e.key, f);
                each_ref(&e.value, f);
            }),
            Value::Struct(s) => s.fields.iter().for_each(|x| each_ref(x, f)),
            Value::Unknown(u) => u.fields.iter().for_each(|x| each_ref(x, f)),
            Value::Union(u) => each_ref(&u.value, f),
            _ => {}
        }
    }
    fn renumber(v: &mut Value, to: &[u32]) {
        match v {
            Value::Ref(i) => *i = to.get(*i as usize).copied().unwrap_or(*i),
            Value::List(items) | Value::Set(items) => {
                items.iter_mut().for_each(|x| renumber(x, to))
            }
            Value::Map(entries) => entries.iter_mut().for_each(|e| {
                renumber(&mut e.key, to);
                renumber(&mut e.value, to);
            }),
            Value::Struct(s) => s.fields.iter_mut().for_each(|x| renumber(x, to)),
            Value::Unknown(u) => u.fields.iter_mut().for_each(|x| renumber(x, to)),
            Value::Union(u) => renumber(&mut u.value, to),
            _ => {}
        }
    }
    let mut reached = vec![false; g.nodes.len()];
    let mut todo = Vec::new();
    let mut visit = |i: u32, todo: &mut Vec<u32>| {
        if let Some(seen) = reached.get_mut(i as usize) {
            if !*seen {
                *seen = true;
                todo.push(i);
            }
        }
    };
    each_ref(&g.root, &mut |i| visit(i, &mut todo));
    while let Some(i) = todo.pop() {
        let mut found = Vec::new();
        if let Some(n) = g.nodes.get(i as usize) {
            each_ref(n, &mut |j| found.push(j));
        }
        for j in found {
            visit(j, &mut todo);
        }
    }
    if reached.iter().all(|&r| r) {
        return g;
    }
    let mut to = vec![u32::MAX; g.nodes.len()];
    let mut next = 0u32;
    for (i, &r) in reached.iter().enumerate() {
        if r {
            to[i] = next;
            next += 1;
        }
    }
    let nodes = std::mem::take(&mut g.nodes);
    g.nodes = nodes.into_iter().zip(&reached).filter(|(_, &r)| r).map(|(v, _)| v).collect();
    renumber(&mut g.root, &to);
    for n in &mut g.nodes {
        renumber(n, &to);
    }
    g
}

type RootRead = (Value, Option<Vec<Value>>);

/// Reads one payload; `received` sees the TypeDefs this payload introduced (after `prior`).
fn read_root_with<'a>(
    cat: &'a Catalog,
    opts: &'a Options,
    bytes: &[u8],
    prior: &'a [Arc<RemoteType>],
    graph: Option<Vec<Value>>,
    buffers: Option<&'a [&'a [u8]]>,
    received: impl FnOnce(&[&'a Arc<RemoteType>]),
) -> CodecResult<RootRead> {
    let mut ctx = ReadCtx {
        cat,
        opts,
        depth: 0,
        max_depth: opts.limits.max_depth,
        inline: foryjit_abi::InlineRules::new(&opts.limits, opts.string_policy),
        meta: MetaStringReader::new(),
        refs: RefTable::default(),
        prior,
        defs: Vec::new(),
        skipping: 0,
        graph,
        spent: 0,
        unbacked: 0,
        pending: 0,
        oob: buffers.map(|buffers| OobRead { buffers, next: 0 }),
    };
    let v = read_root_in(&mut ctx, bytes).map(|v| (v, ctx.graph.take()));
    received(&ctx.defs);
    v
}

fn read_root_in(ctx: &mut ReadCtx, bytes: &[u8]) -> CodecResult<Value> {
    let mut r = Reader::new(bytes);
    let ctx = &mut *ctx;
    let header = r.u8()?;
    if header == tid::HEADER_XLANG | tid::HEADER_OOB {
        if ctx.oob.is_none() {
            return Err(CodecError::new(ErrorKind::BuffersRequired, 0));
        }
    } else if header != tid::HEADER_XLANG {
        return Err(CodecError::new(ErrorKind::InvalidHeader(header), 0));
    } else if let Some(o) = ctx.oob.take() {
        // An in-band payload has no markers and uses no buffer.
        if !o.buffers.is_empty() {
            let given = o.buffers.len();
            return Err(CodecError::new(ErrorKind::UnusedBuffers { used: 0, given }, 0));
        }
    }
    let at = r.pos();
    let v = match r.u8()? {
        flag::NULL => Value::Null,
        flag::NOT_NULL => read_dynamic(ctx, &mut r)?,
        // pyfory with ref tracking on marks every root value this way; the root takes ref id 0
        // and is never copied (a reference to it is a cycle).
        flag::REF_VALUE => {
            ctx.refs.slots.push(None);
            match ctx.graph.as_mut() {
                Some(nodes) => {
                    nodes.push(Value::Null);
                    let v = tracked(read_dynamic(ctx, &mut r)?, at)?;
                    if let Some(node) = ctx.graph.as_mut().and_then(|g| g.first_mut()) {
                        *node = v;
                    }
                    Value::Ref(0)
                }
                None => tracked(read_dynamic(ctx, &mut r)?, at)?,
            }
        }
        f => return Err(CodecError::new(ErrorKind::InvalidRefFlag(f), at)),
    };
    if r.remaining() != 0 {
        return Err(err(ErrorKind::TrailingBytes(r.remaining()), &r));
    }
    if let Some(o) = &ctx.oob {
        if o.next != o.buffers.len() {
            let (used, given) = (o.next, o.buffers.len());
            return Err(err(ErrorKind::UnusedBuffers { used, given }, &r));
        }
    }
    if let Some(nodes) = &ctx.graph {
        // References into cycles, now that every node is complete.
        for (id, fit, at) in std::mem::take(&mut ctx.refs.deferred) {
            let node = nodes.get(id as usize).unwrap_or(&Value::Null);
            if !ctx.refs.memo.node_fits(id, fit.as_ref(), node) {
                return Err(CodecError::new(ErrorKind::RefMismatch(id), at));
            }
        }
    }
    Ok(v)
}

/// Reads hash + fields following `prog`.
pub(crate) fn read_struct_body(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    prog: &Program,
) -> CodecResult<StructValue> {
    ctx.charge(prog.field_count() * SLOT_BYTES, r.pos())?;
    let mut fields: Vec<Value> = Vec::with_capacity(prog.field_count());
    fields.resize_with(prog.field_count(), Value::default);
    for op in &prog.read {
        exec_read_op(ctx, r, prog, op, &mut fields)?;
    }
    Ok(StructValue::new(prog.ty, fields))
}

/// Writes `v` over a slot that holds the `Null` it was created with, without dropping it.
#[inline(always)]
fn set_slot(slot: &mut Value, v: Value) {
    // `Null` owns nothing, so forgetting it leaks nothing; skipping the drop call matters here.
    std::mem::forget(std::mem::replace(slot, v));
}

/// Reads a scalar straight into its field slot (no `Value` travels through the stack, which
/// avoids store-forwarding stalls on the hot path).
#[inline]
fn get_scalar_into(r: &mut Reader, s: Scalar, slot: &mut Value) -> CodecResult<()> {
    match s {
        Scalar::Bool => set_slot(slot, Value::Bool(r.u8()? != 0)),
        Scalar::I8 => set_slot(slot, Value::Int8(r.u8()? as i8)),
        Scalar::I16 => set_slot(slot, Value::Int16(r.u16()? as i16)),
        Scalar::I32 => set_slot(slot, Value::Int32(r.u32()? as i32)),
        Scalar::VarI32 => set_slot(slot, Value::Int32(r.vari32()?)),
        Scalar::I64 => set_slot(slot, Value::Int64(r.u64()? as i64)),
        Scalar::VarI64 => set_slot(slot, Value::Int64(r.vari64()?)),
        Scalar::TaggedI64 => set_slot(slot, Value::Int64(r.tagged_i64()?)),
        Scalar::U8 => set_slot(slot, Value::UInt8(r.u8()?)),
        Scalar::U16 => set_slot(slot, Value::UInt16(r.u16()?)),
        Scalar::U32 => set_slot(slot, Value::UInt32(r.u32()?)),
        Scalar::VarU32 => set_slot(slot, Value::UInt32(r.varu32()?)),
        Scalar::U64 => set_slot(slot, Value::UInt64(r.u64()?)),
        Scalar::VarU64 => set_slot(slot, Value::UInt64(r.varu64()?)),
        Scalar::TaggedU64 => set_slot(slot, Value::UInt64(r.tagged_u64()?)),
        Scalar::F16 => set_slot(slot, Value::Float16(f16::from_bits(r.u16()?))),
        Scalar::BF16 => set_slot(slot, Value::BFloat16(bf16::from_bits(r.u16()?))),
        Scalar::F32 => set_slot(slot, Value::Float32(f32::from_bits(r.u32()?))),
        Scalar::F64 => set_slot(slot, Value::Float64(f64::from_bits(r.u64()?))),
    }
    Ok(())
}

/// Stores a decoded field into its slot, which still holds the `Null` it was created with.
#[inline(always)]
/// Graph mode: a reference read into a field that is not nullable in our schema (the writer's
/// TypeDef tracked it, ours has no flag there) becomes a copy of the node it refers to, since
/// `serialize_graph` can only write a reference where our schema has a flag. A reference to a
/// node still being read (a cycle through such a field) cannot be copied and is refused.
fn inline_ref(
    ctx: &ReadCtx,
    prog: &Program,
    field: u32,
    v: Value,
    at: usize,
) -> CodecResult<Value> {
    let Value::Ref(id) = v else { return Ok(v) };
    let local_nullable = ctx
        .cat
        .registry()
        .message(prog.ty)
        .and_then(|m| m.fields.get(field as usize))
        .is_none_or(|f| f.nullable);
    if local_nullable {
        return Ok(v);
    }
    match ctx.graph.as_ref().and_then(|g| g.get(id as usize)) {
        Some(node) if !node.is_null() => Ok(node.clone()),
        _ => Err(CodecError::new(ErrorKind::RefMismatch(id), at)),
    }
}

pub(crate) fn put_field(fields: &mut [Value], ordinal: u32, v: Value) {
    if let Some(slot) = fields.get_mut(ordinal as usize) {
        set_slot(slot, v);
    }
}

fn read_field(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    codec: &Codec,
    nullable: bool,
) -> CodecResult<Value> {
    if nullable {
        return with_flag(ctx, r, true, Some(codec), |ctx, r| read_body(ctx, r, codec));
    }
    read_body(ctx, r, codec)
}

#[inline]
pub(crate) fn get_scalar(r: &mut Reader, s: Scalar) -> CodecResult<Value> {
    Ok(match s {
        Scalar::Bool => Value::Bool(r.u8()? != 0),
        Scalar::I8 => Value::Int8(r.u8()? as i8),
        Scalar::I16 => Value::Int16(r.u16()? as i16),
        Scalar::I32 => Value::Int32(r.u32()? as i32),
        Scalar::VarI32 => Value::Int32(r.vari32()?),
        Scalar::I64 => Value::Int64(r.u64()? as i64),
        Scalar::VarI64 => Value::Int64(r.vari64()?),
        Scalar::TaggedI64 => Value::Int64(r.tagged_i64()?),
        Scalar::U8 => Value::UInt8(r.u8()?),
        Scalar::U16 => Value::UInt16(r.u16()?),
        Scalar::U32 => Value::UInt32(r.u32()?),
        Scalar::VarU32 => Value::UInt32(r.varu32()?),
        Scalar::U64 => Value::UInt64(r.u64()?),
        Scalar::VarU64 => Value::UInt64(r.varu64()?),
        Scalar::TaggedU64 => Value::UInt64(r.tagged_u64()?),
        Scalar::F16 => Value::Float16(f16::from_bits(r.u16()?)),
        Scalar::BF16 => Value::BFloat16(bf16::from_bits(r.u16()?)),
        Scalar::F32 => Value::Float32(f32::from_bits(r.u32()?)),
        Scalar::F64 => Value::Float64(f64::from_bits(r.u64()?)),
    })
}

fn read_array(ctx: &mut ReadCtx, r: &mut Reader, elem: ArrayElem) -> CodecResult<Value> {
    let at = r.pos();
    let n = r.length(ctx.opts.limits.max_binary_bytes, 1)?;
    ctx.charge(n, at)?;
    let width = elem.width() as usize;
    if n % width != 0 {
        return Err(CodecError::new(
            ErrorKind::BadArrayLength { len: n as u32, width: width as u32 },
            at,
        ));
    }
    let b = r.bytes(n)?;
    Ok(match elem {
        ArrayElem::Bool => Value::BoolArray(b.iter().map(|&x| x != 0).collect()),
        ArrayElem::Int8 => Value::Int8Array(pod_vec_from_le::<i8>(b).into()),
        ArrayElem::UInt8 => Value::UInt8Array(b.to_vec().into()),
        ArrayElem::Int16 => Value::Int16Array(pod_vec_from_le::<i16>(b).into()),
        ArrayElem::Int32 => Value::Int32Array(pod_vec_from_le::<i32>(b).into()),
        ArrayElem::Int64 => Value::Int64Array(pod_vec_from_le::<i64>(b).into()),
        ArrayElem::UInt16 => Value::UInt16Array(pod_vec_from_le::<u16>(b).into()),
        ArrayElem::UInt32 => Value::UInt32Array(pod_vec_from_le::<u32>(b).into()),
        ArrayElem::UInt64 => Value::UInt64Array(pod_vec_from_le::<u64>(b).into()),
        ArrayElem::Float16 => Value::Float16Array(pod_vec_from_le::<f16>(b).into()),
        ArrayElem::BFloat16 => Value::BFloat16Array(pod_vec_from_le::<bf16>(b).into()),
        ArrayElem::Float32 => Value::Float32Array(pod_vec_from_le::<f32>(b).into()),
        ArrayElem::Float64 => Value::Float64Array(pod_vec_from_le::<f64>(b).into()),
    })
}

fn read_enum_value(ctx: &ReadCtx, r: &mut Reader, ty: TypeIdx) -> CodecResult<Value> {
    let at = r.pos();
    let value = r.varu32()?;
    let known =
        ctx.cat.registry().enumeration(ty).is_some_and(|e| e.member_by_value(value).is_some());
    if !known {
        return Err(CodecError::new(ErrorKind::UnknownEnumValue(value), at));
    }
    Ok(Value::Enum(EnumValue { ty, value }))
}

fn read_nested_struct(ctx: &mut ReadCtx, r: &mut Reader, ty: TypeIdx) -> CodecResult<Value> {
    let cat = ctx.cat;
    let prog =
        cat.program(ty).ok_or_else(|| err(ErrorKind::UnregisteredType(format!("#{}", ty.0)), r))?;
    enter(ctx, r)?;
    let v = match cat.native_read(ty) {
        Some(f) => crate::native::call_read(f, ctx, r, prog)?,
        None => read_struct_body(ctx, r, prog)?,
    };
    ctx.depth -= 1;
    Ok(Value::Struct(v))
}

/// Reads the body of a non-null value of a known type.
/// A binary body of an out-of-band payload: `01` and the usual in-band body, or `00` and the
/// next buffer (copied once into the value, which owns its bytes).
fn read_binary_oob(ctx: &mut ReadCtx, r: &mut Reader) -> CodecResult<Value> {
    let at = r.pos();
    match r.u8()? {
        1 => {
            let n = r.length(ctx.opts.limits.max_binary_bytes, 1)?;
            ctx.charge(n, at)?;
            Ok(Value::Binary(r.bytes(n)?.to_vec().into()))
        }
        0 => {
            let Some(o) = ctx.oob.as_mut() else {
                return Err(CodecError::new(ErrorKind::BuffersRequired, at));
            };
            let (index, given) = (o.next, o.buffers.len());
            let Some(&buf) = o.buffers.get(index) else {
                return Err(CodecError::new(ErrorKind::MissingBuffer { index, given }, at));
            };
            o.next += 1;
            let limit = ctx.opts.limits.max_binary_bytes;
            if buf.len() > limit || u32::try_from(buf.len()).is_err() {
                let (len, limit) = (buf.len() as u64, limit.min(u32::MAX as usize) as u64);
                return Err(CodecError::new(ErrorKind::LengthLimit { len, limit }, at));
            }
            ctx.charge(buf.len(), at)?;
            Ok(Value::Binary(buf.to_vec().into()))
        }
        m => Err(CodecError::new(ErrorKind::InvalidBandMarker(m), at)),
    }
}

pub(crate) fn read_body(ctx: &mut ReadCtx, r: &mut Reader, codec: &Codec) -> CodecResult<Value> {
    match codec {
        Codec::Scalar(s) => get_scalar(r, *s),
        Codec::String => {
            let at = r.pos();
            let s = r.string(ctx.opts.limits.max_string_bytes)?;
            ctx.charge(s.len(), at)?;
            Ok(Value::string(s))
        }
        Codec::Binary if ctx.oob.is_some() => read_binary_oob(ctx, r),
        Codec::Binary => {
            let at = r.pos();
            let n = r.length(ctx.opts.limits.max_binary_bytes, 1)?;
            ctx.charge(n, at)?;
            Ok(Value::Binary(r.bytes(n)?.to_vec().into()))
        }
        Codec::Date => {
            let at = r.pos();
            let d = r.vari64()?;
            i32::try_from(d)
                .map(Value::Date)
                .map_err(|_| CodecError::new(ErrorKind::InvalidTime, at))
        }
        Codec::Timestamp => {
            let at = r.pos();
            r.ensure(12)?;
            let seconds = r.u64()? as i64;
            let nanos = r.u32()?;
            if nanos >= 1_000_000_000 {
                return Err(CodecError::new(ErrorKind::InvalidTime, at));
            }
            Ok(Value::Timestamp(Timestamp { seconds, nanos }))
        }
        Codec::Duration => {
            let at = r.pos();
            let seconds = r.vari64()?;
            let nanos = r.u32()? as i32;
            if !(0..1_000_000_000).contains(&nanos) {
                return Err(CodecError::new(ErrorKind::InvalidTime, at));
            }
            Ok(Value::Duration(Duration { seconds, nanos }))
        }
        Codec::Decimal => Ok(Value::Decimal(foryjit_wire::Decimal::read(r)?)),
        Codec::ListAsArray(elem, a) => {
            let at = r.pos();
            let items = read_collection(ctx, r, Some(elem))?;
            list_to_array(&items, *a).ok_or_else(|| {
                CodecError::new(
                    ErrorKind::TypeMismatch { expected: "array elements", found: tid::LIST },
                    at,
                )
            })
        }
        Codec::Widen { wire, value } => {
            let v = get_scalar(r, *wire)?;
            Ok(widen(v, *value))
        }
        Codec::ArrayAsList(a) => {
            let at = r.pos();
            let arr = read_array(ctx, r, *a)?;
            ctx.charge(array_len(&arr) * SLOT_BYTES, at)?;
            Ok(Value::List(array_to_list(arr).into()))
        }
        Codec::Array(e) => read_array(ctx, r, *e),
        Codec::Enum(ty) => read_enum_value(ctx, r, *ty),
        Codec::Union(ty) => read_union_body(ctx, r, *ty),
        Codec::Struct { ty, with_meta } => {
            if *with_meta {
                let at = r.pos();
                let found = read_type_meta(ctx, r)?;
                return match found {
                    WireType::User(t) if t == *ty => read_nested_struct(ctx, r, *ty),
                    WireType::Remote { local, def } if local == *ty => {
                        read_remote_struct(ctx, r, def, tid::COMPATIBLE_STRUCT)
                    }
                    WireType::Unknown { def, kind } if ctx.skipping > 0 => {
                        read_remote_struct(ctx, r, def, kind)
                    }
                    found => Err(CodecError::new(
                        ErrorKind::TypeMismatch {
                            expected: "the declared struct",
                            found: found.id(),
                        },
                        at,
                    )),
                };
            }
            read_nested_struct(ctx, r, *ty)
        }
        Codec::List(elem) => Ok(Value::List(read_collection(ctx, r, Some(elem))?)),
        Codec::Set(elem) => Ok(Value::Set(read_collection(ctx, r, Some(elem))?)),
        Codec::Map(k, v) => Ok(Value::Map(read_map(ctx, r, Some((k, v)))?)),
        Codec::Any => read_dynamic(ctx, r),
    }
}

/// A union body: the case id, then the case value as a complete `any` value (flag, type meta,
/// body). A case we do not know is still read (it is self-describing) and kept — unless it is
/// a collection with declared element types ([`declares_elements`]). A null value is accepted
/// where the writer would write one ([`foryjit_ir::union_case_nullable`]).
fn read_union_body(ctx: &mut ReadCtx, r: &mut Reader, ty: TypeIdx) -> CodecResult<Value> {
    let case = r.varu32()?;
    enter(ctx, r)?;
    let decl = ctx.cat.union_case(ty, case).cloned();
    let nullable = foryjit_ir::union_case_nullable(decl.as_ref());
    let value = with_flag(ctx, r, nullable, decl.as_ref(), |ctx, r| {
        let at = r.pos();
        let t = read_type_meta(ctx, r)?;
        if decl.is_none() && declares_elements(r, t) {
            return Err(CodecError::new(ErrorKind::Unsupported(UNTYPED_COLLECTION_CASE), at));
        }
        read_announced(ctx, r, decl.as_ref(), t, at)
    })
    .map_err(|e| e.within(PathSegment::Case(case)))?;
    ctx.depth -= 1;
    Ok(Value::Union(Box::new(UnionValue { ty, case, value })))
}

const UNTYPED_COLLECTION_CASE: &str = "a union case of a collection type the reader's schema \
     does not declare (its element types are declared, not on the wire)";

/// Whether the collection announced as `t` that starts at `r` declares its element types
/// instead of writing them (list/set header bit `0x04`, map chunk header bits `0x04`/`0x20`),
/// as pyfory 1.7.7 writes a union case of a collection type: only the case's declared type can
/// read such a value, so a case (or a whole union) the reader does not know cannot be.
fn declares_elements(r: &Reader, t: WireType) -> bool {
    let mut p = r.clone();
    let mask = match t {
        WireType::Builtin(tid::LIST | tid::SET) => 0x04,
        WireType::Builtin(tid::MAP) => 0x24,
        _ => return false,
    };
    matches!(p.varu32(), Ok(n) if n > 0) && p.u8().is_ok_and(|h| h & mask != 0)
}

/// A type as announced by type meta in the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WireType {
    /// A built-in type id.
    Builtin(u32),
    /// A registered user type (struct or enum).
    User(TypeIdx),
    /// Compatible mode: a registered struct as described by a received TypeDef (`def`: its
    /// index in [`ReadCtx::defs`]).
    Remote {
        /// The registered struct.
        local: TypeIdx,
        /// Meta-share index of the TypeDef.
        def: u32,
    },
    /// Compatible mode: a struct whose TypeDef (meta-share index `def`) names a type we have
    /// not registered, announced with type id `kind`.
    Unknown {
        /// Meta-share index of the TypeDef.
        def: u32,
        /// The struct kind it was announced with (kept, so that it is written back the same).
        kind: u32,
    },
}

impl WireType {
    fn id(self) -> u32 {
        match self {
            WireType::Builtin(id) => id,
            WireType::User(_) => tid::STRUCT,
            WireType::Remote { .. } | WireType::Unknown { .. } => tid::COMPATIBLE_STRUCT,
        }
    }
}

/// Compatible mode: the meta-share marker, then (first sight) the TypeDef. Structs resolve to
/// [`WireType::Remote`] or [`WireType::Unknown`], named enums to [`WireType::User`].
fn read_shared_typedef(ctx: &mut ReadCtx, r: &mut Reader, kind: u32) -> CodecResult<WireType> {
    let at = r.pos();
    let marker = r.varu32()?;
    let index = marker >> 1;
    let t = if marker & 1 == 1 {
        ctx.def(index).ok_or_else(|| CodecError::new(ErrorKind::BadMetaShareRef(index), at))?
    } else {
        if index as usize != ctx.prior.len() + ctx.defs.len() {
            return Err(CodecError::new(ErrorKind::BadMetaShareRef(index), at));
        }
        let frame_at = r.pos();
        let tl = foryjit_schema::typedef::TypeDefLimits {
            max_fields: ctx.opts.limits.max_type_fields,
            max_body_bytes: ctx.opts.limits.max_type_meta_bytes,
        };
        let (header, body) = foryjit_schema::typedef::read_frame(r, &tl)?;
        let frame = r.data().get(frame_at..r.pos()).unwrap_or_default();
        let t = ctx.cat.remote_type(header, frame, body, frame_at, &ctx.opts.limits)?;
        ctx.defs.push(t);
        t
    };
    let is_struct = matches!(t.def.kind, foryjit_schema::typedef::DefKind::Struct { .. });
    let wants_struct = kind != tid::NAMED_ENUM && kind != tid::NAMED_UNION;
    if is_struct != wants_struct {
        return Err(CodecError::new(ErrorKind::InvalidTypeDef, at));
    }
    Ok(match (t.local, is_struct) {
        (Some(local), true) => WireType::Remote { local, def: index },
        (None, true) => WireType::Unknown { def: index, kind },
        (Some(local), false) => WireType::User(local),
        (None, false) => {
            return Err(CodecError::new(
                ErrorKind::UnregisteredType(format!("{:?}", t.def.ident)),
                at,
            ))
        }
    })
}

/// Reads the fields of a struct as its writer's TypeDef (meta-share index `def`) describes them;
/// `kind` is the type id it was announced with (kept in a [`Value::Unknown`]).
fn read_remote_struct(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    def: u32,
    kind: u32,
) -> CodecResult<Value> {
    let at = r.pos();
    let t = ctx.def(def).ok_or_else(|| CodecError::new(ErrorKind::BadMetaShareRef(def), at))?;
    if t.unreadable.is_some() {
        return Err(CodecError::new(ErrorKind::Unsupported("a TypeDef field type (union)"), at));
    }
    let Some(local) = t.local else {
        return read_unknown_struct(ctx, r, t, kind);
    };
    if ctx.opts.strict_evolution {
        if let Some((what, field)) = t.evolution.as_ref().and_then(Evolution::first_loss) {
            return Err(CodecError::new(ErrorKind::StrictEvolution { what, field }, at));
        }
    }
    match &t.reader {
        None => read_nested_struct(ctx, r, local),
        Some(prog) => {
            enter(ctx, r)?;
            let v = match t.native_read() {
                Some(f) => crate::native::call_read(f, ctx, r, prog)?,
                None => read_struct_body(ctx, r, prog)?,
            };
            ctx.depth -= 1;
            Ok(Value::Struct(v))
        }
    }
}

/// A struct of a type we have not registered: its fields as its TypeDef describes them, kept
/// with the TypeDef and the type id it was announced with (`kind`) in a [`Value::Unknown`], so
/// that it serializes again to the same bytes — whatever the TypeDef's own compatible bit says.
fn read_unknown_struct(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    t: &RemoteType,
    kind: u32,
) -> CodecResult<Value> {
    let at = r.pos();
    let Some(codecs) = &t.opaque else {
        return Err(CodecError::new(ErrorKind::Unsupported("a TypeDef field type (union)"), at));
    };
    enter(ctx, r)?;
    let mut fields = Vec::with_capacity(codecs.len());
    for (i, (codec, nullable)) in codecs.iter().enumerate() {
        let v =
            read_field(ctx, r, codec, *nullable).map_err(|e| e.within(PathSegment::Index(i)))?;
        fields.push(v);
    }
    ctx.depth -= 1;
    Ok(Value::Unknown(Box::new(UnknownStruct { type_id: kind, typedef: t.frame.clone(), fields })))
}

fn read_type_meta(ctx: &mut ReadCtx, r: &mut Reader) -> CodecResult<WireType> {
    let at = r.pos();
    let id = r.varu32()?;
    let reg = ctx.cat.registry();
    match id {
        tid::COMPATIBLE_STRUCT
        | tid::NAMED_COMPATIBLE_STRUCT
        | tid::NAMED_STRUCT
        | tid::NAMED_ENUM
        | tid::NAMED_UNION
            if ctx.cat.mode() == Mode::Compatible =>
        {
            read_shared_typedef(ctx, r, id)
        }
        tid::TYPED_UNION => {
            let user = r.varu32()?;
            reg.by_union_id(user).map(WireType::User).ok_or_else(|| {
                CodecError::new(ErrorKind::UnregisteredType(format!("union id {user}")), at)
            })
        }
        tid::STRUCT | tid::ENUM => {
            let user = r.varu32()?;
            reg.by_user_id(id == tid::ENUM, user).map(WireType::User).ok_or_else(|| {
                CodecError::new(ErrorKind::UnregisteredType(format!("id {user}")), at)
            })
        }
        tid::NAMED_STRUCT | tid::NAMED_ENUM | tid::NAMED_UNION => {
            let ns = ctx.meta.read(r, MetaContext::Namespace)?.to_owned();
            let name = ctx.meta.read(r, MetaContext::TypeName)?.to_owned();
            let found = ctx.cat.registry().by_namespace_name(&ns, &name);
            let kind_ok = |t: TypeIdx| match ctx.cat.registry().get(t).map(|i| &**i) {
                Some(TypeInfo::Enum(_)) => id == tid::NAMED_ENUM,
                Some(TypeInfo::Union(_)) => id == tid::NAMED_UNION,
                _ => id == tid::NAMED_STRUCT,
            };
            match found {
                Some(t) if kind_ok(t) => Ok(WireType::User(t)),
                _ => Err(CodecError::new(ErrorKind::UnregisteredType(format!("{ns}.{name}")), at)),
            }
        }
        tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT | tid::EXT | tid::NAMED_EXT => {
            Err(CodecError::new(
                ErrorKind::Unsupported("type not supported in same-schema mode yet"),
                at,
            ))
        }
        id if id <= tid::FLOAT64_ARRAY
            && id != tid::UNKNOWN
            && id != tid::FLOAT8
            && id != tid::FLOAT8_ARRAY
            && id != tid::ARRAY
            && id != tid::UNION =>
        {
            Ok(WireType::Builtin(id))
        }
        id => Err(CodecError::new(ErrorKind::UnknownTypeId(id), at)),
    }
}

fn builtin_scalar(id: u32) -> Option<Scalar> {
    Some(match id {
        tid::BOOL => Scalar::Bool,
        tid::INT8 => Scalar::I8,
        tid::INT16 => Scalar::I16,
        tid::INT32 => Scalar::I32,
        tid::VARINT32 => Scalar::VarI32,
        tid::INT64 => Scalar::I64,
        tid::VARINT64 => Scalar::VarI64,
        tid::TAGGED_INT64 => Scalar::TaggedI64,
        tid::UINT8 => Scalar::U8,
        tid::UINT16 => Scalar::U16,
        tid::UINT32 => Scalar::U32,
        tid::VAR_UINT32 => Scalar::VarU32,
        tid::UINT64 => Scalar::U64,
        tid::VAR_UINT64 => Scalar::VarU64,
        tid::TAGGED_UINT64 => Scalar::TaggedU64,
        tid::FLOAT16 => Scalar::F16,
        tid::BFLOAT16 => Scalar::BF16,
        tid::FLOAT32 => Scalar::F32,
        tid::FLOAT64 => Scalar::F64,
        _ => return None,
    })
}

/// Reads the body of a value whose type was announced in the bytes.
fn read_wire_body(ctx: &mut ReadCtx, r: &mut Reader, t: WireType) -> CodecResult<Value> {
    match t {
        WireType::Remote { def, .. } => read_remote_struct(ctx, r, def, tid::COMPATIBLE_STRUCT),
        WireType::Unknown { def, kind } => read_remote_struct(ctx, r, def, kind),
        WireType::User(ty) => match ctx.cat.registry().get(ty).map(|i| &**i) {
            Some(TypeInfo::Enum(_)) => read_enum_value(ctx, r, ty),
            Some(TypeInfo::Union(_)) => read_union_body(ctx, r, ty),
            _ => read_nested_struct(ctx, r, ty),
        },
        WireType::Builtin(id) => {
            if let Some(s) = builtin_scalar(id) {
                return get_scalar(r, s);
            }
            if let Some(e) = ArrayElem::from_type_id(id) {
                return read_array(ctx, r, e);
            }
            match id {
                tid::STRING => read_body(ctx, r, &Codec::String),
                tid::BINARY => read_body(ctx, r, &Codec::Binary),
                tid::DATE => read_body(ctx, r, &Codec::Date),
                tid::TIMESTAMP => read_body(ctx, r, &Codec::Timestamp),
                tid::DURATION => read_body(ctx, r, &Codec::Duration),
                tid::DECIMAL => read_body(ctx, r, &Codec::Decimal),
                tid::LIST => Ok(Value::List(read_collection(ctx, r, None)?)),
                tid::SET => Ok(Value::Set(read_collection(ctx, r, None)?)),
                tid::MAP => Ok(Value::Map(read_map(ctx, r, None)?)),
                tid::NONE => Ok(Value::Null),
                id => Err(err(ErrorKind::UnknownTypeId(id), r)),
            }
        }
    }
}

/// Type meta + body in an untyped position.
pub(crate) fn read_dynamic(ctx: &mut ReadCtx, r: &mut Reader) -> CodecResult<Value> {
    let t = read_type_meta(ctx, r)?;
    read_wire_body(ctx, r, t)
}

/// Does a type announced in the bytes fit the declared element codec?
fn fits(codec: &Codec, t: WireType) -> bool {
    match (codec, t) {
        (Codec::Any, _) => true,
        (Codec::Struct { ty, .. }, WireType::User(u)) => *ty == u,
        (Codec::Struct { ty, .. }, WireType::Remote { local, .. }) => *ty == local,
        (Codec::Enum(ty), WireType::User(u)) => *ty == u,
        (Codec::Union(ty), WireType::User(u)) => *ty == u,
        (Codec::Scalar(s), WireType::Builtin(id)) => s.type_id() == id,
        (Codec::String, WireType::Builtin(id)) => id == tid::STRING,
        (Codec::Binary, WireType::Builtin(id)) => id == tid::BINARY || id == tid::UINT8_ARRAY,
        (Codec::Date, WireType::Builtin(id)) => id == tid::DATE,
        (Codec::Timestamp, WireType::Builtin(id)) => id == tid::TIMESTAMP,
        (Codec::Duration, WireType::Builtin(id)) => id == tid::DURATION,
        (Codec::Decimal, WireType::Builtin(id)) => id == tid::DECIMAL,
        (Codec::Array(e), WireType::Builtin(id)) => e.type_id() == id,
        (Codec::List(_), WireType::Builtin(id)) => id == tid::LIST,
        (Codec::Set(_), WireType::Builtin(id)) => id == tid::SET || id == tid::LIST,
        (Codec::Map(..), WireType::Builtin(id)) => id == tid::MAP,
        _ => false,
    }
}

/// Reads an element whose type was announced (`t`) into the declared codec's shape.
fn read_announced(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    decl: Option<&Codec>,
    t: WireType,
    at: usize,
) -> CodecResult<Value> {
    match decl {
        None | Some(Codec::Any) => read_wire_body(ctx, r, t),
        Some(c) if fits(c, t) => match c {
            Codec::Struct { .. } if matches!(t, WireType::Remote { .. }) => {
                read_wire_body(ctx, r, t)
            }
            Codec::Struct { ty, .. } => read_nested_struct(ctx, r, *ty),
            Codec::Binary if t == WireType::Builtin(tid::UINT8_ARRAY) => {
                match read_array(ctx, r, ArrayElem::UInt8)? {
                    Value::UInt8Array(b) => Ok(Value::Binary(b)),
                    v => Ok(v),
                }
            }
            c => read_body(ctx, r, c),
        },
        Some(_) => Err(CodecError::new(
            ErrorKind::TypeMismatch { expected: "the declared element type", found: t.id() },
            at,
        )),
    }
}

fn read_collection(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    elem: Option<&ElemCodec>,
) -> CodecResult<RVec<Value>> {
    // Elements take at least one byte each, except structs without fields in compatible mode
    // (no hash, no fields): those may be "unbacked", up to `max_unbacked_container_items`.
    let zero_size = match elem.map(|e| &e.codec) {
        Some(Codec::Struct { ty, .. }) => {
            ctx.cat.mode() == Mode::Compatible
                && ctx.cat.program(*ty).is_some_and(|p| p.field_count() == 0)
        }
        _ => false,
    };
    let min_item = usize::from(!zero_size);
    let len_at = r.pos();
    let n = r.length_within(ctx.opts.limits.max_collection_len, min_item, ctx.pending)?;
    if n == 0 {
        return Ok(RVec::new());
    }
    if zero_size {
        // Items the input cannot back (beyond the bytes the enclosing containers need) must
        // fit in what `max_unbacked_container_items` still allows.
        let backed = r.remaining().saturating_sub(ctx.pending);
        let free = ctx.opts.limits.max_unbacked_container_items.saturating_sub(ctx.unbacked);
        if n > backed.saturating_add(free) {
            return Err(CodecError::new(
                ErrorKind::UnbackedItems(ctx.opts.limits.max_unbacked_container_items),
                len_at,
            ));
        }
    }
    let hat = r.pos();
    let header = r.u8()?;
    if header & 0xf0 != 0 {
        return Err(CodecError::new(ErrorKind::InvalidCollectionHeader(header), hat));
    }
    let track_ref = header & 0x01 != 0;
    let has_null = header & 0x02 != 0;
    let declared = header & 0x04 != 0;
    let same = header & 0x08 != 0;
    let decl = elem.map(|e| &e.codec);
    if declared && decl.is_none_or(|c| matches!(c, Codec::Any)) {
        return Err(CodecError::new(ErrorKind::InvalidCollectionHeader(header), hat));
    }
    let mut shared: Option<WireType> = None;
    if same && !declared {
        let at = r.pos();
        let t = read_type_meta(ctx, r)?;
        if let Some(c) = decl {
            if t != WireType::Builtin(tid::NONE) && !fits(c, t) {
                return Err(CodecError::new(
                    ErrorKind::TypeMismatch {
                        expected: "the declared element type",
                        found: t.id(),
                    },
                    at,
                ));
            }
        }
        shared = Some(t);
    }
    enter(ctx, r)?;
    ctx.charge(n * SLOT_BYTES, hat)?;
    // `n` was checked against what the input can hold, so room for all of it is proportional
    // to the input (and the charge above bounds it too).
    let mut items = Vec::with_capacity(n);
    let outer = ctx.pending;
    for i in 0..n {
        ctx.pending = outer + (n - 1 - i) * min_item;
        let before = r.pos();
        let element = |ctx: &mut ReadCtx, r: &mut Reader| -> CodecResult<Value> {
            if declared {
                return read_body(ctx, r, decl.unwrap_or(&Codec::Any));
            }
            let at = r.pos();
            let t = match shared {
                Some(t) => t,
                None => read_type_meta(ctx, r)?,
            };
            if t == WireType::Builtin(tid::NONE) {
                return Err(CodecError::new(
                    ErrorKind::TypeMismatch { expected: "a value", found: tid::NONE },
                    at,
                ));
            }
            read_announced(ctx, r, decl, t, at)
        };
        let nullable = elem.is_none_or(|e| e.nullable);
        let v = if track_ref || has_null {
            with_flag(ctx, r, nullable, decl, element)
        } else {
            element(ctx, r)
        }
        .map_err(|e| e.within(PathSegment::Index(i)))?;
        if r.pos() == before {
            count_unbacked(ctx, r)?;
        }
        items.push(v);
    }
    ctx.pending = outer;
    ctx.depth -= 1;
    Ok(items.into())
}

fn read_map_side(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    codec: Option<&ElemCodec>,
    declared: bool,
    shared: Option<WireType>,
) -> CodecResult<Value> {
    let decl = codec.map(|c| &c.codec);
    if declared {
        return match decl {
            Some(c) if !matches!(c, Codec::Any) => read_body(ctx, r, &unmeta(c)),
            _ => Err(err(ErrorKind::InvalidMapChunk, r)),
        };
    }
    let at = r.pos();
    let t = match shared {
        Some(t) => t,
        None => read_type_meta(ctx, r)?,
    };
    read_announced(ctx, r, decl, t, at)
}

fn unmeta(c: &Codec) -> Codec {
    match c {
        Codec::Struct { ty, .. } => Codec::Struct { ty: *ty, with_meta: false },
        c => c.clone(),
    }
}

fn read_map(
    ctx: &mut ReadCtx,
    r: &mut Reader,
    kv: Option<(&ElemCodec, &ElemCodec)>,
) -> CodecResult<RVec<MapEntry>> {
    let count_at = r.pos();
    let count = r.length_within(ctx.opts.limits.max_collection_len, 1, ctx.pending)?;
    if count == 0 {
        return Ok(RVec::new());
    }
    ctx.charge(count.saturating_mul(2 * SLOT_BYTES), count_at)?;
    let (kc, vc) = match kv {
        Some((k, v)) => (Some(k), Some(v)),
        None => (None, None),
    };
    enter(ctx, r)?;
    // As in `read_collection`: `count` fits in the input.
    let mut entries: Vec<MapEntry> = Vec::with_capacity(count);
    let outer = ctx.pending;
    while entries.len() < count {
        let i = entries.len();
        ctx.pending = outer + (count - 1 - i);
        let hat = r.pos();
        let h = r.u8()?;
        if h & 0xc0 != 0 {
            return Err(CodecError::new(ErrorKind::InvalidMapChunk, hat));
        }
        let key_null = h & 0x02 != 0;
        let val_null = h & 0x10 != 0;
        let check_null = |c: Option<&ElemCodec>, seg: PathSegment| -> CodecResult<()> {
            if c.is_some_and(|c| !c.nullable) {
                return Err(CodecError::new(ErrorKind::UnexpectedNull, hat).within(seg));
            }
            Ok(())
        };
        if key_null && val_null {
            check_null(kc, PathSegment::Key(i))?;
            check_null(vc, PathSegment::MapValue(i))?;
            entries.push(MapEntry { key: Value::Null, value: Value::Null });
            continue;
        }
        if val_null || key_null {
            let (side, declared_bit, flag_bit) =
                if val_null { (kc, 0x04, 0x01) } else { (vc, 0x20, 0x08) };
            let seg = if val_null { PathSegment::Key(i) } else { PathSegment::MapValue(i) };
            check_null(
                if val_null { vc } else { kc },
                if val_null { PathSegment::MapValue(i) } else { PathSegment::Key(i) },
            )?;
            let declared = h & declared_bit != 0;
            let side_nullable = side.is_none_or(|c| c.nullable);
            let v = if h & flag_bit != 0 {
                with_flag(ctx, r, side_nullable, side.map(|c| &c.codec), |ctx, r| {
                    read_map_side(ctx, r, side, declared, None)
                })
            } else {
                read_map_side(ctx, r, side, declared, None)
            }
            .map_err(|e| e.within(seg))?;
            let (key, value) = if val_null { (v, Value::Null) } else { (Value::Null, v) };
            if key.is_null() && kc.is_some_and(|c| !c.nullable) {
                return Err(
                    CodecError::new(ErrorKind::UnexpectedNull, hat).within(PathSegment::Key(i))
                );
            }
            entries.push(MapEntry { key, value });
            continue;
        }
        let sat = r.pos();
        let size = r.u8()? as usize;
        if size == 0 || size > count - entries.len() {
            return Err(CodecError::new(ErrorKind::InvalidMapChunk, sat));
        }
        let key_declared = h & 0x04 != 0;
        let val_declared = h & 0x20 != 0;
        let key_t = if key_declared { None } else { Some(read_type_meta(ctx, r)?) };
        let val_t = if val_declared { None } else { Some(read_type_meta(ctx, r)?) };
        for _ in 0..size {
            let i = entries.len();
            ctx.pending = outer + (count - 1 - i);
            let before = r.pos();
            let key_side =
                |ctx: &mut ReadCtx, r: &mut Reader| read_map_side(ctx, r, kc, key_declared, key_t);
            let key = if h & 0x01 != 0 {
                with_flag(ctx, r, kc.is_none_or(|c| c.nullable), kc.map(|c| &c.codec), key_side)
            } else {
                key_side(ctx, r)
            }
            .map_err(|e| e.within(PathSegment::Key(i)))?;
            let val_side =
                |ctx: &mut ReadCtx, r: &mut Reader| read_map_side(ctx, r, vc, val_declared, val_t);
            let value = if h & 0x08 != 0 {
                with_flag(ctx, r, vc.is_none_or(|c| c.nullable), vc.map(|c| &c.codec), val_side)
            } else {
                val_side(ctx, r)
            }
            .map_err(|e| e.within(PathSegment::MapValue(i)))?;
            if r.pos() == before {
                count_unbacked(ctx, r)?;
            }
            entries.push(MapEntry { key, value });
        }
    }
    ctx.pending = outer;
    ctx.depth -= 1;
    Ok(entries.into())
}
