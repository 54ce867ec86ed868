//! IR → Cranelift IR.

use crate::{ChildLink, JitError, Resolved};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, Endianness, FuncRef, InstBuilder, MemFlagsData, SigRef, Signature,
    StackSlot, StackSlotData, StackSlotKind, UserFuncName, Value as Val,
};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};
use foryjit_abi::layout::{
    BUF_CAP_OFFSET, BUF_LEN_OFFSET, BUF_MAX_OFFSET, BUF_PTR_OFFSET, ENUM_TY_OFFSET,
    ENUM_VALUE_OFFSET, RVEC_LEN_OFFSET, RVEC_PTR_OFFSET, STRUCT_TY_OFFSET, VALUE_PAYLOAD_OFFSET,
    VALUE_SIZE, VALUE_TAG_OFFSET,
};
use foryjit_abi::{
    AbiFn, AbiKind, Helper, InlineRules, ReadEntry, Status, WriteEntry, CTX, READ_ENV,
    READ_ENV_DATA, READ_ENV_DATA_LEN, WRITE_ENV,
};
use foryjit_ir::{Codec, Program, ReadOp, Scalar, WriteOp};
use foryjit_wire::type_id::flag;
use foryjit_wire::value::tag;
use foryjit_wire::TypeIdx;
use std::collections::HashMap;

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

/// The Cranelift signature of an ABI signature (`foryjit_abi`, derived from the Rust types).
fn abi_sig(module: &JITModule, sig: foryjit_abi::Signature) -> Signature {
    let ty = |k: AbiKind| match k {
        AbiKind::Ptr => PTR,
        AbiKind::I32 => types::I32,
        AbiKind::I64 => types::I64,
    };
    let mut out = module.make_signature();
    out.params.extend(sig.params.iter().map(|&k| AbiParam::new(ty(k))));
    out.returns.push(AbiParam::new(ty(sig.ret)));
    out
}

/// A status code as a constant.
fn status(b: &mut FunctionBuilder, s: Status) -> Val {
    b.ins().iconst(types::I32, i64::from(s.0))
}

/// A function whose Cranelift IR is built and whose machine code is not generated yet: code
/// generation of independent functions runs in parallel (see `Compiler::compile`).
pub(crate) struct PendingFn {
    pub id: FuncId,
    pub ctx: Context,
}

fn define(
    module: &mut JITModule,
    id: FuncId,
    sig: Signature,
    helpers: &[Helper],
    callees: &[FuncId],
    body: impl FnOnce(&mut FunctionBuilder, &[FuncRef], &[FuncRef]),
) -> Result<PendingFn, JitError> {
    let cg = |e: &dyn std::fmt::Display| JitError::Codegen(e.to_string());
    let mut hids = Vec::with_capacity(helpers.len());
    for &h in helpers {
        let sig = abi_sig(module, h.signature());
        let id = module.declare_function(h.symbol(), Linkage::Import, &sig).map_err(|e| cg(&e))?;
        hids.push(id);
    }
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let hrefs: Vec<FuncRef> =
            hids.iter().map(|&h| module.declare_func_in_func(h, b.func)).collect();
        let crefs: Vec<FuncRef> =
            callees.iter().map(|&c| module.declare_func_in_func(c, b.func)).collect();
        body(&mut b, &hrefs, &crefs);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    Ok(PendingFn { id, ctx })
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

/// The value tag and element width of a string, binary or dense-array codec whose bytes
/// compiled code copies as they are in the `Value` (arrays: elements in host order, so only on
/// little-endian hosts); `None` for any other codec.
fn inline_blob(codec: &Codec) -> Option<(u8, u32)> {
    use foryjit_schema::ArrayElem as E;
    use foryjit_wire::{RVec, Value};
    let array = |v: Value, e: E| Some((v.tag(), e.width()));
    match codec {
        Codec::String => Some((tag::STRING, 1)),
        Codec::Binary => Some((tag::BINARY, 1)),
        Codec::Array(_) if cfg!(target_endian = "big") => None,
        Codec::Array(e) => match e {
            E::Bool => array(Value::BoolArray(RVec::default()), *e),
            E::Int8 => array(Value::Int8Array(RVec::default()), *e),
            E::Int16 => array(Value::Int16Array(RVec::default()), *e),
            E::Int32 => array(Value::Int32Array(RVec::default()), *e),
            E::Int64 => array(Value::Int64Array(RVec::default()), *e),
            E::UInt8 => array(Value::UInt8Array(RVec::default()), *e),
            E::UInt16 => array(Value::UInt16Array(RVec::default()), *e),
            E::UInt32 => array(Value::UInt32Array(RVec::default()), *e),
            E::UInt64 => array(Value::UInt64Array(RVec::default()), *e),
            E::Float16 => array(Value::Float16Array(RVec::default()), *e),
            E::BFloat16 => array(Value::BFloat16Array(RVec::default()), *e),
            E::Float32 => array(Value::Float32Array(RVec::default()), *e),
            E::Float64 => array(Value::Float64Array(RVec::default()), *e),
        },
        _ => None,
    }
}

/// For a list or set codec whose elements compiled code writes inline (strings, binary, dense
/// arrays, inline scalars): the collection's value tag, the element codec, and the header byte
/// the interpreter writes for elements of that codec with no null and no reference (see
/// `write_collection_head`: no type meta follows it for these codecs).
fn inline_elements(codec: &Codec) -> Option<(u8, &Codec, u8)> {
    let (kind, elem) = match codec {
        Codec::List(elem) => (tag::LIST, elem),
        Codec::Set(elem) => (tag::SET, elem),
        _ => return None,
    };
    let inline = match &elem.codec {
        Codec::Scalar(_) => true,
        c => inline_blob(c).is_some(),
    };
    let header = 0x08 | if elem.declared { 0x04 } else { 0 };
    inline.then_some((kind, &elem.codec, header))
}

/// Scalars compiled code decodes inline; tagged ones go through the callback. (Writes encode
/// every scalar inline.)
fn inline_scalar(s: Scalar) -> bool {
    !matches!(s, Scalar::TaggedI64 | Scalar::TaggedU64)
}

/// The writer's buffer state: `ptr`, `len`, `cap` and `max` of the `Buf` in SSA variables, plus a
/// compile-time offset `off` of bytes already stored at `ptr + len` but not yet added to `len`,
/// so that a run of fixed-width fields stores at constant offsets and bumps `len` once.
struct WriterVars {
    ptr: Variable,
    len: Variable,
    cap: Variable,
    max: Variable,
    off: i64,
}

impl WriterVars {
    /// Adds the pending offset to `len`.
    fn flush(&mut self, b: &mut FunctionBuilder) {
        if self.off != 0 {
            let l = b.use_var(self.len);
            let l2 = b.ins().iadd_imm_s(l, self.off);
            b.def_var(self.len, l2);
            self.off = 0;
        }
    }

    /// Stores `x` (`width` bytes) at the write position and advances it.
    fn put(&mut self, b: &mut FunctionBuilder, x: Val, width: u32) {
        let (p, l) = (b.use_var(self.ptr), b.use_var(self.len));
        let at = b.ins().iadd(p, l);
        if width == 1 && b.func.dfg.value_type(x) != types::I8 {
            b.ins().istore8(bytes(), x, at, self.off as i32);
        } else {
            b.ins().store(bytes(), x, at, self.off as i32);
        }
        self.off += i64::from(width);
    }
}

/// Branches on the code a direct helper returned: 0 goes on through `done`, 2 (declined,
/// nothing done) through `generic` (the generic callback, which reports the error if there is
/// one), anything else is returned through `ret`. Both paths meet in a new current block.
fn emit_direct_outcome<S>(
    b: &mut FunctionBuilder,
    state: &mut S,
    code: Val,
    ret: cranelift_codegen::ir::Block,
    generic: impl FnOnce(&mut FunctionBuilder, &mut S),
    done: impl FnOnce(&mut FunctionBuilder, &mut S),
) {
    let fallback = b.create_block();
    let next = b.create_block();
    branch_on_outcome(b, code, ret, fallback);
    done(b, state);
    b.ins().jump(next, &[]);
    b.switch_to_block(fallback);
    generic(b, state);
    b.ins().jump(next, &[]);
    b.switch_to_block(next);
}

/// Branches on the code a direct helper returned: 0 goes on in a new current block, 2
/// (declined, nothing done) to `declined`, anything else is returned through `ret`.
fn branch_on_outcome(
    b: &mut FunctionBuilder,
    code: Val,
    ret: cranelift_codegen::ir::Block,
    declined: cranelift_codegen::ir::Block,
) {
    let ok = b.create_block();
    let other = b.create_block();
    b.ins().brif(code, other, &[], ok, &[]);
    b.switch_to_block(other);
    let is_decline = b.ins().icmp_imm_s(IntCC::Equal, code, i64::from(Status::DECLINED.0));
    b.ins().brif(is_decline, declined, &[], ret, &[code.into()]);
    b.switch_to_block(ok);
}

/// A maximal group of consecutive non-nullable scalar writes compiled code encodes inline,
/// starting at op `start`: their tags are all checked before anything is written, so the
/// group has one branch to the failure exit.
fn inline_group(prog: &Program, start: usize, end: usize) -> usize {
    prog.write[start..end].iter().take_while(|op| matches!(op, WriteOp::PutScalar { .. })).count()
}

/// What one function of a compiled program is: a writer or reader body over a range of ops, or
/// the entry of a split program, which calls its chunks in order.
pub(crate) enum Body {
    Writer(std::ops::Range<usize>),
    Reader(std::ops::Range<usize>),
    Entry(Vec<FuncId>),
}

/// One function of a compiled program, declared in the module; its body is built later.
pub(crate) struct Plan {
    id: FuncId,
    sig: Signature,
    body: Body,
}

/// Declares every function of `prog` (writer, reader, their chunks) and returns the writer and
/// reader entry points and the plans, chunks before the entries that call them.
///
/// Splitting at any op boundary is sound: a run's reserved capacity or ensured bytes persist in
/// the buffer and the input across the call.
pub(crate) fn plan(
    module: &mut JITModule,
    prog: &Program,
    chunk_ops: usize,
) -> Result<(FuncId, FuncId, Vec<Plan>), JitError> {
    let mut plans = Vec::new();
    let write = plan_split(
        module,
        &mut plans,
        &format!("fj_write_{}", prog.ty.0),
        <WriteEntry as AbiFn>::SIGNATURE,
        prog.write.len(),
        chunk_ops,
        Body::Writer,
    )?;
    let read = plan_split(
        module,
        &mut plans,
        &format!("fj_read_{}", prog.ty.0),
        <ReadEntry as AbiFn>::SIGNATURE,
        prog.read.len(),
        chunk_ops,
        Body::Reader,
    )?;
    Ok((write, read, plans))
}

fn plan_split(
    module: &mut JITModule,
    plans: &mut Vec<Plan>,
    name: &str,
    entry: foryjit_abi::Signature,
    n_ops: usize,
    chunk_ops: usize,
    body: fn(std::ops::Range<usize>) -> Body,
) -> Result<FuncId, JitError> {
    let sig = abi_sig(module, entry);
    let declare = |module: &mut JITModule, name: &str| {
        module
            .declare_function(name, Linkage::Local, &sig)
            .map_err(|e| JitError::Codegen(e.to_string()))
    };
    if n_ops <= chunk_ops {
        let id = declare(module, name)?;
        plans.push(Plan { id, sig: sig.clone(), body: body(0..n_ops) });
        return Ok(id);
    }
    let mut chunks = Vec::new();
    for (k, start) in (0..n_ops).step_by(chunk_ops).enumerate() {
        let id = declare(module, &format!("{name}_{k}"))?;
        let range = start..(start + chunk_ops).min(n_ops);
        plans.push(Plan { id, sig: sig.clone(), body: body(range) });
        chunks.push(id);
    }
    let id = declare(module, name)?;
    plans.push(Plan { id, sig: sig.clone(), body: Body::Entry(chunks) });
    Ok(id)
}

/// Builds the Cranelift IR of one planned function.
pub(crate) fn build(
    module: &mut JITModule,
    prog: &Program,
    links: &Resolved,
    plan: &Plan,
) -> Result<PendingFn, JitError> {
    let sig = plan.sig.clone();
    match &plan.body {
        Body::Writer(ops) => {
            let helpers = [
                Helper::WriteOp,
                Helper::WriteBlob,
                Helper::WriteNestedFailed,
                Helper::WriteListHead,
                Helper::WriteStructHead,
                Helper::CopyBytes,
                Helper::IsAscii,
            ];
            let child_sig = abi_sig(module, <WriteEntry as AbiFn>::SIGNATURE);
            define(module, plan.id, sig, &helpers, &[], |b, h, _| {
                let nested = Nested::new(b, &links.children, child_sig, h[2]);
                let helpers = [h[0], h[1], h[3], h[4], h[5], h[6]];
                lower_writer(b, helpers, nested, &links.enums, prog, ops.clone())
            })
        }
        Body::Reader(ops) => {
            let helpers = [
                Helper::ReadOp,
                Helper::ReadVarint,
                Helper::ReadField,
                Helper::ReadNestedAlloc,
                Helper::ReadNestedFailed,
            ];
            let child_sig = abi_sig(module, <ReadEntry as AbiFn>::SIGNATURE);
            define(module, plan.id, sig, &helpers, &[], |b, h, _| {
                let nested = Nested::new(b, &links.children, child_sig, h[4]);
                let enums = &links.enums;
                lower_reader(b, h[0], h[1], h[2], h[3], nested, enums, prog, ops.clone())
            })
        }
        Body::Entry(chunks) => define(module, plan.id, sig, &[], chunks, |b, _, crefs| {
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let args = b.block_params(entry).to_vec();
            let fail = b.create_block();
            b.append_block_param(fail, types::I32);
            for &c in crefs {
                let call = b.ins().call(c, &args);
                let code = b.inst_results(call)[0];
                let next = b.create_block();
                b.ins().brif(code, fail, &[code.into()], next, &[]);
                b.switch_to_block(next);
            }
            let ok = status(b, Status::OK);
            b.ins().return_(&[ok]);
            b.switch_to_block(fail);
            let code = b.block_params(fail)[0];
            b.ins().return_(&[code]);
        }),
    }
}

/// The link of a list's element type, when its elements are structs whose compiled writer
/// compiled code calls directly.
fn list_child(nested: &Nested, elem: &foryjit_ir::ElemCodec) -> Option<ChildLink> {
    match elem.codec {
        // Struct elements carry their type meta once, in the head; each body is plain.
        Codec::Struct { ty, .. } if !elem.declared => nested.links.get(&ty).copied(),
        _ => None,
    }
}

/// Direct calls of nested structs' compiled code: the children's links, the signature their
/// entry points are called with, the helper that takes a failed child's error, and the child
/// environment's place on this function's stack (made when first needed, shared by every call).
struct Nested<'l> {
    links: &'l HashMap<TypeIdx, ChildLink>,
    sig: SigRef,
    failed: FuncRef,
    env_slot: Option<StackSlot>,
}

