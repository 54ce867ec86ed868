//! # foryjit-jit
//!
//! The compiled tier: lowers a message's IR [`Program`] to native code with Cranelift. Compiled
//! code inlines what is hot — the `Reserve`/`Ensure` check of each run, the tag checks of a run's
//! scalar fields (one branch per run), fixed-width stores and loads at constant offsets, varints,
//! and nested struct fields, whose compiled code it calls directly through the child's slot with
//! an environment built on its own stack. It calls helpers whose addresses the caller
//! supplies for everything else: direct helpers for string/binary/array fields, and two generic
//! callbacks that run interpreter ops, used for every other op and for every error, so both
//! tiers share one implementation of each op and fail identically.
//!
//! The interface between compiled code and the interpreter — entry-point and helper types,
//! environments, status codes, layouts — is `foryjit-abi`'s: the helpers compiled code imports
//! are [`foryjit_abi::Helper`]s, bound to the addresses of a [`HelperTable`], and their machine
//! signatures come from their Rust types.
//!
//! Code memory is owned by a [`CodeUnit`] (one `JITModule` per compile job) and freed when it is
//! dropped; the owner must keep it alive for as long as the entry points can be called.
//!
//! ```
//! use foryjit_ir::{build_program, Mode};
//! use foryjit_jit::{Compiler, CompilerOptions};
//! use foryjit_schema::{FieldDesc, FieldType, IntEncoding, MessageDesc, Registry, SchemaDesc};
//!
//! // Calling the entry points is the runtime's job (`foryjit_interp::native`); this only
//! // compiles, with the interpreter's helpers.
//! let mut reg = Registry::default();
//! let ids = reg
//!     .register(SchemaDesc::new("demo").message(
//!         MessageDesc::with_id("demo.Point", 1)
//!             .field(FieldDesc::new("x", 1, FieldType::Int32(IntEncoding::Varint)))
//!             .field(FieldDesc::new("y", 2, FieldType::Int32(IntEncoding::Varint))),
//!     ))
//!     .unwrap();
//! let prog = build_program(&reg, ids[0], Mode::SameSchema).unwrap();
//! let helpers = foryjit_interp::native::helper_table();
//! let compiler = Compiler::new(CompilerOptions::default()).unwrap();
//! // No nested structs or enums here, so nothing to link.
//! let (unit, entry) = compiler.compile(&prog, helpers, &|_| None).unwrap();
//! assert!(unit.code_bytes() > 0);
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod lower;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Module, ModuleReloc};
use foryjit_abi::{EntrySlot, Helper, HelperTable, ReadEntry, WriteEntry};
use foryjit_ir::{Codec, Program, ReadOp, WriteOp};
use foryjit_wire::TypeIdx;
use parking_lot::Mutex;
use rayon::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// Why a program could not be compiled. The interpreter keeps serving the type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JitError {
    /// This host is not supported by Cranelift.
    #[error("unsupported host: {0}")]
    Host(String),
    /// Cranelift rejected the function (a verifier error is a bug in the lowering).
    #[error("code generation failed: {0}")]
    Codegen(String),
    /// The compile job panicked (caught).
    #[error("compile panicked")]
    Panicked,
}

/// What compiled code needs to call the compiled code of a nested struct type directly: the
/// addresses of its entry-point slots and of its program, which the caller keeps alive for as
/// long as the code it compiles with them (see `foryjit_interp::NativeLink`).
#[derive(Debug, Clone, Copy)]
pub struct ChildLink {
    /// The slot of the child's compiled writer, empty while it is interpreted.
    pub write_slot: *const EntrySlot<WriteEntry>,
    /// The slot of the child's compiled reader, empty while it is interpreted.
    pub read_slot: *const EntrySlot<ReadEntry>,
    /// The child's program (what its environment carries).
    pub program: *const Program,
    /// The child's number of fields.
    pub field_count: u32,
}

/// What compiled code may rely on about a user type that a program's fields name.
#[derive(Debug, Clone, Copy)]
pub enum TypeLink {
    /// A message: its nested struct fields call its compiled code directly.
    Message(ChildLink),
    /// An enum whose members are exactly the wire values `0..count`: its fields are written and
    /// read inline, with that range as the membership check.
    DenseEnum {
        /// The number of members.
        count: u32,
    },
}

/// Finds the [`TypeLink`] of a user type; `None` keeps that type's fields on the helpers.
pub type Links<'a> = &'a dyn Fn(TypeIdx) -> Option<TypeLink>;

