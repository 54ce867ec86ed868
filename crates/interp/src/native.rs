//! Calling compiled struct bodies, and the interpreter's side of the native ABI: the helpers
//! compiled code calls for every op it does not inline ([`fj_write_op`], [`fj_read_op`]) and the
//! direct helpers it calls around its own work (`fj_write_blob`, `fj_write_list_head`,
//! `fj_write_struct_head`, `fj_read_field`, `fj_read_nested_alloc`, ...), listed in
//! [`helper_table`]. The ABI itself — entry-point and helper types, environments, status codes,
//! layouts — is defined once in [`foryjit_abi`]; this module only implements it.
//!
//! The direct helpers run the interpreter's own functions, and either do their part or decline
//! ([`Status::DECLINED`]) having done nothing, so that every error comes from the interpreter.

use crate::read::{exec_read_op, put_field, read_body, ReadCtx};
use crate::write::{
    enter, exec_write_op, write_blob, write_collection_head, write_flagged, write_user_type_meta,
    WriteCtx,
};
use foryjit_abi::{CtxHeader, HelperTable, ReadEntry, ReadEnv, Status, WriteEntry, WriteEnv, CTX};
use foryjit_ir::{Codec, Program, ReadOp, WriteOp};
use foryjit_wire::type_id::flag;
use foryjit_wire::{
    Buf, CodecError, CodecResult, ErrorKind, PathSegment, Reader, StructValue, Value, Writer,
};

// Compiled code reads the context through the environment's context pointer, as a
// `CtxHeader`: both contexts must begin with its fields.
const _: () = {
    use std::mem::offset_of;
    let inline = offset_of!(CtxHeader, inline);
    assert!(offset_of!(WriteCtx, depth) == CTX.depth);
    assert!(offset_of!(WriteCtx, max_depth) == CTX.max_depth);
    assert!(offset_of!(WriteCtx, inline) == inline);
    assert!(offset_of!(ReadCtx, depth) == CTX.depth);
    assert!(offset_of!(ReadCtx, max_depth) == CTX.max_depth);
    assert!(offset_of!(ReadCtx, inline) == inline);
};

/// The interpreter's helpers, for the compiler to bind compiled code to.
pub fn helper_table() -> HelperTable {
    HelperTable {
        write_op: fj_write_op,
        write_blob: fj_write_blob,
        write_nested_failed: fj_write_nested_failed,
        write_list_head: fj_write_list_head,
        write_struct_head: fj_write_struct_head,
        read_op: fj_read_op,
        read_varint: fj_read_varint,
        read_field: fj_read_field,
        read_nested_alloc: fj_read_nested_alloc,
        read_nested_failed: fj_read_nested_failed,
        copy_bytes: fj_copy_bytes,
        is_ascii: fj_is_ascii,
    }
}

/// Helper for compiled writers: copies a string's or binary value's bytes into the buffer.
///
/// # Safety
/// `src..src + len` must be readable, `dst..dst + len` writable, and the two must not overlap.
pub unsafe extern "C" fn fj_copy_bytes(dst: *mut u8, src: *const u8, len: usize) -> *mut u8 {
    // SAFETY: per the contract.
    unsafe { std::ptr::copy_nonoverlapping(src, dst, len) };
    dst
}

/// Helper for compiled writers: 1 when the `len` bytes at `src` are ASCII, else 0.
///
/// # Safety
/// `src..src + len` must be readable.
pub unsafe extern "C" fn fj_is_ascii(src: *const u8, len: usize) -> u32 {
    // SAFETY: per the contract.
    let bytes = unsafe { std::slice::from_raw_parts(src, len) };
    u32::from(bytes.is_ascii())
}