impl<'l> Nested<'l> {
    fn new(
        b: &mut FunctionBuilder,
        links: &'l HashMap<TypeIdx, ChildLink>,
        sig: Signature,
        failed: FuncRef,
    ) -> Self {
        Nested { links, sig: b.import_signature(sig), failed, env_slot: None }
    }

    /// The address of the child environment of a writer (`reader` false) or reader, with its
    /// field count (`link`'s) and an empty error cell stored; the rest is the caller's.
    fn env_for(&mut self, b: &mut FunctionBuilder, link: &ChildLink, reader: bool) -> Val {
        let layout = if reader { READ_ENV } else { WRITE_ENV };
        let (size, count_at, error_at) = (layout.size, layout.field_count, layout.error);
        let slot = *self.env_slot.get_or_insert_with(|| {
            b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                size as u32,
                3,
            ))
        });
        let env = b.ins().stack_addr(PTR, slot, 0);
        let count = b.ins().iconst(PTR, i64::from(link.field_count));
        b.ins().store(trusted(), count, env, count_at as i32);
        let none = b.ins().iconst(PTR, 0);
        b.ins().store(trusted(), none, env, error_at as i32);
        env
    }

    /// Loads the child's entry point from `slot` and the context's depth: returns the entry
    /// point, the context, the depth and whether the call may go ahead (compiled code in the
    /// slot, and one more level within the depth limit — else the interpreter does the op and
    /// reports what it reports).
    fn prepare(&self, b: &mut FunctionBuilder, env: Val, slot: *const ()) -> [Val; 4] {
        let slot = b.ins().iconst(PTR, slot as i64);
        let f = b.ins().atomic_load(PTR, trusted(), slot);
        let compiled = b.ins().icmp_imm_s(IntCC::NotEqual, f, 0);
        let ctx = b.ins().load(PTR, trusted(), env, WRITE_ENV.ctx as i32);
        let depth = b.ins().load(types::I32, trusted(), ctx, CTX.depth as i32);
        let max = b.ins().load(types::I32, trusted(), ctx, CTX.max_depth as i32);
        let room = b.ins().icmp(IntCC::UnsignedLessThan, depth, max);
        let go = b.ins().band(compiled, room);
        [f, ctx, depth, go]
    }

    /// Calls the child's entry point `f` with `args` after `env_args` (the child environment,
    /// whose common part — context, program — is stored here) with the depth one higher, then
    /// restores the depth. A failure goes to `ret` with the code the `failed` helper returns
    /// (having moved the child's error into `env`, named by op `op` and, when `elem` (an `i32`)
    /// is not 0, by element `elem - 1`); success goes on in a new block.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        b: &mut FunctionBuilder,
        [f, ctx, depth, _]: [Val; 4],
        env: Val,
        child_env: Val,
        link: &ChildLink,
        args: &[Val],
        (op, elem): (usize, Val),
        ret: Block,
    ) {
        b.ins().store(trusted(), ctx, child_env, WRITE_ENV.ctx as i32);
        let prog = b.ins().iconst(PTR, link.program as i64);
        b.ins().store(trusted(), prog, child_env, WRITE_ENV.prog as i32);
        let deeper = b.ins().iadd_imm_s(depth, 1);
        b.ins().store(trusted(), deeper, ctx, CTX.depth as i32);
        let mut all = vec![child_env];
        all.extend_from_slice(args);
        let call = b.ins().call_indirect(self.sig, f, &all);
        let code = b.inst_results(call)[0];
        b.ins().store(trusted(), depth, ctx, CTX.depth as i32);
        let failed = b.create_block();
        let ok = b.create_block();
        b.ins().brif(code, failed, &[], ok, &[]);
        b.switch_to_block(failed);
        let opi = b.ins().iconst(types::I32, op as i64);
        let call = b.ins().call(self.failed, &[env, child_env, opi, elem]);
        let code = b.inst_results(call)[0];
        b.ins().jump(ret, &[code.into()]);
        b.switch_to_block(ok);
    }
}