/// Compiler settings.
#[derive(Debug, Clone, Copy)]
pub struct CompilerOptions {
    /// Run Cranelift's IR verifier (on in tests and debug builds: it roughly doubles compile time).
    pub verifier: bool,
    /// Run Cranelift's optimizer (`opt_level=speed`). Off by default: the lowering already stores
    /// and loads each run at constant offsets and checks a run's tags with one branch, and on the
    /// standard shapes the optimized code ran no faster (within noise) while compiling about 1.5x
    /// slower (a 1 000-field type: 55 ms against 38 ms).
    pub optimize: bool,
    /// Ops per compiled function (default [`DEFAULT_SPLIT_OPS`], at least 1): a program longer
    /// than this becomes chunk functions that an entry calls in order.
    pub split_ops: usize,
    /// Allocate registers in one pass (Cranelift's `single_pass`) instead of with the
    /// backtracking allocator. Off by default. In the compile bench's runs, time to native
    /// dropped by a quarter to a half (1 000 fields: 28 ms against 37 ms in one run; 10 000
    /// fields: 230 ms against 354 ms). The cost is twice the code bytes and slower code: in one
    /// run, 10 of the 11 measured shape cells ran slower (median +20 %, at most +40 %).
    pub quick_regalloc: bool,
}

/// Default ops per compiled function: about 250 fields. Cranelift's compile time and memory grow
/// superlinearly with function size (a 10 000-field function took 0.9 s and 231 MB unsplit,
/// 0.3 s and 8.5 MB in 250-field chunks).
pub const DEFAULT_SPLIT_OPS: usize = 250;

impl Default for CompilerOptions {
    fn default() -> Self {
        CompilerOptions {
            verifier: cfg!(debug_assertions),
            optimize: false,
            split_ops: DEFAULT_SPLIT_OPS,
            quick_regalloc: false,
        }
    }
}

/// Owns the machine code of one compile job; frees it on drop.
pub struct CodeUnit {
    module: Mutex<Option<JITModule>>,
    code_bytes: usize,
}

impl std::fmt::Debug for CodeUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeUnit").field("code_bytes", &self.code_bytes).finish()
    }
}

impl CodeUnit {
    /// Bytes of machine code in this unit.
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }
}

impl Drop for CodeUnit {
    fn drop(&mut self) {
        if let Some(module) = self.module.get_mut().take() {
            // SAFETY: the owner of a `CodeUnit` guarantees that no entry point of it can be
            // running or called again once it is dropped (see the crate docs).
            unsafe { module.free_memory() };
        }
    }
}

/// The entry points of one compiled program, plus what the compile cost.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The writer.
    pub write: WriteEntry,
    /// The reader.
    pub read: ReadEntry,
    /// Time from IR to finalized code.
    pub compile_micros: u64,
}

/// Compiles IR programs.
#[derive(Clone)]
pub struct Compiler {
    options: CompilerOptions,
    /// The host ISA with our flags, built once and shared by every compile (it is `Sync`).
    isa: OwnedTargetIsa,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler").field("options", &self.options).finish()
    }
}

