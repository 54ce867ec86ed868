//! IR → Cranelift IR.

use crate::JitError;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Endianness, FuncRef, InstBuilder, MemFlagsData, Signature, UserFuncName,
    Value as Val,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};
use foryjit_ir::{Program, ReadOp, Scalar, WriteOp};
use foryjit_wire::layout::{
    BUF_CAP_OFFSET, BUF_LEN_OFFSET, BUF_MAX_OFFSET, BUF_PTR_OFFSET, VALUE_PAYLOAD_OFFSET,
    VALUE_SIZE, VALUE_TAG_OFFSET,
};
use foryjit_wire::type_id::flag;
use foryjit_wire::value::tag;

/// Symbol of the write-op callback (unique prefix: never resolved through `dlsym`).
pub(crate) const WRITE_OP_SYMBOL: &str = "fj_interp_write_op";
/// Symbol of the read-op callback.
pub(crate) const READ_OP_SYMBOL: &str = "fj_interp_read_op";

const PTR: types::Type = types::I64;

/// Loads and stores of our own aligned `Value`s and `Buf`.
fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Loads and stores in the byte buffers: never aligned, always little endian, bounds-checked
/// by the IR's `Reserve`/`Ensure` (or per byte for varints) before they run.
fn bytes() -> MemFlagsData {
    MemFlagsData::new().with_notrap().with_endianness(Endianness::Little)
}

fn helper_sig(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(PTR));
    sig.params.push(AbiParam::new(PTR));
    sig.params.push(AbiParam::new(types::I32));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

fn define(
    module: &mut JITModule,
    name: &str,
    sig: Signature,
    helper: &str,
    callees: &[FuncId],
    body: impl FnOnce(&mut FunctionBuilder, FuncRef, &[FuncRef]),
) -> Result<(FuncId, usize), JitError> {
    let cg = |e: &dyn std::fmt::Display| JitError::Codegen(e.to_string());
    let id = module.declare_function(name, Linkage::Local, &sig).map_err(|e| cg(&e))?;
    let hid = module
        .declare_function(helper, Linkage::Import, &helper_sig(module))
        .map_err(|e| cg(&e))?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let href = module.declare_func_in_func(hid, b.func);
        let crefs: Vec<FuncRef> =
            callees.iter().map(|&c| module.declare_func_in_func(c, b.func)).collect();
        body(&mut b, href, &crefs);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    module.define_function(id, &mut ctx).map_err(|e| JitError::Codegen(format!("{e:?}")))?;
    let size = ctx.compiled_code().map(|c| c.code_buffer().len()).unwrap_or(0);
    module.clear_context(&mut ctx);
    Ok((id, size))
}

/// Width in bytes and Cranelift type of a fixed-width scalar's payload.
fn fixed_ty(s: Scalar) -> Option<(u32, types::Type)> {
    use Scalar::*;
    Some(match s {
        Bool | I8 | U8 => (1, types::I8),
        I16 | U16 | F16 | BF16 => (2, types::I16),
        I32 | U32 | F32 => (4, types::I32),
        I64 | U64 | F64 => (8, types::I64),
        _ => return None,
    })
}

/// Scalars compiled code encodes inline; tagged ones go through the callback.
fn inline_scalar(s: Scalar) -> bool {
    !matches!(s, Scalar::TaggedI64 | Scalar::TaggedU64)
}

struct WriterVars {
    ptr: Variable,
    len: Variable,
    cap: Variable,
    max: Variable,
}