fn lower_writer(
    b: &mut FunctionBuilder,
    [helper, blob, list_head, struct_head, copy_bytes, is_ascii]: [FuncRef; 6],
    mut nested: Nested,
    enums: &HashMap<TypeIdx, u32>,
    prog: &Program,
    ops: std::ops::Range<usize>,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (env, fields, buf) =
        (b.block_params(entry)[0], b.block_params(entry)[1], b.block_params(entry)[2]);
    let mut v = WriterVars {
        ptr: b.declare_var(PTR),
        len: b.declare_var(PTR),
        cap: b.declare_var(PTR),
        max: b.declare_var(PTR),
        off: 0,
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

    // Two exits shared by every op of the function, so that each op adds as few blocks as
    // possible (Cranelift's compile time grows with blocks and instructions):
    // `ret(code)` returns a callback's nonzero code, and `fail(op, count, len)` hands ops
    // `op..op + count` that must fail (one of them holds a value of the wrong kind) to the
    // interpreter, which writes the ones before it exactly as compiled code does and reports
    // the error exactly as it does on its own; then returns its code (1 should the callback
    // ever succeed).
    let ret = b.create_block();
    b.append_block_param(ret, types::I32);
    let fail = b.create_block();
    b.append_block_param(fail, types::I32);
    b.append_block_param(fail, types::I32);
    b.append_block_param(fail, PTR);

    // Calls the interpreter for op `i`; on error returns its code, else reloads and goes on in
    // a new block.
    let call_op = |b: &mut FunctionBuilder, v: &mut WriterVars, i: usize| {
        v.flush(b);
        let len = b.use_var(v.len);
        b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
        let opi = b.ins().iconst(types::I32, i as i64);
        let one = b.ins().iconst(types::I32, 1);
        let call = b.ins().call(helper, &[env, buf, opi, one]);
        let code = b.inst_results(call)[0];
        let ok = b.create_block();
        b.ins().brif(code, ret, &[code.into()], ok, &[]);
        b.switch_to_block(ok);
        reload(b, v);
    };
    // Calls a direct helper for op `i`; when it declines (2, nothing written) the generic
    // callback does the op, and reports the error if there is one.
    let direct = |b: &mut FunctionBuilder, v: &mut WriterVars, helper: FuncRef, i: usize| {
        v.flush(b);
        let len = b.use_var(v.len);
        b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
        let opi = b.ins().iconst(types::I32, i as i64);
        let one = b.ins().iconst(types::I32, 1);
        let call = b.ins().call(helper, &[env, buf, opi, one]);
        let code = b.inst_results(call)[0];
        emit_direct_outcome(b, v, code, ret, |b, v| call_op(b, v, i), |b, v| reload(b, v));
    };
    // Calls a head helper (`fj_write_list_head`, `fj_write_struct_head`) for op
    // `i`, whose child has `field_count` fields: when it wrote (0), reloads the buffer and goes
    // on in a new block; when it declined (2), goes to `generic`; else returns its code.
    let call_head = |b: &mut FunctionBuilder,
                     v: &mut WriterVars,
                     helper: FuncRef,
                     i: usize,
                     field_count: u32,
                     generic: Block| {
        v.flush(b);
        let len = b.use_var(v.len);
        b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
        let opi = b.ins().iconst(types::I32, i as i64);
        let fc = b.ins().iconst(types::I32, i64::from(field_count));
        let call = b.ins().call(helper, &[env, buf, opi, fc]);
        let code = b.inst_results(call)[0];
        branch_on_outcome(b, code, ret, generic);
        reload(b, v);
    };
    // Goes on in a new block when `cond` holds, else to the failure exit for ops
    // `i..i + count`.
    let or_fail =
        |b: &mut FunctionBuilder, v: &mut WriterVars, cond: Val, i: usize, count: usize| {
            v.flush(b);
            let opi = b.ins().iconst(types::I32, i as i64);
            let n = b.ins().iconst(types::I32, count as i64);
            let len = b.use_var(v.len);
            let then = b.create_block();
            b.ins().brif(cond, then, &[], fail, &[opi.into(), n.into(), len.into()]);
            b.switch_to_block(then);
        };
    let field_addr = |b: &mut FunctionBuilder, field: u32| {
        b.ins().iadd_imm_s(fields, i64::from(field) * VALUE_SIZE as i64)
    };

    let mut i = ops.start;
    while i < ops.end {
        let op = &prog.write[i];
        let group = inline_group(prog, i, ops.end);
        match op {
            WriteOp::Reserve { bytes: n } => {
                v.flush(b);
                let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                let room = b.ins().isub(cap, len);
                let has_room =
                    b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, *n as i64);
                let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                let ok = b.ins().band(has_room, in_limit);
                let slow = b.create_block();
                let next = b.create_block();
                b.ins().brif(ok, next, &[], slow, &[]);
                b.switch_to_block(slow);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutHash(h) => {
                let hv = b.ins().iconst(types::I32, *h as i32 as i64);
                v.put(b, hv, 4);
            }
            WriteOp::PutScalar { .. } if group > 0 => {
                let count = group;
                let group = &prog.write[i..i + count];
                // Every tag first, one branch; then the stores.
                let mut all = None;
                for op in group {
                    let WriteOp::PutScalar { field, scalar } = op else { continue };
                    let addr = field_addr(b, field.0);
                    let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                    let same = b.ins().icmp_imm_s(IntCC::Equal, t, scalar.value_tag() as i64);
                    all = Some(match all {
                        Some(a) => b.ins().band(a, same),
                        None => same,
                    });
                }
                if let Some(all) = all {
                    or_fail(b, &mut v, all, i, count);
                }
                for op in group {
                    let WriteOp::PutScalar { field, scalar } = op else { continue };
                    let addr = field_addr(b, field.0);
                    emit_put_scalar(b, &mut v, *scalar, addr);
                }
                i += count;
                continue;
            }
            WriteOp::PutNullableScalar { field, scalar } => {
                let addr = field_addr(b, field.0);
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let null_block = b.create_block();
                let not_null = b.create_block();
                let next = b.create_block();
                let is_null = b.ins().icmp_imm_s(IntCC::Equal, t, tag::NULL as i64);
                v.flush(b);
                b.ins().brif(is_null, null_block, &[], not_null, &[]);
                b.switch_to_block(null_block);
                let fd = b.ins().iconst(types::I32, flag::NULL as i64);
                v.put(b, fd, 1);
                v.flush(b);
                b.ins().jump(next, &[]);
                b.switch_to_block(not_null);
                // Graph mode: a reference (a tracked scalar) is the interpreter's.
                let tracked = b.create_block();
                let plain = b.create_block();
                let is_ref = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::REF));
                b.ins().brif(is_ref, tracked, &[], plain, &[]);
                b.switch_to_block(tracked);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(plain);
                let matches = b.ins().icmp_imm_s(IntCC::Equal, t, scalar.value_tag() as i64);
                or_fail(b, &mut v, matches, i, 1);
                let ff = b.ins().iconst(types::I32, flag::NOT_NULL as i64);
                v.put(b, ff, 1);
                emit_put_scalar(b, &mut v, *scalar, addr);
                v.flush(b);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutField { field, codec, nullable } if inline_blob(codec).is_some() => {
                // A string, binary or dense-array value inline: its flag when nullable, the
                // length header through the branchless varint, then the bytes
                // (`fj_copy_bytes`), when the value is of the field's kind, within the
                // context's length limit (a 32-bit header), and the room is there as the
                // interpreter's reserves would find it; a string when the policy writes it as
                // is (UTF-8, or ASCII as LATIN1 under the pyfory policy, asked of
                // `fj_is_ascii`). Anything else is the interpreter's: the direct blob helper,
                // or the generic callback.
                let flag_bytes = i64::from(*nullable);
                v.flush(b);
                let addr = field_addr(b, field.0);
                let generic = b.create_block();
                let next = b.create_block();
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                let room = b.ins().isub(cap, len);
                if *nullable {
                    // what `write_flagged` does for a null: room for its reserve, the flag
                    let null = b.create_block();
                    let write_null = b.create_block();
                    let present = b.create_block();
                    let is_null = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::NULL));
                    b.ins().brif(is_null, null, &[], present, &[]);
                    b.switch_to_block(null);
                    let flagged = i64::from(foryjit_ir::room::FLAGGED);
                    let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, flagged);
                    let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                    let ok = b.ins().band(has, in_limit);
                    b.ins().brif(ok, write_null, &[], generic, &[]);
                    b.switch_to_block(write_null);
                    let fd = b.ins().iconst(types::I32, i64::from(flag::NULL));
                    v.put(b, fd, 1);
                    v.flush(b);
                    b.ins().jump(next, &[]);
                    b.switch_to_block(present);
                }
                let helpers = [copy_bytes, is_ascii];
                emit_blob_body(b, &mut v, env, addr, t, codec, flag_bytes, helpers, generic);
                b.ins().jump(next, &[]);
                b.switch_to_block(generic);
                if *nullable {
                    call_op(b, &mut v, i);
                } else {
                    direct(b, &mut v, blob, i);
                }
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutField { codec: Codec::Array(_), nullable: false, .. } => {
                direct(b, &mut v, blob, i)
            }
            WriteOp::PutField { field, codec, nullable } if inline_elements(codec).is_some() => {
                // A list or set of strings, binary or inline scalars, whole: its flag when
                // nullable, the length, the header, then each element's body inline, when the
                // value is of the field's kind, within the length and depth limits, and the
                // room is there for the head; an element that cannot be written inline (another
                // kind, a null, a limit, growth) takes back everything written for the field
                // and hands it to the interpreter, which writes it from the same position.
                let Some((kind, elem, header)) = inline_elements(codec) else { unreachable!() };
                v.flush(b);
                let addr = field_addr(b, field.0);
                let start = b.use_var(v.len);
                let generic = b.create_block();
                let rollback = b.create_block();
                let next = b.create_block();
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                let room = b.ins().isub(cap, len);
                let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                if *nullable {
                    let null = b.create_block();
                    let write_null = b.create_block();
                    let present = b.create_block();
                    let is_null = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::NULL));
                    b.ins().brif(is_null, null, &[], present, &[]);
                    b.switch_to_block(null);
                    let flagged = i64::from(foryjit_ir::room::FLAGGED);
                    let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, flagged);
                    let ok = b.ins().band(has, in_limit);
                    b.ins().brif(ok, write_null, &[], generic, &[]);
                    b.switch_to_block(write_null);
                    let fd = b.ins().iconst(types::I32, i64::from(flag::NULL));
                    v.put(b, fd, 1);
                    v.flush(b);
                    b.ins().jump(next, &[]);
                    b.switch_to_block(present);
                }
                let check = b.create_block();
                let is_kind = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(kind));
                b.ins().brif(is_kind, check, &[], generic, &[]);
                b.switch_to_block(check);
                let payload = VALUE_PAYLOAD_OFFSET as i32;
                let items = b.ins().load(PTR, trusted(), addr, payload + RVEC_PTR_OFFSET as i32);
                let n32 =
                    b.ins().load(types::I32, trusted(), addr, payload + RVEC_LEN_OFFSET as i32);
                let n = b.ins().uextend(PTR, n32);
                let ctx = b.ins().load(PTR, trusted(), env, WRITE_ENV.ctx as i32);
                let limit = b.ins().load(types::I32, trusted(), ctx, CTX.max_collection_len as i32);
                let within = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, n32, limit);
                // the level the interpreter enters for the elements
                let depth = b.ins().load(types::I32, trusted(), ctx, CTX.depth as i32);
                let max_depth = b.ins().load(types::I32, trusted(), ctx, CTX.max_depth as i32);
                let deeper = b.ins().icmp(IntCC::UnsignedLessThan, depth, max_depth);
                // the flag, the length's 8-byte store and the header byte, within the limit
                let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, 16);
                let mut go = b.ins().band(within, deeper);
                go = b.ins().band(go, has);
                go = b.ins().band(go, in_limit);
                let head = b.create_block();
                b.ins().brif(go, head, &[], generic, &[]);
                b.switch_to_block(head);
                if *nullable {
                    let ff = b.ins().iconst(types::I32, i64::from(flag::NOT_NULL));
                    v.put(b, ff, 1);
                    v.flush(b);
                }
                emit_put_varint32(b, &mut v, Scalar::VarU32, n32);
                let some = b.create_block();
                b.ins().brif(n32, some, &[], next, &[]);
                b.switch_to_block(some);
                let hb = b.ins().iconst(types::I32, i64::from(header));
                v.put(b, hb, 1);
                v.flush(b);
                let loop_head = b.create_block();
                b.append_block_param(loop_head, PTR);
                let body = b.create_block();
                let zero = b.ins().iconst(PTR, 0);
                b.ins().jump(loop_head, &[zero.into()]);
                b.switch_to_block(loop_head);
                let k = b.block_params(loop_head)[0];
                let done = b.ins().icmp(IntCC::Equal, k, n);
                b.ins().brif(done, next, &[], body, &[]);
                b.switch_to_block(body);
                let at = b.ins().imul_imm_s(k, VALUE_SIZE as i64);
                let e = b.ins().iadd(items, at);
                let et = b.ins().uload8(types::I32, trusted(), e, VALUE_TAG_OFFSET as i32);
                match elem {
                    Codec::Scalar(s) => {
                        let same = b.ins().icmp_imm_s(IntCC::Equal, et, i64::from(s.value_tag()));
                        let (len, cap, max) =
                            (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                        let room = b.ins().isub(cap, len);
                        // the interpreter's reserve of the scalar's size, and the slack of the
                        // varint's 8-byte store
                        let need = i64::from(s.max_size()) + 8;
                        let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, need);
                        let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                        let mut ok = b.ins().band(same, has);
                        ok = b.ins().band(ok, in_limit);
                        let put = b.create_block();
                        b.ins().brif(ok, put, &[], rollback, &[]);
                        b.switch_to_block(put);
                        emit_put_scalar(b, &mut v, *s, e);
                        v.flush(b);
                    }
                    _ => {
                        let helpers = [copy_bytes, is_ascii];
                        emit_blob_body(b, &mut v, env, e, et, elem, 0, helpers, rollback);
                    }
                }
                let k1 = b.ins().iadd_imm_s(k, 1);
                b.ins().jump(loop_head, &[k1.into()]);
                b.switch_to_block(rollback);
                b.def_var(v.len, start);
                b.ins().jump(generic, &[]);
                b.switch_to_block(generic);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutField { field, codec: Codec::List(elem), .. }
                if list_child(&nested, elem).is_some() =>
            {
                // A list of structs: the head through `fj_write_list_head` (which checks
                // that every element can go straight to the child's compiled writer and enters
                // the list's level of depth), then a loop calling that writer for each element,
                // then the level left. The interpreter writes anything else.
                let Some(link) = list_child(&nested, elem) else {
                    call_op(b, &mut v, i);
                    i += 1;
                    continue;
                };
                v.flush(b);
                let addr = field_addr(b, field.0);
                let generic = b.create_block();
                let next = b.create_block();
                let head = b.create_block();
                let prepared = nested.prepare(b, env, link.write_slot.cast());
                b.ins().brif(prepared[3], head, &[], generic, &[]);
                b.switch_to_block(head);
                call_head(b, &mut v, list_head, i, link.field_count, generic);
                let payload = VALUE_PAYLOAD_OFFSET as i32;
                let items = b.ins().load(PTR, trusted(), addr, payload + RVEC_PTR_OFFSET as i32);
                let n = b.ins().uload32(trusted(), addr, payload + RVEC_LEN_OFFSET as i32);
                // the depth inside the list (the head entered its level)
                let [f, ctx, _, go] = prepared;
                let depth = b.ins().load(types::I32, trusted(), ctx, CTX.depth as i32);
                let child_env = nested.env_for(b, &link, false);
                let header = b.create_block();
                b.append_block_param(header, PTR);
                let body = b.create_block();
                let exit = b.create_block();
                let start = b.ins().iconst(PTR, 0);
                b.ins().jump(header, &[start.into()]);

                b.switch_to_block(header);
                let k = b.block_params(header)[0];
                let done = b.ins().icmp(IntCC::Equal, k, n);
                b.ins().brif(done, exit, &[], body, &[]);
                b.switch_to_block(body);
                let at = b.ins().imul_imm_s(k, VALUE_SIZE as i64);
                let e = b.ins().iadd(items, at);
                let child_fields =
                    b.ins().load(PTR, trusted(), e, payload + RVEC_PTR_OFFSET as i32);
                b.ins().store(trusted(), child_fields, child_env, WRITE_ENV.fields as i32);
                let k1 = b.ins().iadd_imm_s(k, 1);
                let elem_no = b.ins().ireduce(types::I32, k1);
                let args = [child_fields, buf];
                let inside = [f, ctx, depth, go];
                nested.call(b, inside, env, child_env, &link, &args, (i, elem_no), ret);
                b.ins().jump(header, &[k1.into()]);

                b.switch_to_block(exit);
                let outside = b.ins().iadd_imm_s(depth, -1);
                b.ins().store(trusted(), outside, ctx, CTX.depth as i32);
                reload(b, &v);
                b.ins().jump(next, &[]);
                b.switch_to_block(generic);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutField { field, codec: Codec::Enum(ty), nullable }
                if enums.contains_key(ty) =>
            {
                // A dense enum inline: the value's type and its wire value within the members'
                // range, then a varint, when the room is there as the interpreter's `reserve`
                // would find it; anything else (another kind, an unknown value, growth) is the
                // interpreter's.
                let count = enums.get(ty).copied().unwrap_or(0);
                v.flush(b);
                let addr = field_addr(b, field.0);
                let generic = b.create_block();
                let next = b.create_block();
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                let room = b.ins().isub(cap, len);
                let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                if *nullable {
                    // what `write_flagged` does for a null: room for its reserve, the flag
                    let null = b.create_block();
                    let write_null = b.create_block();
                    let present = b.create_block();
                    let is_null = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::NULL));
                    b.ins().brif(is_null, null, &[], present, &[]);
                    b.switch_to_block(null);
                    let flagged = i64::from(foryjit_ir::room::FLAGGED);
                    let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, flagged);
                    let ok = b.ins().band(has, in_limit);
                    b.ins().brif(ok, write_null, &[], generic, &[]);
                    b.switch_to_block(write_null);
                    let fd = b.ins().iconst(types::I32, i64::from(flag::NULL));
                    v.put(b, fd, 1);
                    v.flush(b);
                    b.ins().jump(next, &[]);
                    b.switch_to_block(present);
                }
                let check = b.create_block();
                let write = b.create_block();
                let is_enum = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::ENUM));
                b.ins().brif(is_enum, check, &[], generic, &[]);
                b.switch_to_block(check);
                let payload = VALUE_PAYLOAD_OFFSET as i32;
                let ety =
                    b.ins().load(types::I32, trusted(), addr, payload + ENUM_TY_OFFSET as i32);
                let same = b.ins().icmp_imm_s(IntCC::Equal, ety, i64::from(ty.0));
                let x =
                    b.ins().load(types::I32, trusted(), addr, payload + ENUM_VALUE_OFFSET as i32);
                let known = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, x, i64::from(count));
                // the flag, then the varint's 8-byte store (which covers the interpreter's
                // reserve for the value); that reserve also wants the length after the flag
                // within the limit
                const _: () = assert!(foryjit_ir::room::ENUM_VALUE <= 8);
                let need = 8 + i64::from(*nullable);
                let has = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, need);
                let within = if *nullable {
                    b.ins().icmp(IntCC::UnsignedLessThan, len, max)
                } else {
                    in_limit
                };
                let mut ok = b.ins().band(same, known);
                ok = b.ins().band(ok, has);
                ok = b.ins().band(ok, within);
                b.ins().brif(ok, write, &[], generic, &[]);
                b.switch_to_block(write);
                if *nullable {
                    let ff = b.ins().iconst(types::I32, i64::from(flag::NOT_NULL));
                    v.put(b, ff, 1);
                    v.flush(b);
                }
                emit_put_varint32(b, &mut v, Scalar::VarU32, x);
                b.ins().jump(next, &[]);
                b.switch_to_block(generic);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutField { field, codec: Codec::Struct { ty, with_meta }, nullable }
                if nested.links.contains_key(ty) =>
            {
                // The child's compiled writer, called directly on the same buffer when the value
                // is a struct of the field's type and field count, the child is compiled and the
                // depth allows; anything else (null, wrong kind, ...) is the interpreter's. With
                // type meta (compatible mode), the flag and the type meta go through
                // `fj_write_struct_head` first.
                let Some(link) = nested.links.get(ty).copied() else {
                    call_op(b, &mut v, i);
                    i += 1;
                    continue;
                };
                v.flush(b);
                let addr = field_addr(b, field.0);
                let generic = b.create_block();
                let next = b.create_block();
                let check = b.create_block();
                let t = b.ins().uload8(types::I32, trusted(), addr, VALUE_TAG_OFFSET as i32);
                let is_struct = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(tag::STRUCT));
                b.ins().brif(is_struct, check, &[], generic, &[]);
                b.switch_to_block(check);
                let payload = VALUE_PAYLOAD_OFFSET as i32;
                let sty =
                    b.ins().load(types::I32, trusted(), addr, payload + STRUCT_TY_OFFSET as i32);
                let same_ty = b.ins().icmp_imm_s(IntCC::Equal, sty, i64::from(ty.0));
                let n = b.ins().load(types::I32, trusted(), addr, payload + RVEC_LEN_OFFSET as i32);
                let same_n = b.ins().icmp_imm_s(IntCC::Equal, n, i64::from(link.field_count));
                let prepared = nested.prepare(b, env, link.write_slot.cast());
                let mut go = b.ins().band(same_ty, same_n);
                go = b.ins().band(go, prepared[3]);
                if *nullable && !*with_meta {
                    // room for the flag, as `fj_write_op` would find it after its `reserve`
                    let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
                    let room = b.ins().isub(cap, len);
                    let has_room = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, room, 1);
                    let in_limit = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, len, max);
                    go = b.ins().band(go, has_room);
                    go = b.ins().band(go, in_limit);
                }
                let call = b.create_block();
                b.ins().brif(go, call, &[], generic, &[]);
                b.switch_to_block(call);
                if *with_meta {
                    call_head(b, &mut v, struct_head, i, link.field_count, generic);
                } else if *nullable {
                    let ff = b.ins().iconst(types::I32, i64::from(flag::NOT_NULL));
                    v.put(b, ff, 1);
                    v.flush(b);
                }
                let len = b.use_var(v.len);
                b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
                let child_env = nested.env_for(b, &link, false);
                let child_fields =
                    b.ins().load(PTR, trusted(), addr, payload + RVEC_PTR_OFFSET as i32);
                b.ins().store(trusted(), child_fields, child_env, WRITE_ENV.fields as i32);
                let args = [child_fields, buf];
                let no_elem = b.ins().iconst(types::I32, 0);
                nested.call(b, prepared, env, child_env, &link, &args, (i, no_elem), ret);
                reload(b, &v);
                b.ins().jump(next, &[]);
                b.switch_to_block(generic);
                call_op(b, &mut v, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            WriteOp::PutScalar { .. } | WriteOp::PutField { .. } => call_op(b, &mut v, i),
        }
        i += 1;
    }
    v.flush(b);
    let len = b.use_var(v.len);
    b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
    let ok = status(b, Status::OK);
    b.ins().return_(&[ok]);

    b.switch_to_block(ret);
    let code = b.block_params(ret)[0];
    b.ins().return_(&[code]);

    b.switch_to_block(fail);
    let params = b.block_params(fail).to_vec();
    let (opi, count, len) = (params[0], params[1], params[2]);
    b.ins().store(trusted(), len, buf, BUF_LEN_OFFSET as i32);
    let call = b.ins().call(helper, &[env, buf, opi, count]);
    let code = b.inst_results(call)[0];
    let failed = status(b, Status::FAILED);
    let code = b.ins().select(code, code, failed);
    b.ins().return_(&[code]);
}