impl Compiler {
    /// A compiler for this host.
    pub fn new(options: CompilerOptions) -> Result<Self, JitError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v).map_err(|e| JitError::Codegen(format!("setting {k}: {e}")))
        };
        set(&mut flags, "opt_level", if options.optimize { "speed" } else { "none" })?;
        set(&mut flags, "enable_verifier", if options.verifier { "true" } else { "false" })?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        let regalloc = if options.quick_regalloc { "single_pass" } else { "backtracking" };
        set(&mut flags, "regalloc_algorithm", regalloc)?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Host(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Host(e.to_string()))?;
        Ok(Compiler { options, isa })
    }

    /// Compiles the writer and reader of `prog`. Panics inside Cranelift are caught.
    ///
    /// Code generation of the program's functions (writer, reader, and their chunks when the
    /// program is split) runs in parallel on the current rayon pool: the engine's compile pool
    /// for background compiles, the global pool when a JIT-only engine compiles at registration.
    ///
    /// A struct field without type meta whose type `links` links calls the child's compiled
    /// code directly, through its slot (loaded on every call, so a child compiled later is picked
    /// up without recompiling the parent); the interpreter serves it while the slot is empty.
    pub fn compile(
        &self,
        prog: &Program,
        helpers: HelperTable,
        links: Links,
    ) -> Result<(CodeUnit, Entry), JitError> {
        let start = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.compile_inner(prog, helpers, links)
        }));
        let (unit, write, read) = result.map_err(|_| JitError::Panicked)??;
        let compile_micros = start.elapsed().as_micros() as u64;
        Ok((unit, Entry { write, read, compile_micros }))
    }

    fn compile_inner(
        &self,
        prog: &Program,
        helpers: HelperTable,
        links: Links,
    ) -> Result<(CodeUnit, WriteEntry, ReadEntry), JitError> {
        let links = resolve_links(prog, links);
        let mut builder = JITBuilder::with_isa(self.isa.clone(), default_libcall_names());
        for &h in Helper::ALL {
            builder.symbol(h.symbol(), helpers.address(h));
        }
        let mut module = JITModule::new(builder);
        let (wid, rid, plans) = lower::plan(&mut module, prog, self.options.split_ops.max(1))?;
        let isa = &*self.isa;
        // Batches of as many functions as the pool has threads: each batch is built, generated
        // in parallel and placed before the next is built, so peak memory stays that of a few
        // functions however large the type.
        let batch = rayon::current_num_threads().max(1);
        let mut code_bytes = 0;
        for plans in plans.chunks(batch) {
            let mut pending = plans
                .iter()
                .map(|p| lower::build(&mut module, prog, &links, p))
                .collect::<Result<Vec<_>, _>>()?;
            let generated: Vec<Result<Generated, JitError>> =
                pending.par_iter_mut().map(|f| generate(isa, f)).collect();
            drop(pending);
            for g in generated {
                let g = g?;
                code_bytes += g.code.len();
                module
                    .define_function_bytes(g.id, g.alignment, &g.code, &g.relocs)
                    .map_err(|e| JitError::Codegen(e.to_string()))?;
            }
        }
        module.finalize_definitions().map_err(|e| JitError::Codegen(e.to_string()))?;
        // SAFETY: `wid` and `rid` were declared with the signatures of `WriteEntry` and
        // `ReadEntry` (`lower::plan` derives them from those types) and are now finalized; the
        // code lives as long as `unit`, whose owner keeps it while the entry points are used.
        let (write, read) = unsafe {
            (
                std::mem::transmute::<*const u8, WriteEntry>(module.get_finalized_function(wid)),
                std::mem::transmute::<*const u8, ReadEntry>(module.get_finalized_function(rid)),
            )
        };
        let unit = CodeUnit { module: Mutex::new(Some(module)), code_bytes };
        Ok((unit, write, read))
    }
}

/// What the lowering knows about the user types of a program's fields.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Struct types the program's fields name without type meta.
    pub children: HashMap<TypeIdx, ChildLink>,
    /// Dense enums the program's fields name: their member counts.
    pub enums: HashMap<TypeIdx, u32>,
}

fn resolve_links(prog: &Program, links: Links) -> Resolved {
    let writes = prog.write.iter().filter_map(|op| match op {
        WriteOp::PutField { codec, .. } => Some(codec),
        _ => None,
    });
    let reads = prog.read.iter().filter_map(|op| match op {
        ReadOp::GetField { codec, .. } => Some(codec),
        _ => None,
    });
    let mut resolved = Resolved::default();
    for codec in writes.chain(reads) {
        match codec {
            // with type meta too: writes put it through a helper, then call the child directly
            Codec::Struct { ty, .. } => {
                if let Some(TypeLink::Message(l)) = links(*ty) {
                    resolved.children.insert(*ty, l);
                }
            }
            Codec::List(elem) => {
                // struct elements carry their type meta once, in the head; each body is plain
                if let (Codec::Struct { ty, .. }, false) = (&elem.codec, elem.declared) {
                    if let Some(TypeLink::Message(l)) = links(*ty) {
                        resolved.children.insert(*ty, l);
                    }
                }
            }
            Codec::Enum(ty) => {
                if let Some(TypeLink::DenseEnum { count }) = links(*ty) {
                    resolved.enums.insert(*ty, count);
                }
            }
            _ => {}
        }
    }
    resolved
}

/// Machine code of one function, ready to be placed in the module.
struct Generated {
    id: FuncId,
    alignment: u64,
    code: Vec<u8>,
    relocs: Vec<ModuleReloc>,
}

/// Runs Cranelift's code generation for one function (what `Module::define_function` does
/// before placing the code; split out so that functions are generated in parallel).
fn generate(isa: &dyn TargetIsa, f: &mut lower::PendingFn) -> Result<Generated, JitError> {
    f.ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| JitError::Codegen(format!("{:?}", e.inner)))?;
    let compiled = f
        .ctx
        .compiled_code()
        .ok_or_else(|| JitError::Codegen("no code after compiling".to_owned()))?;
    let alignment = u64::from(compiled.buffer.alignment);
    let code = compiled.code_buffer().to_vec();
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &f.ctx.func, f.id))
        .collect();
    Ok(Generated { id: f.id, alignment, code, relocs })
}