/// `fn(ptr × params) -> i32`: the shape of every compiled entry point.
fn entry_sig(module: &JITModule, params: usize) -> Signature {
    let mut sig = module.make_signature();
    sig.params.extend((0..params).map(|_| AbiParam::new(PTR)));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

pub(crate) fn define_writer(
    module: &mut JITModule,
    prog: &Program,
) -> Result<(FuncId, usize), JitError> {
    let sig = entry_sig(module, 3);
    let name = format!("fj_write_{}", prog.ty.0);
    define_split(module, &name, sig, WRITE_OP_SYMBOL, prog.write.len(), |b, helper, ops| {
        lower_writer(b, helper, prog, ops)
    })
}

/// Ops per compiled function. Cranelift's compile time and memory grow superlinearly with
/// function size (a 10 000-field function took 0.9 s and 231 MB unsplit, 0.3 s and 8.5 MB in
/// 250-field chunks), so larger programs become chunk functions that an entry calls in order.
/// Splitting at any op boundary is sound: a run's reserved capacity or ensured bytes persist in
/// the buffer and the input across the call.
pub(crate) const CHUNK_OPS: usize = 250;

fn define_split(
    module: &mut JITModule,
    name: &str,
    sig: Signature,
    helper: &str,
    n_ops: usize,
    lower: impl Fn(&mut FunctionBuilder, FuncRef, std::ops::Range<usize>),
) -> Result<(FuncId, usize), JitError> {
    if n_ops <= CHUNK_OPS {
        return define(module, name, sig, helper, &[], |b, h, _| lower(b, h, 0..n_ops));
    }
    let mut chunks = Vec::new();
    let mut total = 0;
    for (k, start) in (0..n_ops).step_by(CHUNK_OPS).enumerate() {
        let range = start..(start + CHUNK_OPS).min(n_ops);
        let (id, size) =
            define(module, &format!("{name}_{k}"), sig.clone(), helper, &[], |b, h, _| {
                lower(b, h, range)
            })?;
        chunks.push(id);
        total += size;
    }
    let (id, size) = define(module, name, sig, helper, &chunks, |b, _, crefs| {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let args = b.block_params(entry).to_vec();
        for &c in crefs {
            let call = b.ins().call(c, &args);
            let code = b.inst_results(call)[0];
            let fail = b.create_block();
            let next = b.create_block();
            b.ins().brif(code, fail, &[], next, &[]);
            b.switch_to_block(fail);
            b.ins().return_(&[code]);
            b.switch_to_block(next);
        }
        let zero = b.ins().iconst(types::I32, 0);
        b.ins().return_(&[zero]);
    })?;
    Ok((id, total + size))
}

fn lower_writer(
    b: &mut FunctionBuilder,
    helper: FuncRef,
    prog: &Program,
    ops: std::ops::Range<usize>,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (env, fields, buf) =
        (b.block_params(entry)[0], b.block_params(entry)[1], b.block_params(entry)[2]);
    let v = WriterVars {
        ptr: b.declare_var(PTR),
        len: b.declare_var(PTR),
        cap: b.declare_var(PTR),
        max: b.declare_var(PTR),
    };
    let reload = |b: &mut FunctionBuilder, v: &WriterVars| {
        let p = b.ins().load(PTR, trusted(), buf, BUF_PTR_OFFSET as i32);
        let l = b.ins().load(PTR, trusted(), buf, BUF_LEN_OFFSET as i32);
        let c = b.ins().load(PTR, trusted(), buf, BUF_CAP_OFFSET as i32);
        b.def_var(v.ptr, p);
        b.def_var(v.len, l);
        b.def_var(v.cap, c);
    };
    reload(b, &v);
    let m = b.ins().load(PTR, trusted(), buf, BUF_MAX_OFFSET as i32);
    b.def_var(v.max, m);

    // Calls the interpreter for op `i`; on error returns its code, else reloads and continues.
    let call_op =
        |b: &mut FunctionBuilder, v: &WriterVars, i: usize, next: cranelift_codegen::ir::Block| {
            let len = b.use_var(v.len);
            b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
            let opi = b.ins().iconst(types::I32, i as i64);
            let call = b.ins().call(helper, &[env, buf, opi]);
            let code = b.inst_results(call)[0];
            let fail = b.create_block();
            let ok = b.create_block();
            b.ins().brif(code, fail, &[], ok, &[]);
            b.switch_to_block(fail);
            b.ins().return_(&[code]);
            b.switch_to_block(ok);
            reload(b, v);
            b.ins().jump(next, &[]);
        };
    let put_byte = |b: &mut FunctionBuilder, v: &WriterVars, byte: Val| {
        let p = b.use_var(v.ptr);
        let l = b.use_var(v.len);
        let at = b.ins().iadd(p, l);
        b.ins().istore8(bytes(), byte, at, 0);
        let l2 = b.ins().iadd_imm_s(l, 1);
        b.def_var(v.len, l2);
    };

    for (i, op) in prog.write.iter().enumerate().take(ops.end).skip(ops.start) {
        let next = b.create_block();
        match op {
            WriteOp::Reserve { bytes: n } => {
                let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                let room = b.ins().isub(cap, len);
                let has_room =
                    b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, *n as i64);
                let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                let ok = b.ins().band(has_room, in_limit);
                let slow = b.create_block();
                b.ins().brif(ok, next, &[], slow, &[]);
                b.switch_to_block(slow);
                call_op(b, &v, i, next);
            }
            WriteOp::PutHash(h) => {
                let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
                let at = b.ins().iadd(p, l);
                let hv = b.ins().iconst(types::I32, *h as i32 as i64);
                b.ins().store(bytes(), hv, at, 0);
                let l2 = b.ins().iadd_imm_s(l, 4);
                b.def_var(v.len, l2);
                b.ins().jump(next, &[]);
            }
            WriteOp::PutScalar { field, scalar } | WriteOp::PutNullableScalar { field, scalar } => {
                let nullable = matches!(op, WriteOp::PutNullableScalar { .. });
                let slow = b.create_block();
                if !inline_scalar(*scalar) {
                    b.ins().jump(slow, &[]);
                    b.switch_to_block(slow);
                    call_op(b, &v, i, next);
                    b.switch_to_block(next);
                    continue;
                }
                let addr = b.ins().iadd_imm_s(fields, field.0 as i64 * VALUE_SIZE as i64);
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let value_block = b.create_block();
                if nullable {
                    let null_block = b.create_block();
                    let not_null = b.create_block();
                    let is_null = b.ins().icmp_imm_s(IntCC::Equal, t, tag::NULL as i64);
                    b.ins().brif(is_null, null_block, &[], not_null, &[]);
                    b.switch_to_block(null_block);
                    let fd = b.ins().iconst(types::I32, flag::NULL as i64);
                    put_byte(b, &v, fd);
                    b.ins().jump(next, &[]);
                    b.switch_to_block(not_null);
                    let matches = b.ins().icmp_imm_s(IntCC::Equal, t, scalar.value_tag() as i64);
                    let flagged = b.create_block();
                    b.ins().brif(matches, flagged, &[], slow, &[]);
                    b.switch_to_block(flagged);
                    let ff = b.ins().iconst(types::I32, flag::NOT_NULL as i64);
                    put_byte(b, &v, ff);
                    b.ins().jump(value_block, &[]);
                } else {
                    let matches = b.ins().icmp_imm_s(IntCC::Equal, t, scalar.value_tag() as i64);
                    b.ins().brif(matches, value_block, &[], slow, &[]);
                }
                b.switch_to_block(value_block);
                emit_put_scalar(b, &v, *scalar, addr, next);
                b.switch_to_block(slow);
                call_op(b, &v, i, next);
            }
            WriteOp::PutField { .. } => {
                call_op(b, &v, i, next);
            }
        }
        b.switch_to_block(next);
    }
    let len = b.use_var(v.len);
    b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[zero]);
}