/// The inline write of a string, binary or dense-array body (`codec`, see [`inline_blob`]) from
/// the `Value` at `addr`, whose tag `t` is loaded: after `flag_bytes` (0, or 1 for the `ff` flag
/// of a nullable position, which this writes too) the length header through the branchless
/// varint, then the bytes (`fj_copy_bytes`) — when the value is of the codec's kind, within the
/// context's length limit (a 32-bit header), the room is there as the interpreter's reserves
/// would find it, and a string's policy writes it as it is (UTF-8, or ASCII as LATIN1 under the
/// pyfory policy, asked of `fj_is_ascii`). Otherwise jumps to `fail` having written nothing.
/// Execution goes on in the current block after the write (`v` flushed).
#[allow(clippy::too_many_arguments)]
fn emit_blob_body(
    b: &mut FunctionBuilder,
    v: &mut WriterVars,
    env: Val,
    addr: Val,
    t: Val,
    codec: &Codec,
    flag_bytes: i64,
    [copy_bytes, is_ascii]: [FuncRef; 2],
    fail: Block,
) {
    let Some((kind, width)) = inline_blob(codec) else {
        b.ins().jump(fail, &[]);
        let dead = b.create_block();
        b.switch_to_block(dead);
        return;
    };
    let string = matches!(codec, Codec::String);
    v.flush(b);
    let (len, cap, max) = (b.use_var(v.len), b.use_var(v.cap), b.use_var(v.max));
    let room = b.ins().isub(cap, len);
    let check = b.create_block();
    let is_kind = b.ins().icmp_imm_s(IntCC::Equal, t, i64::from(kind));
    b.ins().brif(is_kind, check, &[], fail, &[]);
    b.switch_to_block(check);
    let payload = VALUE_PAYLOAD_OFFSET as i32;
    let src = b.ins().load(PTR, trusted(), addr, payload + RVEC_PTR_OFFSET as i32);
    let count = b.ins().load(types::I32, trusted(), addr, payload + RVEC_LEN_OFFSET as i32);
    let count = b.ins().uextend(PTR, count);
    // bytes: the elements' count times their width (below 2^35, no overflow)
    let n = b.ins().imul_imm_s(count, i64::from(width));
    let ctx = b.ins().load(PTR, trusted(), env, WRITE_ENV.ctx as i32);
    let limit_at = if string { CTX.max_string_bytes } else { CTX.max_binary_bytes };
    let limit = b.ins().uload32(trusted(), ctx, limit_at as i32);
    let within = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, n, limit);
    // a header below 2^32: the branchless 32-bit varint writes it
    let short = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, n, 1 << 29);
    // the interpreter's `reserve_exact`s: the flag, the header (at most 5 bytes)
    // and the bytes within the output limit, so that no limit check can fail
    let end = b.ins().iadd(len, n);
    let end = b.ins().iadd_imm_s(end, flag_bytes + 5);
    let fits = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, max);
    // and its reserve of the bytes and the longest header, after the flag (which
    // covers the flag's own reserve and the varint's 8-byte store)
    let need = b.ins().iadd_imm_s(n, 9 + flag_bytes);
    let has = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, room, need);
    let mut go = b.ins().band(within, short);
    go = b.ins().band(go, fits);
    go = b.ins().band(go, has);
    let write = b.create_block();
    b.append_block_param(write, types::I32);
    let utf8 = i64::from(foryjit_wire::buffer::STR_UTF8);
    if string {
        let policy = b.create_block();
        let ascii = b.create_block();
        b.ins().brif(go, policy, &[], fail, &[]);
        b.switch_to_block(policy);
        let pol = b.ins().load(types::I32, trusted(), ctx, CTX.string_policy as i32);
        let as_utf8 = b.ins().icmp_imm_s(IntCC::Equal, pol, i64::from(InlineRules::UTF8));
        let enc = b.ins().iconst(types::I32, utf8);
        b.ins().brif(as_utf8, write, &[enc.into()], ascii, &[]);
        b.switch_to_block(ascii);
        let call = b.ins().call(is_ascii, &[src, n]);
        let yes = b.inst_results(call)[0];
        let latin1 = b.ins().iconst(types::I32, i64::from(foryjit_wire::buffer::STR_LATIN1));
        b.ins().brif(yes, write, &[latin1.into()], fail, &[]);
    } else {
        let none = b.ins().iconst(types::I32, 0);
        b.ins().brif(go, write, &[none.into()], fail, &[]);
    }
    b.switch_to_block(write);
    let enc = b.block_params(write)[0];
    if flag_bytes != 0 {
        let ff = b.ins().iconst(types::I32, i64::from(flag::NOT_NULL));
        v.put(b, ff, 1);
        v.flush(b);
    }
    let n32 = b.ins().ireduce(types::I32, n);
    let header = if string {
        let shifted = b.ins().ishl_imm_u(n32, 2);
        b.ins().bor(shifted, enc)
    } else {
        n32
    };
    emit_put_varint32(b, v, Scalar::VarU32, header);
    let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
    let dst = b.ins().iadd(p, l);
    b.ins().call(copy_bytes, &[dst, src, n]);
    let l2 = b.ins().iadd(l, n);
    b.def_var(v.len, l2);
}

