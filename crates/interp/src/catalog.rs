//! The catalog: registered types, their IR programs and their precomputed type meta.

use foryjit_ir::{build_program, IrError, Mode, Program};
use foryjit_schema::{Registration, Registry, SchemaDesc, SchemaError, TypeInfo};
use foryjit_wire::meta_string::{self, MetaContext, MetaString};
use foryjit_wire::TypeIdx;
use std::sync::Arc;

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

    pub(crate) fn named_meta(&self, ty: TypeIdx) -> Option<&NamedMeta> {
        self.named.get(ty.0 as usize).and_then(Option::as_ref)
    }
}