/// The parts of a [`WriteEnv`], typed.
///
/// # Safety
/// `env` must be a live `WriteEnv` built by [`call_write`], or by compiled code for a child from
/// a live parent's: its context a live `WriteCtx<'a>` no one else uses during the call, a
/// program kept alive by the code's links, and `field_count` values at `fields` that the parent
/// borrows.
unsafe fn write_parts<'e, 'a>(
    env: *mut WriteEnv,
) -> (&'e mut WriteEnv, &'e mut WriteCtx<'a>, &'e Program, &'e [Value]) {
    // SAFETY: per the contract.
    unsafe {
        let env = &mut *env;
        let ctx = &mut *(env.ctx as *mut WriteCtx<'a>);
        let prog = &*env.prog;
        let fields = std::slice::from_raw_parts(env.fields, env.field_count);
        (env, ctx, prog, fields)
    }
}

/// The parts of a [`ReadEnv`], typed.
///
/// # Safety
/// As [`write_parts`]: built by [`call_read`] or by compiled code for a child, with a live
/// `ReadCtx<'a>`, program and input, and `field_count` initialised values at `fields` that only
/// this call fills.
unsafe fn read_parts<'e, 'a>(
    env: *mut ReadEnv,
) -> (&'e mut Option<Box<CodecError>>, &'e mut ReadCtx<'a>, &'e Program, &'e [u8], &'e mut [Value])
{
    // SAFETY: per the contract.
    unsafe {
        let env = &mut *env;
        let ctx = &mut *(env.ctx as *mut ReadCtx<'a>);
        let prog = &*env.prog;
        let data = std::slice::from_raw_parts(env.data, env.data_len);
        let fields = std::slice::from_raw_parts_mut(env.fields, env.field_count);
        (&mut env.error, ctx, prog, data, fields)
    }
}

#[cold]
fn internal(offset: usize) -> Box<CodecError> {
    CodecError::new(
        ErrorKind::Unsupported("compiled code reported an error without details"),
        offset,
    )
}

#[cold]
fn panicked(offset: usize) -> Box<CodecError> {
    CodecError::new(ErrorKind::Unsupported("internal error: an interpreter op panicked"), offset)
}

/// Runs a compiled writer over `fields` (the field count was checked by the caller).
pub(crate) fn call_write(
    f: WriteEntry,
    ctx: &mut WriteCtx,
    w: &mut Writer,
    prog: &Program,
    fields: &[Value],
) -> CodecResult<()> {
    let max = w.max();
    let vec = std::mem::take(w.vec_mut());
    let mut buf = Buf::from_vec(vec, max);
    let mut env = WriteEnv {
        ctx: ctx as *mut WriteCtx as *mut CtxHeader,
        prog,
        fields: fields.as_ptr(),
        field_count: fields.len(),
        error: None,
    };
    // SAFETY: `f` was installed with the contract of `Catalog::install_native` (compiled for
    // `prog`, alive while the catalog is); `fields` holds `prog.field_count()` values; `buf`
    // comes from a `Vec<u8>`; `env` outlives the call and is only used through the helpers.
    let status = unsafe { f(&mut env, fields.as_ptr(), &mut buf) };
    // SAFETY: compiled code and `fj_write_op` keep `buf` a valid decomposed `Vec<u8>`.
    *w.vec_mut() = unsafe { buf.into_vec() };
    if status.is_ok() {
        Ok(())
    } else {
        Err(env.error.take().unwrap_or_else(|| internal(w.len())))
    }
}

/// Runs a compiled reader for `prog` at the reader's position.
pub(crate) fn call_read(
    f: ReadEntry,
    ctx: &mut ReadCtx,
    r: &mut Reader,
    prog: &Program,
) -> CodecResult<StructValue> {
    ctx.charge(prog.field_count() * crate::read::SLOT_BYTES, r.pos())?;
    let mut fields: Vec<Value> = Vec::with_capacity(prog.field_count());
    fields.resize_with(prog.field_count(), Value::default);
    let data = r.data();
    let mut pos = r.pos();
    let ptr = fields.as_mut_ptr();
    let mut env = ReadEnv {
        ctx: ctx as *mut ReadCtx as *mut CtxHeader,
        prog,
        data: data.as_ptr(),
        data_len: data.len(),
        fields: ptr,
        field_count: fields.len(),
        error: None,
    };
    // SAFETY: as in `call_write`; `ptr` points at `prog.field_count()` initialised `Null`s that
    // compiled code overwrites with POD variants only (everything else goes through
    // `fj_read_op`, which uses `env.fields`, the same memory), and `pos <= data.len()`.
    let status = unsafe { f(&mut env, data.as_ptr(), data.len(), &mut pos, ptr) };
    let error = env.error.take();
    r.set_pos(pos);
    if status.is_ok() {
        Ok(StructValue::new(prog.ty, fields))
    } else {
        Err(error.unwrap_or_else(|| internal(pos)))
    }
}

/// Callback for compiled writers: executes write ops `op..op + count` of the current program,
/// stopping at the first error.
///
/// # Safety
/// `env` and `buf` must be the pointers the compiled function was called with (by
/// `call_write`, or by a compiled parent for a child).
pub unsafe extern "C" fn fj_write_op(
    env: *mut WriteEnv,
    buf: *mut Buf,
    op: u32,
    count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled writer.
    let (env, ctx, prog, fields) = unsafe { write_parts(env) };
    let range = op as usize..(op as usize).saturating_add(count as usize);
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    let result = unsafe {
        on_buffer(&mut *buf, |w| match prog.write.get(range) {
            Some(ops) => ops.iter().try_for_each(|o| exec_write_op(ctx, w, prog, o, fields)),
            None => Err(internal(w.len())),
        })
    }
    .unwrap_or_else(|| Err(panicked(0)));
    match result {
        Ok(()) => Status::OK,
        Err(e) => {
            env.error = Some(e);
            Status::FAILED
        }
    }
}

/// Runs `f` with a [`Writer`] over compiled code's buffer, then rebuilds the buffer. A panic
/// must not unwind into compiled code (it would abort): it gives `None`, and the buffer is
/// replaced by an empty one (the vector was dropped while unwinding).
///
/// # Safety
/// `buf` must be a decomposed `Vec<u8>` (what `call_write` passes and compiled code keeps).
unsafe fn on_buffer<R>(buf: &mut Buf, f: impl FnOnce(&mut Writer) -> R) -> Option<R> {
    let max = buf.max;
    // SAFETY: per the contract; the buffer is rebuilt below before anyone reads it.
    let vec = unsafe { std::ptr::read(buf).into_vec() };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut vec = vec;
        let r = f(&mut Writer::new(&mut vec, max));
        (vec, r)
    }));
    match outcome {
        Ok((vec, r)) => {
            *buf = Buf::from_vec(vec, max);
            Some(r)
        }
        Err(_) => {
            *buf = Buf::from_vec(Vec::new(), max);
            None
        }
    }
}