/// A 32-bit varint without branches: the five 7-bit groups spread over the bytes of one word,
/// the byte count from `clz`, the continuation bits shifted into all bytes but the last, and
/// one 8-byte store (the run's `Reserve` includes `RESERVE_SLACK` bytes for the
/// part of the word past the varint, which the next write overwrites).
fn emit_put_varint32(b: &mut FunctionBuilder, v: &mut WriterVars, s: Scalar, x: Val) {
    const _: () = assert!(foryjit_ir::RESERVE_SLACK >= 8);
    let x = if s == Scalar::VarI32 {
        let sh = b.ins().ishl_imm_u(x, 1);
        let sign = b.ins().sshr_imm_u(x, 31);
        b.ins().bxor(sh, sign)
    } else {
        x
    };
    let u = b.ins().uextend(types::I64, x);
    let mut word = b.ins().band_imm_u(u, 0x7f);
    for k in 1..5u32 {
        let shifted = b.ins().ishl_imm_u(u, i64::from(k));
        let group = b.ins().band_imm_u(shifted, 0x7f_i64 << (8 * k));
        word = b.ins().bor(word, group);
    }
    // n = ceil(bits / 7) with bits = 64 - clz(u | 1), as ((bits + 6) * 37) >> 8, which is exact
    // for bits in 1..=32.
    let u1 = b.ins().bor_imm_u(u, 1);
    let lz = b.ins().clz(u1);
    let seventy = b.ins().iconst(types::I64, 70);
    let t = b.ins().isub(seventy, lz);
    let t = b.ins().imul_imm_s(t, 37);
    let n = b.ins().ushr_imm_u(t, 8);
    // continuation bits in bytes 0..n-1: 0x80808080 >> (40 - 8n)
    let n8 = b.ins().ishl_imm_u(n, 3);
    let forty = b.ins().iconst(types::I64, 40);
    let sh = b.ins().isub(forty, n8);
    let all = b.ins().iconst(types::I64, 0x8080_8080);
    let cont = b.ins().ushr(all, sh);
    let word = b.ins().bor(word, cont);
    let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
    let at = b.ins().iadd(p, l);
    b.ins().store(bytes(), word, at, 0);
    let l2 = b.ins().iadd(l, n);
    b.def_var(v.len, l2);
}

