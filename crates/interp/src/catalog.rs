//! The catalog: registered types, their IR programs and their precomputed type meta.

use arc_swap::ArcSwap;
use foryjit_abi::{EntrySlot, ReadEntry, WriteEntry};
use foryjit_ir::{build_program, build_remote_reader, IrError, Mode, Program};
use foryjit_schema::typedef::{self, DefKind, TypeDef, TypeDefError, TypeIdent};
use foryjit_schema::{Registration, Registry, SchemaDesc, SchemaError, TypeInfo};
use foryjit_wire::meta_string::{self, MetaContext, MetaString};
use foryjit_wire::{CodecError, CodecLimits, CodecResult, ErrorKind, TypeIdx};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Compiled entry points of one message; null means "interpret". Shared by every clone of a
/// catalog, so code installed later is picked up by callers holding an older snapshot.
#[derive(Debug, Default)]
pub(crate) struct NativeSlot {
    write: EntrySlot<WriteEntry>,
    read: EntrySlot<ReadEntry>,
}

/// A message's program and compiled-code slot, for compiled code that calls the message's
/// compiled code directly (see [`Catalog::native_link`]). The addresses it hands out stay valid
/// for as long as the link is alive: whoever owns code that uses them keeps the link with it.
#[derive(Debug, Clone)]
pub struct NativeLink {
    program: Arc<Program>,
    slot: Arc<NativeSlot>,
}

impl NativeLink {
    /// The program: what the callee's environment carries.
    pub fn program_addr(&self) -> *const Program {
        Arc::as_ptr(&self.program)
    }

    /// The number of fields of the message.
    pub fn field_count(&self) -> usize {
        self.program.field_count()
    }

    /// The slot holding the compiled writer, empty while interpreted.
    pub fn write_slot_addr(&self) -> *const EntrySlot<WriteEntry> {
        self.slot.write.addr()
    }

    /// The slot holding the compiled reader, empty while interpreted.
    pub fn read_slot_addr(&self) -> *const EntrySlot<ReadEntry> {
        self.slot.read.addr()
    }
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
    /// A type cannot be described by a TypeDef (compatible mode).
    #[error(transparent)]
    TypeDef(#[from] TypeDefError),
}

/// A writer's type as a received TypeDef describes it, resolved against our registry: what a
/// reader needs to read values of it. Cached by the TypeDef header, so the second message that
/// carries the same TypeDef costs one hash-map lookup.
#[derive(Debug)]
pub struct RemoteType {
    /// The TypeDef.
    pub def: TypeDef,
    /// The registered type it names, if any.
    pub local: Option<TypeIdx>,
    /// The reader program for a struct whose writer's schema differs from ours; `None` when the
    /// TypeDef equals ours (the registered program, and its compiled code, serve it).
    pub reader: Option<Arc<Program>>,
    /// Why values of this type cannot be read, when they cannot.
    pub unreadable: Option<IrError>,
    /// The complete encoded TypeDef, shared by every unknown-struct value read with it.
    pub frame: Arc<[u8]>,
    /// Structs: each field's codec and flag as the TypeDef describes it (how values of a type
    /// we have not registered are read and written again).
    pub opaque: Option<Vec<(foryjit_ir::Codec, bool)>>,
    /// Structs of a registered type: how the writer's fields map onto ours.
    pub evolution: Option<Evolution>,
    /// Compiled code of `reader`, once installed (empty: interpret).
    native: EntrySlot<ReadEntry>,
    /// What keeps `native`'s code alive: it is freed with this value, when neither a catalog's
    /// cache nor a [`crate::MetaShare`] can reach it any more.
    code: OnceLock<KeepAlive>,
}

/// How a writer's struct TypeDef maps onto the registered message it names (compatible mode):
/// which of our fields it fills, which of its fields we drop, which of ours take defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evolution {
    /// Full name of the registered message.
    pub type_name: String,
    /// Our fields read from the writer's (by name, declaration order).
    pub matched: Vec<String>,
    /// The writer's fields with no field of ours of the same id (tag id or name): read and
    /// dropped. Named by name, or `#tag` for a tag id.
    pub skipped: Vec<String>,
    /// Our fields whose writer field has the same id but a type that cannot be read into
    /// ours (an `int64` into an `int32`: a lossy narrowing; a string into an int): the
    /// writer's value is dropped and ours takes its default. Also listed in `defaulted`.
    pub retyped: Vec<String>,
    /// Our fields the writer does not send: they take their default (null when nullable).
    pub defaulted: Vec<String>,
    /// Of `defaulted`, the non-nullable ones (a default stands in for data never sent).
    pub defaulted_required: Vec<String>,
}

