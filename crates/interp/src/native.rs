//! Calling compiled struct bodies, and the two callbacks compiled code uses for every op it does
//! not inline. The compiled tier lives in another crate; this module only knows the ABI:
//!
//! ```text
//! write: unsafe extern "C" fn(env, fields: *const Value, buf: *mut Buf) -> i32
//! read:  unsafe extern "C" fn(env, data: *const u8, len: usize, pos: *mut usize,
//!                             fields: *mut Value) -> i32
//! callbacks: fj_write_op(env, buf, op, count) -> i32, fj_read_op(env, pos, op, count) -> i32
//!            (each runs ops `op..op + count` in order and stops at the first error)
//! ```
//! A nonzero return is an error whose details the callback left in `env`.

use crate::read::{exec_read_op, put_field, read_body, ReadCtx};
use crate::write::{exec_write_op, write_blob, WriteCtx};
use foryjit_ir::{Codec, Program, ReadOp, WriteOp};
use foryjit_wire::type_id::flag;
use foryjit_wire::{
    Buf, CodecError, CodecResult, ErrorKind, PathSegment, Reader, StructValue, Value, Writer,
};
use std::ffi::c_void;

/// Entry point of a compiled struct writer.
pub type NativeWriteFn =
    unsafe extern "C" fn(env: *mut c_void, fields: *const Value, buf: *mut Buf) -> i32;
/// Entry point of a compiled struct reader.
pub type NativeReadFn = unsafe extern "C" fn(
    env: *mut c_void,
    data: *const u8,
    len: usize,
    pos: *mut usize,
    fields: *mut Value,
) -> i32;

struct WriteEnv<'c, 'a> {
    ctx: &'c mut WriteCtx<'a>,
    prog: &'c Program,
    fields: &'c [Value],
    error: Option<Box<CodecError>>,
}

struct ReadEnv<'c, 'a, 'd> {
    ctx: &'c mut ReadCtx<'a>,
    prog: &'c Program,
    data: &'d [u8],
    /// The fields being filled: compiled code and `fj_read_op` both write through this pointer.
    fields: *mut Value,
    field_count: usize,
    error: Option<Box<CodecError>>,
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
    f: NativeWriteFn,
    ctx: &mut WriteCtx,
    w: &mut Writer,
    prog: &Program,
    fields: &[Value],
) -> CodecResult<()> {
    let max = w.max();
    let vec = std::mem::take(w.vec_mut());
    let mut buf = Buf::from_vec(vec, max);
    let mut env = WriteEnv { ctx, prog, fields, error: None };
    // SAFETY: `f` was installed with the contract of `Catalog::install_native` (compiled for
    // `prog`, alive while the catalog is); `fields` holds `prog.field_count()` values; `buf`
    // comes from a `Vec<u8>`; `env` outlives the call and is only used through `fj_write_op`.
    let code = unsafe { f(&mut env as *mut WriteEnv as *mut c_void, fields.as_ptr(), &mut buf) };
    // SAFETY: compiled code and `fj_write_op` keep `buf` a valid decomposed `Vec<u8>`.
    *w.vec_mut() = unsafe { buf.into_vec() };
    if code == 0 {
        Ok(())
    } else {
        Err(env.error.take().unwrap_or_else(|| internal(w.len())))
    }
}

/// Runs a compiled reader for `prog` at the reader's position.
pub(crate) fn call_read(
    f: NativeReadFn,
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
    let mut env = ReadEnv { ctx, prog, data, fields: ptr, field_count: fields.len(), error: None };
    // SAFETY: as in `call_write`; `ptr` points at `prog.field_count()` initialised `Null`s that
    // compiled code overwrites with POD variants only (everything else goes through
    // `fj_read_op`, which uses `env.fields`, the same memory), and `pos <= data.len()`.
    let code = unsafe {
        f(&mut env as *mut ReadEnv as *mut c_void, data.as_ptr(), data.len(), &mut pos, ptr)
    };
    let error = env.error.take();
    r.set_pos(pos);
    if code == 0 {
        Ok(StructValue::new(prog.ty, fields))
    } else {
        Err(error.unwrap_or_else(|| internal(pos)))
    }
}