/// Encodes the scalar payload at `addr + 8` (capacity reserved), then jumps to `next`.
fn emit_put_scalar(
    b: &mut FunctionBuilder,
    v: &WriterVars,
    s: Scalar,
    addr: Val,
    next: cranelift_codegen::ir::Block,
) {
    let payload = VALUE_PAYLOAD_OFFSET as i32;
    if let Some((width, ty)) = fixed_ty(s) {
        let x = b.ins().load(ty, trusted(), addr, payload);
        let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
        let at = b.ins().iadd(p, l);
        b.ins().store(bytes(), x, at, 0);
        let l2 = b.ins().iadd_imm_s(l, width as i64);
        b.def_var(v.len, l2);
        b.ins().jump(next, &[]);
        return;
    }
    // Varints: the value as an unsigned 64-bit integer, zigzagged for signed kinds.
    let (u, is64) = match s {
        Scalar::VarI32 => {
            let x = b.ins().load(types::I32, trusted(), addr, payload);
            let sh = b.ins().ishl_imm_u(x, 1);
            let sign = b.ins().sshr_imm_u(x, 31);
            let z = b.ins().bxor(sh, sign);
            (b.ins().uextend(types::I64, z), false)
        }
        Scalar::VarU32 => {
            let x = b.ins().load(types::I32, trusted(), addr, payload);
            (b.ins().uextend(types::I64, x), false)
        }
        Scalar::VarI64 => {
            let x = b.ins().load(types::I64, trusted(), addr, payload);
            let sh = b.ins().ishl_imm_u(x, 1);
            let sign = b.ins().sshr_imm_u(x, 63);
            (b.ins().bxor(sh, sign), true)
        }
        _ => (b.ins().load(types::I64, trusted(), addr, payload), true),
    };
    // loop: while v >= 0x80 (and fewer than 8 bytes for the 9-byte PVL form) emit 7 bits.
    let val = b.declare_var(types::I64);
    let count = b.declare_var(types::I64);
    b.def_var(val, u);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(count, zero);
    let head = b.create_block();
    let more = b.create_block();
    let last = b.create_block();
    b.ins().jump(head, &[]);
    b.switch_to_block(head);
    let x = b.use_var(val);
    let small = b.ins().icmp_imm_s(IntCC::UnsignedLessThan, x, 0x80);
    if is64 {
        let c = b.use_var(count);
        let ninth = b.ins().icmp_imm_s(IntCC::Equal, c, 8);
        let stop = b.ins().bor(small, ninth);
        b.ins().brif(stop, last, &[], more, &[]);
    } else {
        b.ins().brif(small, last, &[], more, &[]);
    }
    b.switch_to_block(more);
    let x = b.use_var(val);
    let low = b.ins().bor_imm_u(x, 0x80);
    let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
    let at = b.ins().iadd(p, l);
    b.ins().istore8(bytes(), low, at, 0);
    let l2 = b.ins().iadd_imm_s(l, 1);
    b.def_var(v.len, l2);
    let shifted = b.ins().ushr_imm_u(x, 7);
    b.def_var(val, shifted);
    let c = b.use_var(count);
    let c2 = b.ins().iadd_imm_s(c, 1);
    b.def_var(count, c2);
    b.ins().jump(head, &[]);
    b.switch_to_block(last);
    let x = b.use_var(val);
    let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
    let at = b.ins().iadd(p, l);
    b.ins().istore8(bytes(), x, at, 0);
    let l2 = b.ins().iadd_imm_s(l, 1);
    b.def_var(v.len, l2);
    b.ins().jump(next, &[]);
}

