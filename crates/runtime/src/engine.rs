//! `ForyJit`: the engine facade.

use crate::json;
use crate::Error;
use foryjit_interp::{Catalog, Options};
use foryjit_schema::{Limits, MessageInfo, SchemaDesc, TypeInfo};
use foryjit_wire::{CodecLimits, StringPolicy, StructValue, TypeIdx, Value};
use parking_lot::RwLock;
use std::sync::Arc;

/// Serialization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Same-schema mode (`compatible=false` in the peers): both sides have the same schema; every
    /// struct carries a 4-byte schema hash that the reader checks.
    #[default]
    Consistent,
    /// Compatible mode (schema evolution, TypeDef metadata). Not implemented yet.
    Compatible,
}

/// Configures a [`ForyJit`].
#[derive(Debug, Clone, Default)]
pub struct ForyJitBuilder {
    mode: Mode,
    string_policy: StringPolicy,
    limits: CodecLimits,
    schema_limits: Limits,
}

impl ForyJitBuilder {
    /// `true` selects compatible mode, `false` same-schema mode.
    pub fn compatible(mut self, on: bool) -> Self {
        self.mode = if on { Mode::Compatible } else { Mode::Consistent };
        self
    }

    /// Selects the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// How strings are written: [`StringPolicy::Utf8`] (the `fory` crate's choice, default) or
    /// [`StringPolicy::PyforyLike`] (byte-identical to pyfory).
    pub fn string_policy(mut self, policy: StringPolicy) -> Self {
        self.string_policy = policy;
        self
    }

    /// Limits for reading and writing.
    pub fn limits(mut self, limits: CodecLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Limits for registered schemas.
    pub fn schema_limits(mut self, limits: Limits) -> Self {
        self.schema_limits = limits;
        self
    }

    /// Builds the engine.
    pub fn build(self) -> ForyJit {
        ForyJit {
            catalog: RwLock::new(Arc::new(Catalog::with_limits(self.schema_limits))),
            opts: Options { limits: self.limits, string_policy: self.string_policy },
            mode: self.mode,
        }
    }
}

/// A registered type: a cheap, copyable handle valid for the engine that returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeHandle {
    idx: TypeIdx,
}

impl TypeHandle {
    /// The type's index in its engine.
    pub fn index(self) -> TypeIdx {
        self.idx
    }
}

/// The types registered by one `register_schema` / `load_idl` call.
#[derive(Debug, Clone)]
pub struct SchemaHandle {
    types: Vec<(String, TypeHandle)>,
}

impl SchemaHandle {
    /// The type called `full_name` (`package.Type`), or its simple name when unambiguous.
    pub fn get(&self, name: &str) -> Option<TypeHandle> {
        if let Some((_, h)) = self.types.iter().find(|(n, _)| n == name) {
            return Some(*h);
        }
        let mut it = self.types.iter().filter(|(n, _)| n.rsplit('.').next() == Some(name));
        match (it.next(), it.next()) {
            (Some((_, h)), None) => Some(*h),
            _ => None,
        }
    }

    /// Every registered type with its full name, in schema order.
    pub fn types(&self) -> &[(String, TypeHandle)] {
        &self.types
    }
}

/// The engine: registered types, configuration, and serialize/deserialize.
///
/// `ForyJit` is `Send + Sync`; share one instance between threads.
#[derive(Debug)]
pub struct ForyJit {
    catalog: RwLock<Arc<Catalog>>,
    opts: Options,
    mode: Mode,
}

impl Default for ForyJit {
    fn default() -> Self {
        ForyJit::builder().build()
    }
}

impl ForyJit {
    /// A builder with the defaults.
    pub fn builder() -> ForyJitBuilder {
        ForyJitBuilder::default()
    }