impl Evolution {
    /// Every writer field is read and every field of ours is sent.
    pub fn is_exact(&self) -> bool {
        self.skipped.is_empty() && self.defaulted.is_empty() && self.retyped.is_empty()
    }

    /// The first loss strict evolution refuses: a retyped field, then a skipped writer field,
    /// then a defaulted non-nullable field of ours; as `(what, Type.field)`.
    pub fn first_loss(&self) -> Option<(&'static str, String)> {
        if let Some(f) = self.retyped.first() {
            return Some(("retyped (unreadable type) writer", format!("{}.{f}", self.type_name)));
        }
        if let Some(f) = self.skipped.first() {
            let sep = if f.starts_with('#') { "" } else { "." };
            return Some(("skipped writer", format!("{}{sep}{f}", self.type_name)));
        }
        self.defaulted_required
            .first()
            .map(|f| ("defaulted non-nullable", format!("{}.{f}", self.type_name)))
    }

    fn of(
        registry: &Registry,
        def: &TypeDef,
        local: TypeIdx,
        reader: Option<&Program>,
    ) -> Option<Self> {
        use foryjit_ir::ReadOp;
        let msg = registry.message(local)?;
        let mut taken = vec![reader.is_none(); msg.fields.len()];
        let (mut skipped, mut retyped) = (Vec::new(), Vec::new());
        if let Some(prog) = reader {
            let mut writer_fields = def.fields.iter();
            for op in &prog.read {
                let field = match op {
                    ReadOp::GetScalar { field, .. }
                    | ReadOp::GetNullableScalar { field, .. }
                    | ReadOp::GetField { field, .. } => Some(field.0 as usize),
                    ReadOp::Skip { .. } => None,
                    _ => continue,
                };
                let writer = writer_fields.next();
                match field {
                    Some(f) => {
                        if let Some(t) = taken.get_mut(f) {
                            *t = true;
                        }
                    }
                    None => {
                        let key = writer.map(|w| &w.key);
                        let ours = msg.fields.iter().find(|f| match key {
                            Some(typedef::FieldKey::Tag(t)) => f.tag == Some(*t),
                            Some(typedef::FieldKey::Name(n)) => {
                                f.tag.is_none() && f.snake_name == foryjit_schema::snake_case(n)
                            }
                            None => false,
                        });
                        match (ours, key) {
                            (Some(f), _) => retyped.push(f.name.clone()),
                            (None, Some(typedef::FieldKey::Tag(t))) => {
                                skipped.push(format!("#{t}"))
                            }
                            (None, Some(typedef::FieldKey::Name(n))) => skipped.push(n.clone()),
                            (None, None) => skipped.push("?".to_owned()),
                        }
                    }
                }
            }
        }
        let mut ev =
            Evolution { type_name: msg.full_name.clone(), skipped, retyped, ..Default::default() };
        for (f, taken) in msg.fields.iter().zip(taken) {
            if taken {
                ev.matched.push(f.name.clone());
            } else {
                ev.defaulted.push(f.name.clone());
                if !f.nullable {
                    ev.defaulted_required.push(f.name.clone());
                }
            }
        }
        Some(ev)
    }
}

/// Owns the compiled code of a [`RemoteType`].
struct KeepAlive(#[allow(dead_code)] Box<dyn Send + Sync>);

impl std::fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeepAlive")
    }
}

