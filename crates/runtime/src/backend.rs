//! The compiled tier's back end: Cranelift (`foryjit-jit`) when the `jit` feature is on (the
//! default), or none, in an interpreter-only build: then no compiler exists, every type is
//! interpreted, and `Tier::Compiled` registration fails with a clear reason.

#[cfg(feature = "jit")]
pub(crate) use with_jit::*;
#[cfg(not(feature = "jit"))]
pub(crate) use without_jit::*;

#[cfg(feature = "jit")]
mod with_jit {
    use foryjit_interp::native::helper_table;
    use foryjit_interp::{Catalog, NativeLink};
    use foryjit_ir::Program;
    use foryjit_jit::{ChildLink, CodeUnit, TypeLink};
    pub(crate) use foryjit_jit::{Compiler, CompilerOptions, Entry, JitError, DEFAULT_SPLIT_OPS};
    use foryjit_wire::TypeIdx;

    /// Why nothing is compiled when no compiler could be made.
    pub(crate) const NO_COMPILER: &str = "no compiler for this host";

    /// The code of one compile job, with the links its direct calls of nested structs use: the
    /// programs and slots whose addresses the code holds stay alive as long as the code.
    #[derive(Debug)]
    pub(crate) struct Compiled {
        _unit: CodeUnit,
        _links: Vec<NativeLink>,
    }

    /// Compiles `prog`, linking its nested struct fields to their types' slots in `cat` and its
    /// dense enums to their member counts: returns
    /// the code (with the links it keeps alive) and its entry points.
    pub(crate) fn compile_linked(
        compiler: &Compiler,
        cat: &Catalog,
        prog: &Program,
    ) -> Result<(Compiled, usize, Entry), JitError> {
        let links = std::cell::RefCell::new(Vec::new());
        let resolve = |ty: TypeIdx| {
            if let Some(count) = cat.dense_enum(ty) {
                return Some(TypeLink::DenseEnum { count });
            }
            let link = cat.native_link(ty)?;
            let child = ChildLink {
                write_slot: link.write_slot_addr(),
                read_slot: link.read_slot_addr(),
                program: link.program_addr(),
                field_count: u32::try_from(link.field_count()).ok()?,
            };
            links.borrow_mut().push(link);
            Some(TypeLink::Message(child))
        };
        let (unit, entry) = compiler.compile(prog, helper_table(), &resolve)?;
        let code_bytes = unit.code_bytes();
        Ok((Compiled { _unit: unit, _links: links.into_inner() }, code_bytes, entry))
    }
}

#[cfg(not(feature = "jit"))]
mod without_jit {
    use foryjit_abi::{ReadEntry, WriteEntry};
    use foryjit_interp::Catalog;
    use foryjit_ir::Program;

    /// Why nothing is compiled in this build.
    pub(crate) const NO_COMPILER: &str =
        "foryjit was built without the `jit` feature (interpreter only)";

    /// Has no effect in an interpreter-only build.
    pub(crate) const DEFAULT_SPLIT_OPS: usize = 250;

    /// The compiler settings, kept so that the builder's API is the same in every build; they
    /// have no effect here.
    #[derive(Debug, Clone, Copy)]
    #[allow(dead_code)] // read by the Cranelift back end only
    pub(crate) struct CompilerOptions {
        pub verifier: bool,
        pub optimize: bool,
        pub split_ops: usize,
        pub quick_regalloc: bool,
    }

    /// No compiler: no value of this type exists.
    #[derive(Debug)]
    pub(crate) enum Compiler {}

    impl Compiler {
        /// Always fails: there is no back end.
        pub(crate) fn new(_: CompilerOptions) -> Result<Compiler, &'static str> {
            Err(NO_COMPILER)
        }
    }

    /// Compiled code: none exists.
    #[derive(Debug)]
    pub(crate) enum Compiled {}

    /// Entry points of compiled code (never made here).
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Entry {
        pub write: WriteEntry,
        pub read: ReadEntry,
        pub compile_micros: u64,
    }

    /// Unreachable: no `Compiler` exists.
    pub(crate) fn compile_linked(
        compiler: &Compiler,
        _: &Catalog,
        _: &Program,
    ) -> Result<(Compiled, usize, Entry), &'static str> {
        match *compiler {}
    }
}
