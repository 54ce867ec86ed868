//! # foryjit-jit
//!
//! The compiled tier: lowers a message's IR [`Program`] to native code with Cranelift. Compiled
//! code inlines what is hot — the `Reserve`/`Ensure` checks of each run, the tag check of every
//! scalar field, fixed-width stores and loads, varints — and calls back into the interpreter
//! (through two helpers whose addresses the caller supplies) for every other op and for every
//! error, so both tiers share one implementation of each op and fail identically.
//!
//! ```text
//! writer: extern "C" fn(env, fields: *const Value, buf: *mut Buf) -> i32
//! reader: extern "C" fn(env, data: *const u8, len: usize, pos: *mut usize, fields: *mut Value) -> i32
//! helpers: write_op(env, buf, op_index) -> i32,  read_op(env, pos, op_index) -> i32
//! ```
//!
//! Code memory is owned by a [`CodeUnit`] (one `JITModule` per compile job) and freed when it is
//! dropped; the owner must keep it alive for as long as the entry points can be called.
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod lower;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::default_libcall_names;
use foryjit_ir::Program;
use parking_lot::Mutex;
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

/// Addresses of the interpreter callbacks compiled code calls.
#[derive(Debug, Clone, Copy)]
pub struct Helpers {
    /// `unsafe extern "C" fn(env, buf, op) -> i32`: executes write op `op`.
    pub write_op: *const u8,
    /// `unsafe extern "C" fn(env, pos, op) -> i32`: executes read op `op`.
    pub read_op: *const u8,
}

// SAFETY: the two addresses are of `extern "C"` functions with static lifetime; sharing the
// addresses between threads is harmless.
unsafe impl Send for Helpers {}
// SAFETY: as above; the struct is read-only.
unsafe impl Sync for Helpers {}

/// Compiler settings.
#[derive(Debug, Clone, Copy)]
pub struct CompilerOptions {
    /// Run Cranelift's IR verifier (on in tests and debug builds: it roughly doubles compile time).
    pub verifier: bool,
}

impl Default for CompilerOptions {
    fn default() -> Self {
        CompilerOptions { verifier: cfg!(debug_assertions) }
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
    /// The writer (`NativeWriteFn` ABI).
    pub write: *const u8,
    /// The reader (`NativeReadFn` ABI).
    pub read: *const u8,
    /// Time from IR to finalized code.
    pub compile_micros: u64,
}

/// Compiles IR programs.
#[derive(Debug, Clone)]
pub struct Compiler {
    options: CompilerOptions,
}

impl Compiler {
    /// A compiler for this host.
    pub fn new(options: CompilerOptions) -> Result<Self, JitError> {
        cranelift_native::builder().map_err(|e| JitError::Host(e.to_string()))?;
        Ok(Compiler { options })
    }

    /// Compiles the writer and reader of `prog`. Panics inside Cranelift are caught.
    pub fn compile(&self, prog: &Program, helpers: Helpers) -> Result<(CodeUnit, Entry), JitError> {
        let start = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.compile_inner(prog, helpers)
        }));
        let (unit, write, read) = result.map_err(|_| JitError::Panicked)??;
        let compile_micros = start.elapsed().as_micros() as u64;
        Ok((unit, Entry { write, read, compile_micros }))
    }

    fn compile_inner(
        &self,
        prog: &Program,
        helpers: Helpers,
    ) -> Result<(CodeUnit, *const u8, *const u8), JitError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v).map_err(|e| JitError::Codegen(format!("setting {k}: {e}")))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "enable_verifier", if self.options.verifier { "true" } else { "false" })?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Host(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Host(e.to_string()))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        builder.symbol(lower::WRITE_OP_SYMBOL, helpers.write_op);
        builder.symbol(lower::READ_OP_SYMBOL, helpers.read_op);
        let mut module = JITModule::new(builder);
        let (wid, w_bytes) = lower::define_writer(&mut module, prog)?;
        let (rid, r_bytes) = lower::define_reader(&mut module, prog)?;
        module.finalize_definitions().map_err(|e| JitError::Codegen(e.to_string()))?;
        let write = module.get_finalized_function(wid);
        let read = module.get_finalized_function(rid);
        let unit = CodeUnit { module: Mutex::new(Some(module)), code_bytes: w_bytes + r_bytes };
        Ok((unit, write, read))
    }
}