impl RemoteType {
    /// Installs compiled code for [`RemoteType::reader`], owned by `code`, which this value
    /// keeps (and drops with itself); later reads use it. Returns `false`, installing nothing,
    /// when code was installed before.
    ///
    /// # Safety
    /// `read` must implement exactly `self.reader` with the ABI of [`foryjit_abi`], and its
    /// code must stay valid for as long as `code` is alive.
    pub unsafe fn install_native_read(&self, read: ReadEntry, code: Box<dyn Send + Sync>) -> bool {
        if self.code.set(KeepAlive(code)).is_err() {
            return false;
        }
        // SAFETY: per the contract; `self.code` now keeps the code alive as long as `self`.
        unsafe { self.native.store(read) };
        true
    }

    /// True when compiled code reads this remote type.
    pub fn is_native(&self) -> bool {
        self.native.is_set()
    }

    pub(crate) fn native_read(&self) -> Option<ReadEntry> {
        self.native.load()
    }
}

/// Called once for every newly cached remote type that has its own reader program, so that the
/// engine can compile it like any other hot type.
#[derive(Clone)]
pub struct RemoteHook(pub Arc<RemoteHookFn>);

/// The function of a [`RemoteHook`].
pub type RemoteHookFn = dyn Fn(&Arc<RemoteType>) + Send + Sync;

impl std::fmt::Debug for RemoteHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RemoteHook")
    }
}

/// A union's cases: id and the codec of the case's declared type.
type UnionCases = Arc<[(u32, foryjit_ir::Codec)]>;

/// Received TypeDefs by header, with the number cached per registered type.
///
/// A hit — the common case: every message of a type carries its writer's TypeDef — takes no
/// lock and writes no shared memory: the header index is an immutable map behind an
/// [`ArcSwap`] (replaced whole by an insert; a load touches only this thread's debt slot), and
/// entries live in an append-only [`boxcar::Vec`], so a reader borrows `&Arc<RemoteType>` for
/// as long as it borrows the catalog instead of cloning it. Inserts (misses) serialize on
/// `inserting`.
#[derive(Debug, Default)]
pub(crate) struct RemoteCache {
    /// Header → index into `entries`.
    index: ArcSwap<HashMap<u64, usize>>,
    /// Every cached remote type, never removed while the cache lives.
    entries: boxcar::Vec<Arc<RemoteType>>,
    /// Held while inserting: cached versions per type (a registered type, or the identity an
    /// unknown type has).
    inserting: Mutex<HashMap<Result<TypeIdx, TypeIdent>, usize>>,
}

impl RemoteCache {
    fn get(&self, header: u64) -> Option<&Arc<RemoteType>> {
        let i = self.index.load().get(&header).copied()?;
        self.entries.get(i)
    }
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
    mode: Mode,
    programs: Vec<Option<Arc<Program>>>,
    named: Vec<Option<NamedMeta>>,
    /// Compatible mode: the encoded TypeDef of each message and named enum.
    typedefs: Vec<Option<Arc<[u8]>>>,
    /// Each union's cases: id and the codec of the case's declared type.
    unions: Vec<Option<UnionCases>>,
    native: Vec<Arc<NativeSlot>>,
    /// Per message: the bytes every payload with a root of that type starts with, when they are
    /// always the same (see `write::root_prefix`).
    root_prefix: Vec<Option<Arc<crate::write::RootPrefix>>>,
    /// Received TypeDefs. Shared by the clones of one registry state; a registration starts a
    /// fresh cache (a type unknown before may be known now).
    remote: Arc<RemoteCache>,
    remote_hook: Option<RemoteHook>,
    /// The writer tracks references: TypeDefs carry the schema's ref bits.
    ref_tracking: bool,
}

impl Catalog {
    /// A same-schema catalog over an empty registry with the given schema limits.
    pub fn with_limits(limits: foryjit_schema::Limits) -> Self {
        Catalog::new(limits, Mode::SameSchema)
    }