/// `e` named by field `field` of `prog`, as the interpreter's ops name their errors.
fn within_field(prog: &Program, field: u32, e: Box<CodecError>) -> Box<CodecError> {
    let name = prog.field_names.get(field as usize).cloned().unwrap_or_default();
    e.within(PathSegment::Field(name))
}

/// Direct helper for compiled writers: writes op `op` — a non-nullable string, binary or
/// dense-array field (`PutField`) — straight through the interpreter's blob encoder, skipping
/// the generic op dispatch. Returns [`Status::OK`] when the field is written, and [`Status::DECLINED`], having written nothing,
/// when it is not (a value of another kind, a limit, an op of another shape): compiled code
/// then hands the op to [`fj_write_op`], which reports the error as the interpreter does. 1 is
/// an error left in `env` (a caught panic).
///
/// # Safety
/// As [`fj_write_op`].
pub unsafe extern "C" fn fj_write_blob(
    env: *mut WriteEnv,
    buf: *mut Buf,
    op: u32,
    _count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled writer.
    let (env, ctx, prog, fields) = unsafe { write_parts(env) };
    let Some(WriteOp::PutField { field, codec, nullable: false }) = prog.write.get(op as usize)
    else {
        return Status::DECLINED;
    };
    let Some(v) = fields.get(field.0 as usize) else { return Status::DECLINED };
    if ctx.oob.is_some() && matches!(codec, Codec::Binary) {
        // The in-band marker and the policy are the interpreter's (`fj_write_op`).
        return Status::DECLINED;
    }
    let opts = ctx.opts;
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    let written =
        unsafe { on_buffer(&mut *buf, |w| matches!(write_blob(w, codec, v, opts), Some(Ok(())))) };
    match written {
        Some(true) => Status::OK,
        Some(false) => Status::DECLINED,
        None => {
            env.error = Some(panicked(0));
            Status::FAILED
        }
    }
}

/// Called by compiled writers when a nested struct's compiled writer, which they called
/// directly with the environment `child` built on their stack, failed: moves the child's error
/// into `env`, named by field op `op` (and by element `elem - 1` of that field's list when
/// `elem` is not 0) as the interpreter names it, and returns [`Status::FAILED`].
///
/// # Safety
/// `env` as [`fj_write_op`]; `child` the child's environment after the call.
pub unsafe extern "C" fn fj_write_nested_failed(
    env: *mut WriteEnv,
    child: *mut WriteEnv,
    op: u32,
    elem: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled writer.
    let (env, _, prog, _) = unsafe { write_parts(env) };
    // SAFETY: per the contract; the child's call has returned, so nothing else uses it.
    let child = unsafe { &mut *child };
    let mut error = child.error.take().unwrap_or_else(|| internal(0));
    if let Some(i) = elem.checked_sub(1) {
        error = error.within(PathSegment::Index(i as usize));
    }
    let error = match prog.write.get(op as usize) {
        Some(WriteOp::PutField { field, .. }) => within_field(prog, field.0, error),
        _ => error,
    };
    env.error = Some(error);
    Status::FAILED
}