pub(crate) fn define_reader(
    module: &mut JITModule,
    prog: &Program,
) -> Result<(FuncId, usize), JitError> {
    let sig = entry_sig(module, 5);
    let name = format!("fj_read_{}", prog.ty.0);
    define_split(module, &name, sig, READ_OP_SYMBOL, prog.read.len(), |b, helper, ops| {
        lower_reader(b, helper, prog, ops)
    })
}

fn lower_reader(
    b: &mut FunctionBuilder,
    helper: FuncRef,
    prog: &Program,
    ops: std::ops::Range<usize>,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (env, data, end, pos_ptr, fields) = (params[0], params[1], params[2], params[3], params[4]);
    let pos = b.declare_var(PTR);
    let p0 = b.ins().load(PTR, trusted(), pos_ptr, 0);
    b.def_var(pos, p0);

    // Calls the interpreter for op `i` starting at position `at`; returns its error code, or
    // reloads the position and continues at `next`.
    let call_op =
        |b: &mut FunctionBuilder, i: usize, at: Val, next: cranelift_codegen::ir::Block| {
            b.ins().store(trusted(), at, pos_ptr, 0);
            let opi = b.ins().iconst(types::I32, i as i64);
            let call = b.ins().call(helper, &[env, pos_ptr, opi]);
            let code = b.inst_results(call)[0];
            let fail = b.create_block();
            let ok = b.create_block();
            b.ins().brif(code, fail, &[], ok, &[]);
            b.switch_to_block(fail);
            b.ins().return_(&[code]);
            b.switch_to_block(ok);
            let p = b.ins().load(PTR, trusted(), pos_ptr, 0);
            b.def_var(pos, p);
            b.ins().jump(next, &[]);
        };
    let store_slot = |b: &mut FunctionBuilder, field: u32, t: u8, x: Val| {
        let slot = b.ins().iadd_imm_s(fields, field as i64 * VALUE_SIZE as i64);
        let tv = b.ins().iconst(types::I8, t as i64);
        b.ins().store(trusted(), tv, slot, VALUE_TAG_OFFSET as i32);
        b.ins().store(trusted(), x, slot, VALUE_PAYLOAD_OFFSET as i32);
    };

    for (i, op) in prog.read.iter().enumerate().take(ops.end).skip(ops.start) {
        let next = b.create_block();
        match op {
            ReadOp::Ensure { bytes: n, .. } => {
                let p = b.use_var(pos);
                let avail = b.ins().isub(end, p);
                let ok = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, avail, *n as i64);
                let slow = b.create_block();
                b.ins().brif(ok, next, &[], slow, &[]);
                b.switch_to_block(slow);
                let p = b.use_var(pos);
                call_op(b, i, p, next);
            }
            ReadOp::CheckHash(h) => {
                let p = b.use_var(pos);
                let at = b.ins().iadd(data, p);
                let found = b.ins().load(types::I32, bytes(), at, 0);
                let same = b.ins().icmp_imm_s(IntCC::Equal, found, *h as i32 as i64);
                let fast = b.create_block();
                let slow = b.create_block();
                b.ins().brif(same, fast, &[], slow, &[]);
                b.switch_to_block(fast);
                let p2 = b.ins().iadd_imm_s(p, 4);
                b.def_var(pos, p2);
                b.ins().jump(next, &[]);
                b.switch_to_block(slow);
                call_op(b, i, p, next);
            }
            ReadOp::GetScalar { field, scalar } => {
                if let Some((width, ty)) = fixed_ty(*scalar) {
                    let p = b.use_var(pos);
                    let at = b.ins().iadd(data, p);
                    let mut x = b.ins().load(ty, bytes(), at, 0);
                    if *scalar == Scalar::Bool {
                        // `icmp` yields an i8 of 0 or 1: a valid Rust `bool`.
                        x = b.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
                    }
                    store_slot(b, field.0, scalar.value_tag(), x);
                    let p2 = b.ins().iadd_imm_s(p, width as i64);
                    b.def_var(pos, p2);
                    b.ins().jump(next, &[]);
                } else if inline_scalar(*scalar) {
                    emit_get_varint(
                        b,
                        pos,
                        data,
                        end,
                        *scalar,
                        field.0,
                        next,
                        &store_slot,
                        &call_op,
                        i,
                    );
                } else {
                    let p = b.use_var(pos);
                    call_op(b, i, p, next);
                }
            }
            ReadOp::GetNullableScalar { .. }
            | ReadOp::GetField { .. }
            | ReadOp::Skip { .. }
            | ReadOp::FillDefaults => {
                let p = b.use_var(pos);
                call_op(b, i, p, next);
            }
        }
        b.switch_to_block(next);
    }
    let p = b.use_var(pos);
    b.ins().store(trusted(), p, pos_ptr, 0);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[zero]);
}