/// Encodes the scalar payload at `addr + 8` (capacity reserved); execution goes on in the
/// current block when this returns.
fn emit_put_scalar(b: &mut FunctionBuilder, v: &mut WriterVars, s: Scalar, addr: Val) {
    let payload = VALUE_PAYLOAD_OFFSET as i32;
    if let Some((width, ty)) = fixed_ty(s) {
        let x = b.ins().load(ty, trusted(), addr, payload);
        v.put(b, x, width);
        return;
    }
    v.flush(b);
    if matches!(s, Scalar::TaggedI64 | Scalar::TaggedU64) {
        // 4 bytes `v << 1` when the value fits 31 bits (signed for TAGGED_INT64), else `01`
        // and the 8 bytes, as `Writer::put_tagged_i64` / `put_tagged_u64`
        let x = b.ins().load(types::I64, trusted(), addr, payload);
        let small = if s == Scalar::TaggedI64 {
            let biased = b.ins().iadd_imm_s(x, 1 << 30);
            b.ins().icmp_imm_u(IntCC::UnsignedLessThan, biased, 1 << 31)
        } else {
            b.ins().icmp_imm_u(IntCC::UnsignedLessThan, x, 1 << 31)
        };
        let (p, l) = (b.use_var(v.ptr), b.use_var(v.len));
        let at = b.ins().iadd(p, l);
        let short = b.create_block();
        let long = b.create_block();
        let done = b.create_block();
        b.append_block_param(done, PTR);
        b.ins().brif(small, short, &[], long, &[]);
        b.switch_to_block(short);
        let w = b.ins().ireduce(types::I32, x);
        let w = b.ins().ishl_imm_u(w, 1);
        b.ins().store(bytes(), w, at, 0);
        let l4 = b.ins().iadd_imm_s(l, 4);
        b.ins().jump(done, &[l4.into()]);
        b.switch_to_block(long);
        let one = b.ins().iconst(types::I8, 1);
        b.ins().store(bytes(), one, at, 0);
        b.ins().store(bytes(), x, at, 1);
        let l9 = b.ins().iadd_imm_s(l, 9);
        b.ins().jump(done, &[l9.into()]);
        b.switch_to_block(done);
        let l2 = b.block_params(done)[0];
        b.def_var(v.len, l2);
        return;
    }
    if matches!(s, Scalar::VarI32 | Scalar::VarU32) {
        let x = b.ins().load(types::I32, trusted(), addr, payload);
        emit_put_varint32(b, v, s, x);
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
    // loop: while v >= 0x80 (and fewer than 8 bytes for the 9-byte PVL form) emit 7 bits; the
    // value and the count travel as block parameters.
    let head = b.create_block();
    b.append_block_param(head, types::I64);
    b.append_block_param(head, types::I64);
    let more = b.create_block();
    let last = b.create_block();
    let zero = b.ins().iconst(types::I64, 0);
    b.ins().jump(head, &[u.into(), zero.into()]);
    b.switch_to_block(head);
    let (x, c) = (b.block_params(head)[0], b.block_params(head)[1]);
    let small = b.ins().icmp_imm_s(IntCC::UnsignedLessThan, x, 0x80);
    if is64 {
        let ninth = b.ins().icmp_imm_s(IntCC::Equal, c, 8);
        let stop = b.ins().bor(small, ninth);
        b.ins().brif(stop, last, &[], more, &[]);
    } else {
        b.ins().brif(small, last, &[], more, &[]);
    }
    b.switch_to_block(more);
    let low = b.ins().bor_imm_u(x, 0x80);
    v.put(b, low, 1);
    v.flush(b);
    let shifted = b.ins().ushr_imm_u(x, 7);
    let c2 = b.ins().iadd_imm_s(c, 1);
    b.ins().jump(head, &[shifted.into(), c2.into()]);
    b.switch_to_block(last);
    v.put(b, x, 1);
}

#[allow(clippy::too_many_arguments)]
fn lower_reader(
    b: &mut FunctionBuilder,
    helper: FuncRef,
    tail: FuncRef,
    field_helper: FuncRef,
    alloc: FuncRef,
    mut nested: Nested,
    enums: &HashMap<TypeIdx, u32>,
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
    // Bytes of the current run already read at `pos` but not yet added to it (as the
    // writer's `off`): fixed-width fields load at constant offsets and bump `pos` once.
    let mut off: i64 = 0;
    let flush = |b: &mut FunctionBuilder, off: &mut i64| {
        if *off != 0 {
            let p = b.use_var(pos);
            let p2 = b.ins().iadd_imm_s(p, *off);
            b.def_var(pos, p2);
            *off = 0;
        }
    };

    // The shared exits, as in the writer: `ret(code)` returns a callback's nonzero code, and
    // `fail(op, count, pos)` hands an op that must fail (too few bytes, a malformed varint) to
    // the interpreter at `pos`, which reports the error exactly as it does on its own.
    let ret = b.create_block();
    b.append_block_param(ret, types::I32);
    let fail = b.create_block();
    b.append_block_param(fail, types::I32);
    b.append_block_param(fail, types::I32);
    b.append_block_param(fail, PTR);

    // Calls the interpreter for op `i` at the current position; returns its error code, or
    // reloads the position and goes on in a new block.
    let call_op = |b: &mut FunctionBuilder, off: &mut i64, i: usize| {
        flush(b, off);
        let at = b.use_var(pos);
        b.ins().store(trusted(), at, pos_ptr, 0);
        let opi = b.ins().iconst(types::I32, i as i64);
        let one = b.ins().iconst(types::I32, 1);
        let call = b.ins().call(helper, &[env, pos_ptr, opi, one]);
        let code = b.inst_results(call)[0];
        let ok = b.create_block();
        b.ins().brif(code, ret, &[code.into()], ok, &[]);
        b.switch_to_block(ok);
        let p = b.ins().load(PTR, trusted(), pos_ptr, 0);
        b.def_var(pos, p);
    };
    // A nullable field's flag at `p`: goes on after it in a new block when it is the plain
    // present flag, else (null and reference flags, the end of the input) to `generic`;
    // returns the position after the flag.
    let after_plain_flag = |b: &mut FunctionBuilder, p: Val, generic: Block| {
        let present = b.create_block();
        let flagged = b.create_block();
        let has = b.ins().icmp(IntCC::UnsignedLessThan, p, end);
        b.ins().brif(has, present, &[], generic, &[]);
        b.switch_to_block(present);
        let at = b.ins().iadd(data, p);
        let f = b.ins().uload8(types::I32, bytes(), at, 0);
        let plain = b.ins().icmp_imm_s(IntCC::Equal, f, i64::from(flag::NOT_NULL));
        b.ins().brif(plain, flagged, &[], generic, &[]);
        b.switch_to_block(flagged);
        b.ins().iadd_imm_s(p, 1)
    };
    let store_slot = |b: &mut FunctionBuilder, field: u32, t: u8, x: Val| {
        let slot = b.ins().iadd_imm_s(fields, i64::from(field) * VALUE_SIZE as i64);
        let tv = b.ins().iconst(types::I8, i64::from(t));
        b.ins().store(trusted(), tv, slot, VALUE_TAG_OFFSET as i32);
        b.ins().store(trusted(), x, slot, VALUE_PAYLOAD_OFFSET as i32);
    };

    for (i, op) in prog.read.iter().enumerate().take(ops.end).skip(ops.start) {
        match op {
            ReadOp::GetField { field, codec: Codec::Enum(ty), nullable }
                if enums.contains_key(ty) =>
            {
                // A dense enum inline: its varint, then the members' range as the membership
                // check; an unknown value, like a malformed varint, goes to the failure exit
                // from the op's start, and a nullable field's null or reference flag to the
                // interpreter.
                let count = enums.get(ty).copied().unwrap_or(0);
                let ty = i64::from(ty.0);
                flush(b, &mut off);
                let p = b.use_var(pos);
                // a nullable field: (next, generic), where the interpreter reads the others
                let mut exits = None;
                if *nullable {
                    let next = b.create_block();
                    let generic = b.create_block();
                    exits = Some((next, generic));
                    let after = after_plain_flag(b, p, generic);
                    b.def_var(pos, after);
                }
                let store_enum = |b: &mut FunctionBuilder, field: u32, _: u8, x: Val| {
                    let known = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, x, i64::from(count));
                    let store = b.create_block();
                    let opi = b.ins().iconst(types::I32, i as i64);
                    let one = b.ins().iconst(types::I32, 1);
                    b.ins().brif(known, store, &[], fail, &[opi.into(), one.into(), p.into()]);
                    b.switch_to_block(store);
                    let slot = b.ins().iadd_imm_s(fields, i64::from(field) * VALUE_SIZE as i64);
                    let tv = b.ins().iconst(types::I8, i64::from(tag::ENUM));
                    b.ins().store(trusted(), tv, slot, VALUE_TAG_OFFSET as i32);
                    let payload = VALUE_PAYLOAD_OFFSET as i32;
                    let tyv = b.ins().iconst(types::I32, ty);
                    b.ins().store(trusted(), tyv, slot, payload + ENUM_TY_OFFSET as i32);
                    b.ins().store(trusted(), x, slot, payload + ENUM_VALUE_OFFSET as i32);
                };
                emit_get_varint(
                    b,
                    pos,
                    data,
                    end,
                    pos_ptr,
                    tail,
                    Scalar::VarU32,
                    field.0,
                    &store_enum,
                    fail,
                    i,
                    Some(p),
                );
                if let Some((next, generic)) = exits {
                    b.ins().jump(next, &[]);
                    b.switch_to_block(generic);
                    call_op(b, &mut off, i);
                    b.ins().jump(next, &[]);
                    b.switch_to_block(next);
                }
            }
            ReadOp::GetField { field, codec: Codec::Struct { ty, with_meta: false }, nullable }
                if nested.links.contains_key(ty) =>
            {
                // The child's compiled reader, called directly at the same position when the
                // field is present (its plain flag, for a nullable one), the child is compiled,
                // the depth allows and the struct's slots fit the memory budget; anything else
                // (null and reference flags, the end of the input, ...) is the interpreter's.
                let Some(link) = nested.links.get(ty).copied() else {
                    call_op(b, &mut off, i);
                    continue;
                };
                flush(b, &mut off);
                let p = b.use_var(pos);
                let generic = b.create_block();
                let next = b.create_block();
                let body_at = if *nullable { after_plain_flag(b, p, generic) } else { p };
                let prepared = nested.prepare(b, env, link.read_slot.cast());
                let place = b.create_block();
                b.ins().brif(prepared[3], place, &[], generic, &[]);
                b.switch_to_block(place);
                let opi = b.ins().iconst(types::I32, i as i64);
                let fc = b.ins().iconst(types::I32, i64::from(link.field_count));
                let call = b.ins().call(alloc, &[env, pos_ptr, opi, fc]);
                let child_fields = b.inst_results(call)[0];
                let placed = b.create_block();
                b.ins().brif(child_fields, placed, &[], generic, &[]);
                b.switch_to_block(placed);
                let child_env = nested.env_for(b, &link, true);
                b.ins().store(trusted(), data, child_env, READ_ENV_DATA as i32);
                b.ins().store(trusted(), end, child_env, READ_ENV_DATA_LEN as i32);
                b.ins().store(trusted(), child_fields, child_env, READ_ENV.fields as i32);
                b.ins().store(trusted(), body_at, pos_ptr, 0);
                let args = [data, end, pos_ptr, child_fields];
                let no_elem = b.ins().iconst(types::I32, 0);
                nested.call(b, prepared, env, child_env, &link, &args, (i, no_elem), ret);
                let after = b.ins().load(PTR, trusted(), pos_ptr, 0);
                b.def_var(pos, after);
                b.ins().jump(next, &[]);
                b.switch_to_block(generic);
                call_op(b, &mut off, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            ReadOp::Ensure { bytes: n, .. } => {
                flush(b, &mut off);
                let p = b.use_var(pos);
                let avail = b.ins().isub(end, p);
                let ok = b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, avail, *n as i64);
                let opi = b.ins().iconst(types::I32, i as i64);
                let one = b.ins().iconst(types::I32, 1);
                let next = b.create_block();
                b.ins().brif(ok, next, &[], fail, &[opi.into(), one.into(), p.into()]);
                b.switch_to_block(next);
            }
            ReadOp::CheckHash(h) => {
                flush(b, &mut off);
                let p = b.use_var(pos);
                let at = b.ins().iadd(data, p);
                let found = b.ins().load(types::I32, bytes(), at, 0);
                let same = b.ins().icmp_imm_s(IntCC::Equal, found, *h as i32 as i64);
                let fast = b.create_block();
                let slow = b.create_block();
                let next = b.create_block();
                b.ins().brif(same, fast, &[], slow, &[]);
                b.switch_to_block(fast);
                let p2 = b.ins().iadd_imm_s(p, 4);
                b.def_var(pos, p2);
                b.ins().jump(next, &[]);
                b.switch_to_block(slow);
                call_op(b, &mut off, i);
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            ReadOp::GetScalar { field, scalar } => {
                if let Some((width, ty)) = fixed_ty(*scalar) {
                    let p = b.use_var(pos);
                    let at = b.ins().iadd(data, p);
                    let mut x = b.ins().load(ty, bytes(), at, off as i32);
                    if *scalar == Scalar::Bool {
                        // `icmp` yields an i8 of 0 or 1: a valid Rust `bool`.
                        x = b.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
                    }
                    store_slot(b, field.0, scalar.value_tag(), x);
                    off += i64::from(width);
                } else if inline_scalar(*scalar) {
                    flush(b, &mut off);
                    emit_get_varint(
                        b,
                        pos,
                        data,
                        end,
                        pos_ptr,
                        tail,
                        *scalar,
                        field.0,
                        &store_slot,
                        fail,
                        i,
                        None,
                    );
                } else {
                    call_op(b, &mut off, i);
                }
            }
            ReadOp::GetField {
                codec:
                    Codec::String
                    | Codec::Binary
                    | Codec::Array(_)
                    | Codec::Struct { with_meta: false, .. },
                ..
            } => {
                // The direct helper; when it declines (2) the generic callback does the op.
                flush(b, &mut off);
                let at = b.use_var(pos);
                b.ins().store(trusted(), at, pos_ptr, 0);
                let opi = b.ins().iconst(types::I32, i as i64);
                let one = b.ins().iconst(types::I32, 1);
                let call = b.ins().call(field_helper, &[env, pos_ptr, opi, one]);
                let code = b.inst_results(call)[0];
                let reload = |b: &mut FunctionBuilder, _: &mut i64| {
                    let p = b.ins().load(PTR, trusted(), pos_ptr, 0);
                    b.def_var(pos, p);
                };
                emit_direct_outcome(b, &mut off, code, ret, |b, o| call_op(b, o, i), reload);
            }
            ReadOp::GetNullableScalar { .. }
            | ReadOp::GetField { .. }
            | ReadOp::Skip { .. }
            | ReadOp::FillDefaults => call_op(b, &mut off, i),
        }
    }
    flush(b, &mut off);
    let p = b.use_var(pos);
    b.ins().store(trusted(), p, pos_ptr, 0);
    let ok = status(b, Status::OK);
    b.ins().return_(&[ok]);

    b.switch_to_block(ret);
    let code = b.block_params(ret)[0];
    b.ins().return_(&[code]);

    b.switch_to_block(fail);
    let params = b.block_params(fail).to_vec();
    let (opi, count, at) = (params[0], params[1], params[2]);
    b.ins().store(trusted(), at, pos_ptr, 0);
    let call = b.ins().call(helper, &[env, pos_ptr, opi, count]);
    let code = b.inst_results(call)[0];
    let failed = status(b, Status::FAILED);
    let code = b.ins().select(code, code, failed);
    b.ins().return_(&[code]);
}

/// Reads a varint; execution goes on in the current block when this returns. When at least 8
/// bytes remain: one 8-byte load, the first byte without a continuation bit from `ctz`, and the
/// 7-bit groups gathered with shifts and masks. A 32-bit varint whose 5 bytes all carry the bit
/// is malformed (the failure exit, as in the interpreter). Near the end of the input, and for
/// the 9-byte form of a 64-bit varint, the interpreter's own varint reader runs through the
/// `fj_read_varint` helper; when it fails the op goes to the failure exit from the
/// varint's start (or from `retry_at`, where the op began), and the interpreter reports exactly the error it reports on its own.
#[allow(clippy::too_many_arguments)]
fn emit_get_varint(
    b: &mut FunctionBuilder,
    pos: Variable,
    data: Val,
    end: Val,
    pos_ptr: Val,
    tail: FuncRef,
    s: Scalar,
    field: u32,
    store_slot: &dyn Fn(&mut FunctionBuilder, u32, u8, Val),
    fail: cranelift_codegen::ir::Block,
    op_index: usize,
    retry_at: Option<Val>,
) {
    let is64 = matches!(s, Scalar::VarI64 | Scalar::VarU64);
    let start = b.use_var(pos);
    let opi = b.ins().iconst(types::I32, op_index as i64);
    let one = b.ins().iconst(types::I32, 1);
    let fail_args = [opi.into(), one.into(), retry_at.unwrap_or(start).into()];
    // done(pos after, value)
    let done = b.create_block();
    b.append_block_param(done, types::I64);
    b.append_block_param(done, types::I64);

    let fast = b.create_block();
    let decode = b.create_block();
    let slow = b.create_block();
    let avail = b.ins().isub(end, start);
    let room = b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, avail, 8);
    b.ins().brif(room, fast, &[], slow, &[]);
    b.switch_to_block(fast);
    let at = b.ins().iadd(data, start);
    let word = b.ins().load(types::I64, bytes(), at, 0);
    let inv = b.ins().bnot(word);
    let groups: u32 = if is64 { 8 } else { 5 };
    let cont_bits = (0..groups).fold(0u64, |m, k| m | (0x80 << (8 * k)));
    let stop = b.ins().band_imm_u(inv, cont_bits as i64);
    if is64 {
        b.ins().brif(stop, decode, &[], slow, &[]);
    } else {
        b.ins().brif(stop, decode, &[], fail, &fail_args);
    }
    b.switch_to_block(decode);
    let tz = b.ins().ctz(stop);
    // keep the bytes up to and including the last one: bits 0..=tz
    let two = b.ins().iconst(types::I64, 2);
    let upto = b.ins().ishl(two, tz);
    let upto = b.ins().iadd_imm_s(upto, -1);
    let kept = b.ins().band(word, upto);
    let mut value = b.ins().band_imm_u(kept, 0x7f);
    for k in 1..groups {
        let sh = b.ins().ushr_imm_u(kept, i64::from(k));
        // group k sits at bits 8k..8k+7 and goes to bits 7k..7k+7 (a 32-bit varint keeps only
        // the low 4 bits of its 5th group, as the interpreter's `u32` shift does)
        let mask: u64 = if !is64 && k == 4 { 0xf000_0000 } else { 0x7f << (7 * k) };
        let part = b.ins().band_imm_u(sh, mask as i64);
        value = b.ins().bor(value, part);
    }
    let n = b.ins().ushr_imm_u(tz, 3);
    let after = b.ins().iadd(start, n);
    let after = b.ins().iadd_imm_s(after, 1);
    b.ins().jump(done, &[after.into(), value.into()]);

    b.switch_to_block(slow);
    b.ins().store(trusted(), start, pos_ptr, 0);
    let wide = b.ins().iconst(types::I32, i64::from(is64));
    let call = b.ins().call(tail, &[data, end, pos_ptr, wide]);
    let value = b.inst_results(call)[0];
    let after = b.ins().load(PTR, trusted(), pos_ptr, 0);
    let failed = b.ins().icmp_imm_s(IntCC::Equal, after, -1);
    b.ins().brif(failed, fail, &fail_args, done, &[after.into(), value.into()]);

    b.switch_to_block(done);
    let dp = b.block_params(done).to_vec();
    b.def_var(pos, dp[0]);
    let r = dp[1];
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
}