    /// The mode this engine was built with.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn check_mode(&self) -> Result<(), Error> {
        match self.mode {
            Mode::Consistent => Ok(()),
            Mode::Compatible => Err(Error::Unsupported("compatible mode is not implemented yet")),
        }
    }

    fn snapshot(&self) -> Arc<Catalog> {
        self.catalog.read().clone()
    }

    /// Registers a schema built in code; types may refer to types registered earlier.
    pub fn register_schema(&self, desc: SchemaDesc) -> Result<SchemaHandle, Error> {
        let mut guard = self.catalog.write();
        let mut next = (**guard).clone();
        let ids = next.register(desc)?;
        let types = ids
            .iter()
            .filter_map(|&idx| {
                next.registry().get(idx).map(|t| (t.full_name().to_owned(), TypeHandle { idx }))
            })
            .collect();
        *guard = Arc::new(next);
        Ok(SchemaHandle { types })
    }

    /// Parses Fory IDL text and registers its types.
    pub fn load_idl(&self, text: &str) -> Result<SchemaHandle, Error> {
        self.register_schema(SchemaDesc::from_idl(text)?)
    }

    /// The registered type called `full_name`.
    pub fn type_handle(&self, full_name: &str) -> Option<TypeHandle> {
        self.snapshot().registry().by_name(full_name).map(|idx| TypeHandle { idx })
    }

    /// The full name of a registered type.
    pub fn type_name(&self, ty: TypeHandle) -> Option<String> {
        self.snapshot().registry().get(ty.idx).map(|t| t.full_name().to_owned())
    }

    /// Ordinal of field `name` of message `ty` (the index into [`StructValue::fields`]).
    pub fn field_ordinal(&self, ty: TypeHandle, name: &str) -> Option<usize> {
        self.snapshot().registry().message(ty.idx).and_then(|m| m.field_ordinal(name))
    }

    /// Field names of message `ty` in declaration (ordinal) order.
    pub fn field_names(&self, ty: TypeHandle) -> Option<Vec<String>> {
        self.snapshot()
            .registry()
            .message(ty.idx)
            .map(|m| m.fields.iter().map(|f| f.name.clone()).collect())
    }

    /// A struct value of message `ty` with every field null (fill it with [`ForyJit::set`]).
    pub fn new_struct(&self, ty: TypeHandle) -> Result<Value, Error> {
        let cat = self.snapshot();
        let m = message(&cat, ty)?;
        Ok(Value::Struct(StructValue::new(ty.idx, vec![Value::Null; m.fields.len()])))
    }

    /// The value of field `name` of a struct value.
    pub fn get<'v>(&self, value: &'v Value, name: &str) -> Option<&'v Value> {
        let s = value.as_struct()?;
        let ord = self.snapshot().registry().message(s.ty)?.field_ordinal(name)?;
        s.get(ord)
    }

    /// Sets field `name` of a struct value; returns `false` when there is no such field.
    pub fn set(&self, value: &mut Value, name: &str, field: Value) -> bool {
        let Value::Struct(s) = value else { return false };
        let ord = self.snapshot().registry().message(s.ty).and_then(|m| m.field_ordinal(name));
        match ord {
            Some(o) => s.set(o, field),
            None => false,
        }
    }

    /// Serializes a value into a new buffer.
    pub fn serialize(&self, value: &Value) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.serialize_into(value, &mut out)?;
        Ok(out)
    }

    /// Serializes a value into `out`, replacing its contents and reusing its capacity.
    pub fn serialize_into(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
        self.check_mode()?;
        out.clear();
        let cat = self.catalog.read();
        foryjit_interp::serialize(&cat, &self.opts, value, out)?;
        Ok(())
    }

    /// Deserializes one complete payload.
    pub fn deserialize(&self, bytes: &[u8]) -> Result<Value, Error> {
        self.check_mode()?;
        let cat = self.catalog.read();
        Ok(foryjit_interp::deserialize(&cat, &self.opts, bytes)?)
    }

    /// The IR program of message `ty` as text (for debugging).
    pub fn dump_ir(&self, ty: TypeHandle) -> Option<String> {
        self.snapshot().program(ty.idx).map(|p| p.to_string())
    }

    /// Converts a value of type `ty` to canonical JSON (see `docs/canonical-json.md`).
    pub fn to_json(&self, ty: TypeHandle, value: &Value) -> Result<serde_json::Value, Error> {
        let cat = self.snapshot();
        Ok(json::to_json(cat.registry(), ty.idx, value)?)
    }

    /// Builds a value of type `ty` from canonical JSON.
    pub fn from_json(&self, ty: TypeHandle, json: &serde_json::Value) -> Result<Value, Error> {
        let cat = self.snapshot();
        Ok(json::from_json(cat.registry(), ty.idx, json)?)
    }
}

fn message(cat: &Catalog, ty: TypeHandle) -> Result<&MessageInfo, Error> {
    match cat.registry().get(ty.idx).map(|t| &**t) {
        Some(TypeInfo::Message(m)) => Ok(m),
        Some(t) => Err(Error::UnknownType(format!("{} is not a message", t.full_name()))),
        None => Err(Error::UnknownType(format!("#{}", ty.idx.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ForyJit>();
        assert_send_sync::<Value>();
    }
}