/// What the head helpers write before compiled code takes over: the field's flag when it is
/// nullable (as `write_field` does), then `head`, on compiled code's buffer. An error is named
/// by field `field` of `prog`, as the interpreter names it.
///
/// # Safety
/// `buf` must be a decomposed `Vec<u8>` (what `call_write` passes and compiled code keeps).
unsafe fn write_field_head(
    buf: *mut Buf,
    ctx: &mut WriteCtx,
    prog: &Program,
    field: u32,
    nullable: bool,
    v: &Value,
    head: impl FnOnce(&mut WriteCtx, &mut Writer, &Value) -> CodecResult<()>,
) -> Result<(), Box<CodecError>> {
    // SAFETY: per the contract.
    let written = unsafe {
        on_buffer(&mut *buf, |w| {
            if nullable {
                // `v` is the field's own list or struct (the helpers decline a reference), so
                // no back-reference is written here and no position check is needed.
                write_flagged(ctx, w, v, true, None, head)
            } else {
                head(ctx, w, v)
            }
        })
    };
    match written {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(within_field(prog, field, e)),
        None => Err(panicked(0)),
    }
}

/// Direct helper for compiled writers, before they write the elements of a list of structs
/// themselves: for op `op` — a list field (`PutField`) whose elements are structs of
/// `field_count` fields (what compiled code will tell the child) — checks that
/// every element can go straight to the element type's compiled writer (a struct of that type
/// and field count; no null, no reference) and that the depth allows the list's and the
/// elements' levels; then writes what the interpreter writes before the first element (the
/// field's flag, the length, the collection header, the element type meta) with the
/// interpreter's own functions, and enters the list's level of depth, which compiled code
/// leaves after the last element. Returns [`Status::OK`] when that is done; [`Status::DECLINED`], having done nothing, for
/// anything else (an empty list, another kind of value, ...): compiled code then hands the op
/// to [`fj_write_op`]. [`Status::FAILED`] is an error left in `env` (a limit while writing the head).
///
/// # Safety
/// As [`fj_write_op`].
pub unsafe extern "C" fn fj_write_list_head(
    env: *mut WriteEnv,
    buf: *mut Buf,
    op: u32,
    field_count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled writer.
    let (env, ctx, prog, fields) = unsafe { write_parts(env) };
    let Some(WriteOp::PutField { field, codec: Codec::List(elem), nullable }) =
        prog.write.get(op as usize)
    else {
        return Status::DECLINED;
    };
    // Struct elements carry their type meta once, in the head; each body is plain.
    let (Codec::Struct { ty, .. }, false) = (&elem.codec, elem.declared) else {
        return Status::DECLINED;
    };
    let Some(v @ Value::List(items)) = fields.get(field.0 as usize) else {
        return Status::DECLINED;
    };
    // The field count compiled code gives the child's environment must be the program's.
    let Some(child) = ctx.cat.program(*ty).filter(|c| c.field_count() == field_count as usize)
    else {
        return Status::DECLINED;
    };
    let direct = |v: &Value| matches!(v, Value::Struct(sv) if sv.ty == *ty && sv.fields.len() == child.field_count());
    if items.is_empty() || ctx.depth.saturating_add(2) > ctx.max_depth || !items.iter().all(direct)
    {
        return Status::DECLINED;
    }
    let head = |ctx: &mut WriteCtx, w: &mut Writer, _: &Value| {
        write_collection_head(ctx, w, elem, items)?;
        enter(ctx, w)
    };
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    match unsafe { write_field_head(buf, ctx, prog, field.0, *nullable, v, head) } {
        Ok(()) => Status::OK,
        Err(e) => {
            env.error = Some(e);
            Status::FAILED
        }
    }
}

