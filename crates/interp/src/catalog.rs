//! The catalog: registered types, their IR programs and their precomputed type meta.

use crate::native::{NativeReadFn, NativeWriteFn};
use foryjit_ir::{build_program, IrError, Mode, Program};
use foryjit_schema::{Registration, Registry, SchemaDesc, SchemaError, TypeInfo};
use foryjit_wire::meta_string::{self, MetaContext, MetaString};
use foryjit_wire::TypeIdx;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

/// Compiled entry points of one message; null means "interpret". Shared by every clone of a
/// catalog, so code installed later is picked up by callers holding an older snapshot.
#[derive(Debug, Default)]
pub(crate) struct NativeSlot {
    write: AtomicPtr<()>,
    read: AtomicPtr<()>,
}

/// Why registration failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The schema is invalid.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The IR could not be built.
    #[error(transparent)]
    Ir(#[from] IrError),
}

/// Precomputed identity of a named type: namespace and type name as meta strings.
#[derive(Debug, Clone)]
pub(crate) struct NamedMeta {
    pub namespace: MetaString,
    pub name: MetaString,
}

/// Registered types with their programs (one per message) and named-type meta strings.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    registry: Registry,
    programs: Vec<Option<Arc<Program>>>,
    named: Vec<Option<NamedMeta>>,
    native: Vec<Arc<NativeSlot>>,
}

impl Catalog {
    /// A catalog over an empty registry with the given schema limits.
    pub fn with_limits(limits: foryjit_schema::Limits) -> Self {
        Catalog { registry: Registry::with_limits(limits), ..Default::default() }
    }

    /// Registers a schema and builds the programs of its messages.
    pub fn register(&mut self, desc: SchemaDesc) -> Result<Vec<TypeIdx>, CatalogError> {
        let mut registry = self.registry.clone();
        let ids = registry.register(desc)?;
        let mut programs = Vec::with_capacity(ids.len());
        for &idx in &ids {
            let info = registry.get(idx).map(|t| &**t);
            let prog = match info {
                Some(TypeInfo::Message(_)) => {
                    Some(Arc::new(build_program(&registry, idx, Mode::SameSchema)?))
                }
                _ => None,
            };
            let named = match info.map(TypeInfo::registration) {
                Some(Registration::Named { namespace, name }) => Some(NamedMeta {
                    namespace: meta_string::encode(
                        namespace,
                        MetaContext::Namespace,
                        meta_string::INLINE_ALLOWED,
                    ),
                    name: meta_string::encode(
                        name,
                        MetaContext::TypeName,
                        meta_string::INLINE_ALLOWED,
                    ),
                }),
                _ => None,
            };
            programs.push((prog, named));
        }
        self.registry = registry;
        for (p, n) in programs {
            self.programs.push(p);
            self.named.push(n);
            self.native.push(Arc::default());
        }
        Ok(ids)
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The program of message `ty`.
    pub fn program(&self, ty: TypeIdx) -> Option<&Arc<Program>> {
        self.programs.get(ty.0 as usize).and_then(Option::as_ref)
    }

    /// Installs compiled entry points for message `ty` (both at once); every clone of this
    /// catalog uses them from the next call on. Returns `false` if `ty` is not a message.
    ///
    /// # Safety
    /// `write` and `read` must implement exactly the program of `ty` with the ABI of
    /// [`crate::native`], and their code must stay valid for as long as this catalog or any clone
    /// of it can still be used.
    pub unsafe fn install_native(
        &self,
        ty: TypeIdx,
        write: NativeWriteFn,
        read: NativeReadFn,
    ) -> bool {
        match (self.program(ty), self.native.get(ty.0 as usize)) {
            (Some(_), Some(slot)) => {
                slot.read.store(read as *mut (), Ordering::Release);
                slot.write.store(write as *mut (), Ordering::Release);
                true
            }
            _ => false,
        }
    }

    /// True when compiled code serves message `ty`.
    pub fn is_native(&self, ty: TypeIdx) -> bool {
        self.native_write(ty).is_some()
    }

    pub(crate) fn native_write(&self, ty: TypeIdx) -> Option<NativeWriteFn> {
        let p = self.native.get(ty.0 as usize)?.write.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null values are only stored by `install_native` from a `NativeWriteFn`.
        Some(unsafe { std::mem::transmute::<*mut (), NativeWriteFn>(p) })
    }

    pub(crate) fn native_read(&self, ty: TypeIdx) -> Option<NativeReadFn> {
        let p = self.native.get(ty.0 as usize)?.read.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null values are only stored by `install_native` from a `NativeReadFn`.
        Some(unsafe { std::mem::transmute::<*mut (), NativeReadFn>(p) })
    }

    pub(crate) fn named_meta(&self, ty: TypeIdx) -> Option<&NamedMeta> {
        self.named.get(ty.0 as usize).and_then(Option::as_ref)
    }
}