    /// A catalog over an empty registry for `mode`.
    pub fn new(limits: foryjit_schema::Limits, mode: Mode) -> Self {
        Catalog { registry: Registry::with_limits(limits), mode, ..Default::default() }
    }

    /// The mode the programs are built for.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Declares that this engine writes with reference tracking (call before registering):
    /// TypeDefs then carry the schema's ref bits, as the peers' do with `ref=True`.
    pub fn set_ref_tracking(&mut self, on: bool) {
        self.ref_tracking = on;
    }

    /// Sets the hook called for each newly cached remote reader program.
    pub fn set_remote_hook(&mut self, hook: RemoteHook) {
        self.remote_hook = Some(hook);
    }

    /// Registers a schema and builds the programs of its messages.
    pub fn register(&mut self, desc: SchemaDesc) -> Result<Vec<TypeIdx>, CatalogError> {
        let mut registry = self.registry.clone();
        let ids = registry.register(desc)?;
        // Only new types and new versions get programs; an unchanged re-registration returns
        // indices registered before.
        let fresh: Vec<TypeIdx> =
            (self.registry.len()..registry.len()).map(|i| TypeIdx(i as u32)).collect();
        let mut programs = Vec::with_capacity(fresh.len());
        for &idx in &fresh {
            let info = registry.get(idx).map(|t| &**t);
            let prog = match info {
                Some(TypeInfo::Message(_)) => {
                    Some(Arc::new(build_program(&registry, idx, self.mode)?))
                }
                _ => None,
            };
            let def = match info {
                Some(TypeInfo::Message(m)) if self.mode == Mode::Compatible && m.evolving => {
                    Some(typedef::encode(&registry, idx, self.ref_tracking)?.into())
                }
                Some(t)
                    if self.mode == Mode::Compatible
                        && matches!(t.registration(), Registration::Named { .. }) =>
                {
                    Some(typedef::encode(&registry, idx, self.ref_tracking)?.into())
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
            let cases: Option<UnionCases> = match info {
                Some(TypeInfo::Union(u)) => Some(
                    u.cases
                        .iter()
                        .map(|c| (c.id, foryjit_ir::union_case_codec(&registry, &c.ty, self.mode)))
                        .collect(),
                ),
                _ => None,
            };
            programs.push((prog, named, def, cases));
        }
        self.registry = registry;
        for (p, n, d, c) in programs {
            self.programs.push(p);
            self.named.push(n);
            self.typedefs.push(d);
            self.unions.push(c);
            self.native.push(Arc::default());
        }
        let prefixes: Vec<_> =
            fresh.iter().map(|&idx| crate::write::root_prefix(self, idx).map(Arc::new)).collect();
        self.root_prefix.extend(prefixes);
        self.remote = Arc::default();
        Ok(ids)
    }

    /// How each struct TypeDef received since the last registration maps onto our types (one
    /// entry per distinct writer schema, in the order they arrived).
    pub fn remote_evolutions(&self) -> Vec<Evolution> {
        self.remote.entries.iter().filter_map(|(_, t)| t.evolution.clone()).collect()
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The fixed start of a payload whose root is a struct of `ty`, if it has one.
    pub(crate) fn root_prefix(&self, ty: TypeIdx) -> Option<&crate::write::RootPrefix> {
        self.root_prefix.get(ty.0 as usize)?.as_deref()
    }

    /// Forgets every root prefix, so that roots take the general path (to test the two agree).
    #[cfg(test)]
    pub(crate) fn clear_root_prefixes(&mut self) {
        self.root_prefix.iter_mut().for_each(|p| *p = None);
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
    /// [`foryjit_abi`], and their code must stay valid for as long as this catalog or any clone
    /// of it can still be used.
    pub unsafe fn install_native(&self, ty: TypeIdx, write: WriteEntry, read: ReadEntry) -> bool {
        match (self.program(ty), self.native.get(ty.0 as usize)) {
            (Some(_), Some(slot)) => {
                // SAFETY: per the contract.
                unsafe {
                    slot.read.store(read);
                    slot.write.store(write);
                }
                true
            }
            _ => false,
        }
    }

    /// What compiled code of another type needs to call message `ty`'s compiled code
    /// directly: its program and its slot. `None` if `ty` is not a message.
    pub fn native_link(&self, ty: TypeIdx) -> Option<NativeLink> {
        Some(NativeLink {
            program: self.program(ty)?.clone(),
            slot: self.native.get(ty.0 as usize)?.clone(),
        })
    }

    /// The member count of enum `ty` when its members are exactly the wire values
    /// `0..count` (compiled code then checks membership with one comparison).
    pub fn dense_enum(&self, ty: TypeIdx) -> Option<u32> {
        let e = self.registry.enumeration(ty)?;
        let count = u32::try_from(e.members.len()).ok()?;
        (0..count).all(|v| e.member_by_value(v).is_some()).then_some(count)
    }

    /// True when compiled code serves message `ty`.
    pub fn is_native(&self, ty: TypeIdx) -> bool {
        self.native_write(ty).is_some()
    }

    pub(crate) fn native_write(&self, ty: TypeIdx) -> Option<WriteEntry> {
        self.native.get(ty.0 as usize)?.write.load()
    }

    pub(crate) fn native_read(&self, ty: TypeIdx) -> Option<ReadEntry> {
        self.native.get(ty.0 as usize)?.read.load()
    }

    pub(crate) fn named_meta(&self, ty: TypeIdx) -> Option<&NamedMeta> {
        self.named.get(ty.0 as usize).and_then(Option::as_ref)
    }

    /// The encoded TypeDef of `ty` (compatible mode; messages and named enums).
    pub fn typedef(&self, ty: TypeIdx) -> Option<&Arc<[u8]>> {
        self.typedefs.get(ty.0 as usize).and_then(Option::as_ref)
    }

    /// The codec of case `case` of union `ty` (`None`: not a case we know).
    pub(crate) fn union_case(&self, ty: TypeIdx, case: u32) -> Option<&foryjit_ir::Codec> {
        let cases = self.unions.get(ty.0 as usize)?.as_ref()?;
        cases.iter().find(|(id, _)| *id == case).map(|(_, c)| c)
    }

    /// Number of received TypeDefs in the cache.
    pub fn cached_typedefs(&self) -> usize {
        self.remote.index.load().len()
    }

    /// Every received TypeDef in the cache, in the order they arrived (for introspection).
    pub fn remote_types(&self) -> Vec<Arc<RemoteType>> {
        self.remote.entries.iter().map(|(_, t)| t.clone()).collect()
    }

    /// The resolved remote type of the TypeDef whose header is `header` and body `body` (at
    /// input offset `at`): from the cache, or parsed, checked, resolved and cached.
    pub(crate) fn remote_type(
        &self,
        header: u64,
        frame: &[u8],
        body: &[u8],
        at: usize,
        limits: &CodecLimits,
    ) -> CodecResult<&Arc<RemoteType>> {
        if let Some(t) = self.remote.get(header) {
            return Ok(t);
        }
        // A header is only trusted as a cache key when it is the hash of its body.
        if !typedef::header_matches(header, body) {
            return Err(CodecError::new(ErrorKind::InvalidTypeDef, at));
        }
        let tl = typedef::TypeDefLimits {
            max_fields: limits.max_type_fields,
            max_body_bytes: limits.max_type_meta_bytes,
        };
        let def = TypeDef::parse_body(header, frame, body, at + (frame.len() - body.len()), &tl)?;
        let local = self.resolve(&def);
        let (reader, unreadable) = match (def.kind, local) {
            (DefKind::Struct { .. }, l) => {
                let same = l.and_then(|t| self.typedef(t)).is_some_and(|d| **d == *def.bytes);
                if same {
                    (None, None)
                } else {
                    match build_remote_reader(&self.registry, &def, l) {
                        Ok(p) => (Some(Arc::new(p)), None),
                        Err(e) => (None, Some(e)),
                    }
                }
            }
            _ => (None, None),
        };
        let opaque = match def.kind {
            DefKind::Struct { .. } => foryjit_ir::opaque_fields(&def).ok(),
            DefKind::Other(_) => None,
        };
        let evolution = match (def.kind, local, unreadable.is_none()) {
            (DefKind::Struct { .. }, Some(l), true) => {
                Evolution::of(&self.registry, &def, l, reader.as_deref())
            }
            _ => None,
        };
        let t = Arc::new(RemoteType {
            frame: def.bytes.clone().into(),
            def,
            local,
            reader,
            unreadable,
            opaque,
            evolution,
            native: EntrySlot::default(),
            code: OnceLock::new(),
        });
        let mut versions = self.remote.inserting.lock();
        if let Some(t) = self.remote.get(header) {
            return Ok(t);
        }
        let key = local.ok_or_else(|| t.def.ident.clone());
        let per_type = versions.get(&key).copied().unwrap_or(0);
        if per_type >= limits.max_schema_versions_per_type {
            return Err(CodecError::new(
                ErrorKind::TypeDefLimit {
                    what: "max_schema_versions_per_type",
                    limit: limits.max_schema_versions_per_type,
                },
                at,
            ));
        }
        let types = versions.len() + usize::from(per_type == 0);
        let average_cap = limits.max_average_schema_versions_per_type.saturating_mul(types.max(4));
        if self.remote.entries.count() >= average_cap {
            return Err(CodecError::new(
                ErrorKind::TypeDefLimit {
                    what: "max_average_schema_versions_per_type",
                    limit: limits.max_average_schema_versions_per_type,
                },
                at,
            ));
        }
        *versions.entry(key).or_insert(0) += 1;
        let i = self.remote.entries.push(t);
        let mut index = HashMap::clone(&self.remote.index.load());
        index.insert(header, i);
        self.remote.index.store(Arc::new(index));
        drop(versions);
        let t = self.remote.entries.get(i).ok_or_else(|| {
            // Unreachable: `i` was just pushed and entries are never removed.
            CodecError::new(ErrorKind::InvalidTypeDef, at)
        })?;
        if let (Some(hook), Some(_), Some(_)) = (&self.remote_hook, &t.reader, t.local) {
            (hook.0)(t);
        }
        Ok(t)
    }

    /// The remote type of a complete encoded TypeDef (as kept in an unknown-struct value).
    pub(crate) fn remote_type_of(
        &self,
        frame: &[u8],
        limits: &CodecLimits,
    ) -> CodecResult<&Arc<RemoteType>> {
        let mut r = foryjit_wire::Reader::new(frame);
        let tl = typedef::TypeDefLimits {
            max_fields: limits.max_type_fields,
            max_body_bytes: limits.max_type_meta_bytes,
        };
        let (header, body) = typedef::read_frame(&mut r, &tl)?;
        self.remote_type(header, frame, body, 0, limits)
    }

    /// The registered type a TypeDef names: by user id (struct or enum kind) or by name.
    fn resolve(&self, def: &TypeDef) -> Option<TypeIdx> {
        let is_enum = matches!(def.kind, DefKind::Other(0 | 1));
        let is_union = matches!(def.kind, DefKind::Other(4 | 5));
        let t = match &def.ident {
            TypeIdent::Id(id) if is_union => self.registry.by_union_id(*id)?,
            TypeIdent::Id(id) => self.registry.by_user_id(is_enum, *id)?,
            TypeIdent::Named { namespace, name } => {
                self.registry.by_namespace_name(namespace, name)?
            }
        };
        let kind_ok = matches!(
            (def.kind, self.registry.get(t).map(|i| &**i)),
            (DefKind::Struct { .. }, Some(TypeInfo::Message(_)))
                | (DefKind::Other(0 | 1), Some(TypeInfo::Enum(_)))
                | (DefKind::Other(4 | 5), Some(TypeInfo::Union(_)))
        );
        kind_ok.then_some(t)
    }
}