/// Reads a varint with a bounds check per byte. Any failure (end of input, a 5th byte with a
/// continuation bit for 32-bit kinds) hands the op to the interpreter from the varint's start,
/// which reports exactly the error it reports on its own.
#[allow(clippy::too_many_arguments)]
fn emit_get_varint(
    b: &mut FunctionBuilder,
    pos: Variable,
    data: Val,
    end: Val,
    s: Scalar,
    field: u32,
    next: cranelift_codegen::ir::Block,
    store_slot: &dyn Fn(&mut FunctionBuilder, u32, u8, Val),
    call_op: &dyn Fn(&mut FunctionBuilder, usize, Val, cranelift_codegen::ir::Block),
    op_index: usize,
) {
    let is64 = matches!(s, Scalar::VarI64 | Scalar::VarU64);
    let start = b.use_var(pos);
    let result = b.declare_var(types::I64);
    let count = b.declare_var(types::I64);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(result, zero);
    b.def_var(count, zero);
    let head = b.create_block();
    let have = b.create_block();
    let cont = b.create_block();
    let done = b.create_block();
    let fail = b.create_block();
    b.ins().jump(head, &[]);

    b.switch_to_block(head);
    let p = b.use_var(pos);
    let in_bounds = b.ins().icmp(IntCC::UnsignedLessThan, p, end);
    b.ins().brif(in_bounds, have, &[], fail, &[]);

    b.switch_to_block(have);
    let p = b.use_var(pos);
    let at = b.ins().iadd(data, p);
    let byte = b.ins().uload8(types::I64, bytes(), at, 0);
    let p2 = b.ins().iadd_imm_s(p, 1);
    b.def_var(pos, p2);
    let c = b.use_var(count);
    let r = b.use_var(result);
    if is64 {
        // The 9th byte carries 8 bits whole.
        let ninth_block = b.create_block();
        let normal = b.create_block();
        let ninth = b.ins().icmp_imm_s(IntCC::Equal, c, 8);
        b.ins().brif(ninth, ninth_block, &[], normal, &[]);
        b.switch_to_block(ninth_block);
        let sh = b.ins().ishl_imm_u(byte, 56);
        let r2 = b.ins().bor(r, sh);
        b.def_var(result, r2);
        b.ins().jump(done, &[]);
        b.switch_to_block(normal);
    }
    let c = b.use_var(count);
    let r = b.use_var(result);
    let bits = b.ins().band_imm_u(byte, 0x7f);
    let shift = b.ins().imul_imm_s(c, 7);
    let part = b.ins().ishl(bits, shift);
    let r2 = b.ins().bor(r, part);
    b.def_var(result, r2);
    let c2 = b.ins().iadd_imm_s(c, 1);
    b.def_var(count, c2);
    let more = b.ins().band_imm_u(byte, 0x80);
    b.ins().brif(more, cont, &[], done, &[]);

    b.switch_to_block(cont);
    if !is64 {
        // A 5th byte with a continuation bit is malformed.
        let c = b.use_var(count);
        let too_long = b.ins().icmp_imm_s(IntCC::Equal, c, 5);
        b.ins().brif(too_long, fail, &[], head, &[]);
    } else {
        b.ins().jump(head, &[]);
    }

    b.switch_to_block(done);
    let r = b.use_var(result);
    let (x, t) = match s {
        Scalar::VarI32 => {
            let r32 = b.ins().ireduce(types::I32, r);
            let half = b.ins().ushr_imm_u(r32, 1);
            let low = b.ins().band_imm_u(r32, 1);
            let neg = b.ins().ineg(low);
            (b.ins().bxor(half, neg), tag::INT32)
        }
        Scalar::VarU32 => (b.ins().ireduce(types::I32, r), tag::UINT32),
        Scalar::VarI64 => {
            let half = b.ins().ushr_imm_u(r, 1);
            let low = b.ins().band_imm_u(r, 1);
            let neg = b.ins().ineg(low);
            (b.ins().bxor(half, neg), tag::INT64)
        }
        _ => (r, tag::UINT64),
    };
    store_slot(b, field, t, x);
    b.ins().jump(next, &[]);

    b.switch_to_block(fail);
    call_op(b, op_index, start, next);
}