/// Direct helper for compiled writers, before they call a nested struct's compiled writer
/// themselves for a struct field *with* type meta (compatible mode): for op `op` — a
/// `PutField` of such a struct, of `field_count` fields (what compiled code will tell the
/// child) — writes what the interpreter writes before the body: the field's flag and the type
/// meta (the TypeDef, or a reference to one this call already wrote), with the interpreter's
/// own functions. Returns [`Status::OK`] when written; [`Status::DECLINED`], having written nothing, when the value is not a
/// struct of the field's type and field count (compiled code then hands the op to
/// [`fj_write_op`]); [`Status::FAILED`] is an error left in `env`.
///
/// # Safety
/// As [`fj_write_op`].
pub unsafe extern "C" fn fj_write_struct_head(
    env: *mut WriteEnv,
    buf: *mut Buf,
    op: u32,
    field_count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled writer.
    let (env, ctx, prog, fields) = unsafe { write_parts(env) };
    let Some(WriteOp::PutField { field, codec: Codec::Struct { ty, with_meta: true }, nullable }) =
        prog.write.get(op as usize)
    else {
        return Status::DECLINED;
    };
    let Some(v @ Value::Struct(sv)) = fields.get(field.0 as usize) else { return Status::DECLINED };
    let count = field_count as usize;
    if sv.ty != *ty
        || sv.fields.len() != count
        || ctx.cat.program(*ty).map(|p| p.field_count()) != Some(count)
    {
        return Status::DECLINED;
    }
    let head = |ctx: &mut WriteCtx, w: &mut Writer, _: &Value| write_user_type_meta(ctx, w, *ty);
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    match unsafe { write_field_head(buf, ctx, prog, field.0, *nullable, v, head) } {
        Ok(()) => Status::OK,
        Err(e) => {
            env.error = Some(e);
            Status::FAILED
        }
    }
}

/// Direct helper for compiled readers: reads op `op` — a field (`GetField`) of a string,
/// binary, dense-array or struct-without-type-meta codec — with the interpreter's body reader,
/// skipping the generic op dispatch (compiled code sends a struct here while the child has no
/// compiled reader). Returns [`Status::OK`] when the field is read and `*pos` advanced; [`Status::DECLINED`], having read
/// nothing, when the flag of a nullable field is not the plain present flag (null and reference
/// flags, the end of the input) or the op has another shape: compiled code then hands the op
/// to [`fj_read_op`]. [`Status::FAILED`] is an error left in `env`, named by the field as the interpreter names
/// it.
///
/// # Safety
/// As [`fj_read_op`].
pub unsafe extern "C" fn fj_read_field(
    env: *mut ReadEnv,
    pos: *mut usize,
    op: u32,
    _count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled reader.
    let (error, ctx, prog, data, fields) = unsafe { read_parts(env) };
    let Some(ReadOp::GetField { field, codec, nullable }) = prog.read.get(op as usize) else {
        return Status::DECLINED;
    };
    if !matches!(
        codec,
        Codec::String | Codec::Binary | Codec::Array(_) | Codec::Struct { with_meta: false, .. }
    ) {
        return Status::DECLINED;
    }
    // SAFETY: `pos` is the live position of that call.
    let pos = unsafe { &mut *pos };
    let mut at = *pos;
    if *nullable {
        match data.get(at) {
            Some(&flag::NOT_NULL) => at += 1,
            _ => return Status::DECLINED,
        }
    }
    let mut r = Reader::at(data, at);
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_body(ctx, &mut r, codec)))
            .unwrap_or_else(|_| Err(panicked(at)));
    *pos = r.pos();
    match result {
        Ok(v) => {
            put_field(fields, field.0, v);
            Status::OK
        }
        Err(e) => {
            *error = Some(within_field(prog, field.0, e));
            Status::FAILED
        }
    }
}

/// Direct helper for compiled readers: reads a varint at `*pos` with the interpreter's own
/// readers (`wide` 0: varuint32, else PVL varuint64), for the last bytes of the input, where
/// compiled code cannot load a whole word, and for the 9-byte form. Returns the value and
/// advances `*pos`; on malformed or truncated input returns 0 and sets `*pos` to `usize::MAX`
/// (compiled code then hands the op to the interpreter, which reports the error).
///
/// # Safety
/// `data` and `len` must describe the input of the enclosing `call_read`, and `pos` must be
/// valid for reads and writes.
pub unsafe extern "C" fn fj_read_varint(
    data: *const u8,
    len: usize,
    pos: *mut usize,
    wide: u32,
) -> u64 {
    // SAFETY: per the contract, `data..data + len` is the live input slice.
    let input = unsafe { std::slice::from_raw_parts(data, len) };
    // SAFETY: per the contract.
    let pos = unsafe { &mut *pos };
    if *pos > len {
        *pos = usize::MAX;
        return 0;
    }
    let mut r = Reader::at(input, *pos);
    let value = if wide == 0 { r.varu32().map(u64::from) } else { r.varu64() };
    match value {
        Ok(v) => {
            *pos = r.pos();
            v
        }
        Err(_) => {
            *pos = usize::MAX;
            0
        }
    }
}