/// Callback for compiled writers: executes write ops `op..op + count` of the current program,
/// stopping at the first error.
///
/// # Safety
/// `env` and `buf` must be the pointers `call_write` passed to the compiled function.
pub unsafe extern "C" fn fj_write_op(env: *mut c_void, buf: *mut Buf, op: u32, count: u32) -> i32 {
    // SAFETY: per the contract, `env` is the live `WriteEnv` of the enclosing `call_write`.
    let env = unsafe { &mut *(env as *mut WriteEnv) };
    let state = &mut *env;
    let range = op as usize..(op as usize).saturating_add(count as usize);
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    let result = unsafe {
        on_buffer(&mut *buf, |w| match state.prog.write.get(range) {
            Some(ops) => ops
                .iter()
                .try_for_each(|o| exec_write_op(state.ctx, w, state.prog, o, state.fields)),
            None => Err(internal(w.len())),
        })
    }
    .unwrap_or_else(|| Err(panicked(0)));
    match result {
        Ok(()) => 0,
        Err(e) => {
            env.error = Some(e);
            1
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
/// the generic op dispatch. Returns 0 when the field is written, and 2, having written nothing,
/// when it is not (a value of another kind, a limit, an op of another shape): compiled code
/// then hands the op to [`fj_write_op`], which reports the error as the interpreter does. 1 is
/// an error left in `env` (a caught panic).
///
/// # Safety
/// As [`fj_write_op`].
pub unsafe extern "C" fn fj_write_blob(
    env: *mut c_void,
    buf: *mut Buf,
    op: u32,
    _count: u32,
) -> i32 {
    // SAFETY: per the contract, `env` is the live `WriteEnv` of the enclosing `call_write`.
    let env = unsafe { &mut *(env as *mut WriteEnv) };
    let (prog, fields) = (env.prog, env.fields);
    let Some(WriteOp::PutField { field, codec, nullable: false }) = prog.write.get(op as usize)
    else {
        return 2;
    };
    let Some(v) = fields.get(field.0 as usize) else { return 2 };
    let policy = env.ctx.opts.string_policy;
    // SAFETY: `buf` is the live buffer of that call, a decomposed `Vec<u8>`.
    let written = unsafe {
        on_buffer(&mut *buf, |w| matches!(write_blob(w, codec, v, policy), Some(Ok(()))))
    };
    match written {
        Some(true) => 0,
        Some(false) => 2,
        None => {
            env.error = Some(panicked(0));
            1
        }
    }
}

/// Direct helper for compiled writers: writes op `op` — a struct field without type meta
/// (`PutField` with `Codec::Struct { with_meta: false }`) whose value's type has compiled code —
/// by calling that compiled writer on the same buffer, with the child's own environment. It
/// loads the child's entry point from its slot on every call, so a child compiled later is
/// picked up. Returns 0 when written; 2, having written nothing, when the value is null or of
/// another kind or type, the child has no compiled code, the depth limit would be passed, or
/// the flag byte has no reserved room: compiled code then hands the op to [`fj_write_op`],
/// which does what the interpreter does. 1 is an error left in `env`, named by the field as
/// the interpreter names it.
///
/// # Safety
/// As [`fj_write_op`].
pub unsafe extern "C" fn fj_write_struct(
    env: *mut c_void,
    buf: *mut Buf,
    op: u32,
    _count: u32,
) -> i32 {
    // SAFETY: per the contract, `env` is the live `WriteEnv` of the enclosing `call_write`.
    let env = unsafe { &mut *(env as *mut WriteEnv) };
    let (prog, fields) = (env.prog, env.fields);
    let Some(WriteOp::PutField { field, codec: Codec::Struct { ty, with_meta: false }, nullable }) =
        prog.write.get(op as usize)
    else {
        return 2;
    };
    let Some(Value::Struct(sv)) = fields.get(field.0 as usize) else { return 2 };
    let cat = env.ctx.cat;
    let (Some(child), Some(f)) = (cat.program(sv.ty), cat.native_write(sv.ty)) else { return 2 };
    if sv.ty != *ty
        || sv.fields.len() != child.field_count()
        || env.ctx.depth >= env.ctx.opts.limits.max_depth
    {
        return 2;
    }
    // SAFETY: `buf` is the live buffer of that call.
    let b = unsafe { &mut *buf };
    if *nullable {
        // What `write_flagged` writes for a present value, when its room is already there.
        if b.cap - b.len < 1 || b.len > b.max {
            return 2;
        }
        // SAFETY: `len < cap`: the byte is inside the buffer's allocation.
        unsafe { *b.ptr.add(b.len) = flag::NOT_NULL };
        b.len += 1;
    }
    env.ctx.depth += 1;
    let mut child_env =
        WriteEnv { ctx: &mut *env.ctx, prog: child, fields: sv.fields.as_slice(), error: None };
    // SAFETY: `f` was installed for `sv.ty` with the contract of `Catalog::install_native`;
    // `sv.fields` holds `child.field_count()` values; `buf` is the parent's live buffer, which
    // compiled code and the callbacks keep a valid decomposed `Vec<u8>`; `child_env` outlives
    // the call.
    let code =
        unsafe { f(&mut child_env as *mut WriteEnv as *mut c_void, sv.fields.as_ptr(), buf) };
    let error = child_env.error.take();
    env.ctx.depth -= 1;
    if code == 0 {
        return 0;
    }
    env.error = Some(within_field(prog, field.0, error.unwrap_or_else(|| internal(b.len))));
    1
}

/// Direct helper for compiled readers: reads op `op` — a field (`GetField`) of a string,
/// binary, dense-array or struct-without-type-meta codec — with the interpreter's body reader,
/// skipping the generic op dispatch (a struct runs the child's compiled reader, loaded from its
/// slot on every call). Returns 0 when the field is read and `*pos` advanced; 2, having read
/// nothing, when the flag of a nullable field is not the plain present flag (null and reference
/// flags, the end of the input) or the op has another shape: compiled code then hands the op
/// to [`fj_read_op`]. 1 is an error left in `env`, named by the field as the interpreter names
/// it.
///
/// # Safety
/// As [`fj_read_op`].
pub unsafe extern "C" fn fj_read_field(
    env: *mut c_void,
    pos: *mut usize,
    op: u32,
    _count: u32,
) -> i32 {
    // SAFETY: per the contract, `env` is the live `ReadEnv` of the enclosing `call_read`.
    let env = unsafe { &mut *(env as *mut ReadEnv) };
    let prog = env.prog;
    let Some(ReadOp::GetField { field, codec, nullable }) = prog.read.get(op as usize) else {
        return 2;
    };
    if !matches!(
        codec,
        Codec::String | Codec::Binary | Codec::Array(_) | Codec::Struct { with_meta: false, .. }
    ) {
        return 2;
    }
    // SAFETY: `pos` is the live position of that call.
    let pos = unsafe { &mut *pos };
    let mut at = *pos;
    if *nullable {
        match env.data.get(at) {
            Some(&flag::NOT_NULL) => at += 1,
            _ => return 2,
        }
    }
    let mut r = Reader::at(env.data, at);
    let ctx = &mut *env.ctx;
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_body(ctx, &mut r, codec)))
            .unwrap_or_else(|_| Err(panicked(at)));
    *pos = r.pos();
    match result {
        Ok(v) => {
            // SAFETY: `fields` points at `field_count` initialised values owned by
            // `call_read`'s vector, not otherwise borrowed while the compiled function runs.
            let fields = unsafe { std::slice::from_raw_parts_mut(env.fields, env.field_count) };
            put_field(fields, field.0, v);
            0
        }
        Err(e) => {
            env.error = Some(within_field(prog, field.0, e));
            1
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
/// `env` and `pos` must be the pointers `call_read` passed to the compiled function.
pub unsafe extern "C" fn fj_read_op(env: *mut c_void, pos: *mut usize, op: u32, count: u32) -> i32 {
    // SAFETY: per the contract, `env` is the live `ReadEnv` of the enclosing `call_read`.
    let env = unsafe { &mut *(env as *mut ReadEnv) };
    // SAFETY: `pos` is the live position of that call.
    let pos = unsafe { &mut *pos };
    let mut r = Reader::at(env.data, *pos);
    // SAFETY: `fields` points at `field_count` initialised values owned by `call_read`'s vector,
    // which is not otherwise borrowed while the compiled function runs.
    let fields = unsafe { std::slice::from_raw_parts_mut(env.fields, env.field_count) };
    let at = *pos;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let range = op as usize..(op as usize).saturating_add(count as usize);
        match env.prog.read.get(range) {
            Some(ops) => {
                ops.iter().try_for_each(|o| exec_read_op(env.ctx, &mut r, env.prog, o, fields))
            }
            None => Err(internal(at)),
        }
    }))
    .unwrap_or_else(|_| Err(panicked(at)));
    *pos = r.pos();
    match result {
        Ok(()) => 0,
        Err(e) => {
            env.error = Some(e);
            1
        }
    }
}