/// Callback for compiled readers: executes read ops `op..op + count` of the current program
/// at `*pos`, stopping at the first error.
///
/// # Safety
/// `env` and `pos` must be the pointers the compiled function was called with (by `call_read`,
/// or by a compiled parent for a child).
pub unsafe extern "C" fn fj_read_op(
    env: *mut ReadEnv,
    pos: *mut usize,
    op: u32,
    count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled reader.
    let (error, ctx, prog, data, fields) = unsafe { read_parts(env) };
    // SAFETY: `pos` is the live position of that call.
    let pos = unsafe { &mut *pos };
    let mut r = Reader::at(data, *pos);
    let at = *pos;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let range = op as usize..(op as usize).saturating_add(count as usize);
        match prog.read.get(range) {
            Some(ops) => ops.iter().try_for_each(|o| exec_read_op(ctx, &mut r, prog, o, fields)),
            None => Err(internal(at)),
        }
    }))
    .unwrap_or_else(|_| Err(panicked(at)));
    *pos = r.pos();
    match result {
        Ok(()) => Status::OK,
        Err(e) => {
            *error = Some(e);
            Status::FAILED
        }
    }
}

/// Direct helper for compiled readers, before they call a nested struct's compiled reader
/// themselves: for op `op` — a struct field without type meta, of `field_count` fields (what
/// compiled code will tell the child) — charges the child's fields
/// against the memory budget, places a struct of all-`Null` fields in the field's slot and
/// returns a pointer to those fields, which the child's reader fills. Returns null, having done
/// nothing, when the op has another shape or the budget would be passed: compiled code then
/// hands the op to [`fj_read_op`], which reports the error as the interpreter does.
///
/// # Safety
/// `env` as [`fj_read_op`].
pub unsafe extern "C" fn fj_read_nested_alloc(
    env: *mut ReadEnv,
    _pos: *mut usize,
    op: u32,
    field_count: u32,
) -> *mut Value {
    // SAFETY: per the contract, `env` is the live environment of a compiled reader.
    let (_, ctx, prog, _, fields) = unsafe { read_parts(env) };
    let Some(ReadOp::GetField { field, codec: Codec::Struct { ty, with_meta: false }, .. }) =
        prog.read.get(op as usize)
    else {
        return std::ptr::null_mut();
    };
    // The field count compiled code gives the child's environment must be the program's.
    let Some(child) = ctx.cat.program(*ty).filter(|c| c.field_count() == field_count as usize)
    else {
        return std::ptr::null_mut();
    };
    let n = child.field_count();
    let bytes = n.saturating_mul(crate::read::SLOT_BYTES);
    if ctx.spent.saturating_add(bytes) > ctx.opts.limits.max_graph_memory_bytes
        || fields.get(field.0 as usize).is_none()
    {
        return std::ptr::null_mut();
    }
    if ctx.charge(bytes, 0).is_err() {
        return std::ptr::null_mut();
    }
    let mut values = Vec::new();
    values.resize_with(n, Value::default);
    put_field(fields, field.0, Value::Struct(StructValue::new(*ty, values)));
    match fields.get_mut(field.0 as usize) {
        Some(Value::Struct(sv)) => sv.fields.as_mut_ptr(),
        _ => std::ptr::null_mut(),
    }
}

/// Called by compiled readers when a nested struct's compiled reader, which they called
/// directly with the environment `child` built on their stack, failed: moves the child's error
/// into `env`, named by field op `op` as the interpreter names it, and returns [`Status::FAILED`].
///
/// # Safety
/// `env` as [`fj_read_op`]; `child` the child's environment after the call.
pub unsafe extern "C" fn fj_read_nested_failed(
    env: *mut ReadEnv,
    child: *mut ReadEnv,
    op: u32,
    _count: u32,
) -> Status {
    // SAFETY: per the contract, `env` is the live environment of a compiled reader.
    let (env_error, _, prog, _, _) = unsafe { read_parts(env) };
    // SAFETY: per the contract; the child's call has returned, so nothing else uses it.
    let child = unsafe { &mut *child };
    let error = child.error.take().unwrap_or_else(|| internal(0));
    let error = match prog.read.get(op as usize) {
        Some(ReadOp::GetField { field, .. }) => within_field(prog, field.0, error),
        _ => error,
    };
    *env_error = Some(error);
    Status::FAILED
}
