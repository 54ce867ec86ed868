//! The type registry: resolves descriptors into [`TypeInfo`]s with the xlang field order and the
//! same-schema struct hash.

use crate::desc::{
    ArrayElem, ElemType, EnumMember, FieldType, IntEncoding, Registration, SchemaDesc, TypeDesc,
};

/// Kind codes of the user-id namespaces (a message, an enum and a union may share an id).
const KIND_MESSAGE: u8 = 0;
const KIND_ENUM: u8 = 1;
const KIND_UNION: u8 = 2;

fn desc_kind(t: &TypeDesc) -> u8 {
    match t {
        TypeDesc::Message(_) => KIND_MESSAGE,
        TypeDesc::Enum(_) => KIND_ENUM,
        TypeDesc::Union(_) => KIND_UNION,
    }
}

fn info_kind(t: &TypeInfo) -> u8 {
    match t {
        TypeInfo::Message(_) => KIND_MESSAGE,
        TypeInfo::Enum(_) => KIND_ENUM,
        TypeInfo::Union(_) => KIND_UNION,
    }
}
use crate::SchemaError;
use foryjit_wire::hash::murmur3_x64_128_lane0;
use foryjit_wire::type_id as tid;
use foryjit_wire::TypeIdx;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// A fast hasher for small integer keys (type ids). Keys come from our own registrations, not
/// from input, so flooding resistance is not needed here; lookups sit on the read hot path.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u32(n as u32);
    }
}

/// Bounds on what a registered schema may contain. Each protects the engine from a schema (for
/// example one loaded from an untrusted registry) that would make the IR or compiled code huge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fields in one message (default 8192).
    pub max_fields_per_type: usize,
    /// Types in one registry (default 65536).
    pub max_types: usize,
    /// Nesting of container types inside one field, `list<map<..>>` (default 16).
    pub max_type_nesting: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_fields_per_type: 8192, max_types: 65536, max_type_nesting: 16 }
    }
}

/// A field, list element, or map key/value type with user types resolved to indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResolvedType {
    /// bool
    Bool,
    /// int8
    Int8,
    /// int16
    Int16,
    /// int32
    Int32(IntEncoding),
    /// int64
    Int64(IntEncoding),
    /// uint8
    UInt8,
    /// uint16
    UInt16,
    /// uint32
    UInt32(IntEncoding),
    /// uint64
    UInt64(IntEncoding),
    /// float16
    Float16,
    /// bfloat16
    BFloat16,
    /// float32
    Float32,
    /// float64
    Float64,
    /// string
    String,
    /// bytes
    Binary,
    /// date
    Date,
    /// timestamp
    Timestamp,
    /// duration
    Duration,
    /// decimal
    Decimal,
    /// dense array
    Array(ArrayElem),
    /// list
    List(Box<ResolvedElem>),
    /// set
    Set(Box<ResolvedElem>),
    /// map
    Map(Box<ResolvedElem>, Box<ResolvedElem>),
    /// a message
    Message(TypeIdx),
    /// an enum
    Enum(TypeIdx),
    /// a union
    Union(TypeIdx),
    /// any value
    Any,
}

/// A resolved element type with its modifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedElem {
    /// Element type.
    pub ty: ResolvedType,
    /// May be null.
    pub nullable: bool,
    /// Reference-tracked.
    pub tracking_ref: bool,
}

impl ResolvedType {
    /// The xlang type id (user types: the field-level kind, STRUCT/ENUM).
    pub fn type_id(&self) -> u32 {
        use IntEncoding::*;
        match self {
            ResolvedType::Bool => tid::BOOL,
            ResolvedType::Int8 => tid::INT8,
            ResolvedType::Int16 => tid::INT16,
            ResolvedType::Int32(Fixed) => tid::INT32,
            ResolvedType::Int32(_) => tid::VARINT32,
            ResolvedType::Int64(Fixed) => tid::INT64,
            ResolvedType::Int64(Varint) => tid::VARINT64,
            ResolvedType::Int64(Tagged) => tid::TAGGED_INT64,
            ResolvedType::UInt8 => tid::UINT8,
            ResolvedType::UInt16 => tid::UINT16,
            ResolvedType::UInt32(Fixed) => tid::UINT32,
            ResolvedType::UInt32(_) => tid::VAR_UINT32,
            ResolvedType::UInt64(Fixed) => tid::UINT64,
            ResolvedType::UInt64(Varint) => tid::VAR_UINT64,
            ResolvedType::UInt64(Tagged) => tid::TAGGED_UINT64,
            ResolvedType::Float16 => tid::FLOAT16,
            ResolvedType::BFloat16 => tid::BFLOAT16,
            ResolvedType::Float32 => tid::FLOAT32,
            ResolvedType::Float64 => tid::FLOAT64,
            ResolvedType::String => tid::STRING,
            ResolvedType::Binary => tid::BINARY,
            ResolvedType::Date => tid::DATE,
            ResolvedType::Timestamp => tid::TIMESTAMP,
            ResolvedType::Duration => tid::DURATION,
            ResolvedType::Decimal => tid::DECIMAL,
            ResolvedType::Array(e) => e.type_id(),
            ResolvedType::List(_) => tid::LIST,
            ResolvedType::Set(_) => tid::SET,
            ResolvedType::Map(..) => tid::MAP,
            ResolvedType::Message(_) => tid::STRUCT,
            ResolvedType::Enum(_) => tid::ENUM,
            ResolvedType::Union(_) => tid::UNION,
            ResolvedType::Any => tid::UNKNOWN,
        }
    }

    /// True for bool, integers and floats (the primitive groups of the field order).
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            ResolvedType::Bool
                | ResolvedType::Int8
                | ResolvedType::Int16
                | ResolvedType::Int32(_)
                | ResolvedType::Int64(_)
                | ResolvedType::UInt8
                | ResolvedType::UInt16
                | ResolvedType::UInt32(_)
                | ResolvedType::UInt64(_)
                | ResolvedType::Float16
                | ResolvedType::BFloat16
                | ResolvedType::Float32
                | ResolvedType::Float64
        )
    }

    /// Width in bytes of a primitive (tagged and varint types count their full width).
    pub fn primitive_size(&self) -> u32 {
        match self {
            ResolvedType::Bool | ResolvedType::Int8 | ResolvedType::UInt8 => 1,
            ResolvedType::Int16
            | ResolvedType::UInt16
            | ResolvedType::Float16
            | ResolvedType::BFloat16 => 2,
            ResolvedType::Int32(_) | ResolvedType::UInt32(_) | ResolvedType::Float32 => 4,
            ResolvedType::Int64(_) | ResolvedType::UInt64(_) | ResolvedType::Float64 => 8,
            _ => 0,
        }
    }

    /// True for varint and tagged encodings ("compressed" in the field order).
    pub fn is_compressed(&self) -> bool {
        matches!(
            self,
            ResolvedType::Int32(IntEncoding::Varint | IntEncoding::Tagged)
                | ResolvedType::Int64(IntEncoding::Varint | IntEncoding::Tagged)
                | ResolvedType::UInt32(IntEncoding::Varint | IntEncoding::Tagged)
                | ResolvedType::UInt64(IntEncoding::Varint | IntEncoding::Tagged)
        )
    }

    fn fingerprint(&self, out: &mut String, tracking_ref: bool, nullable: bool) {
        use std::fmt::Write;
        let id = match self {
            ResolvedType::Message(_)
            | ResolvedType::Enum(_)
            | ResolvedType::Union(_)
            | ResolvedType::Any => 0,
            t => t.type_id(),
        };
        let _ = write!(out, "{},{},{}", id, tracking_ref as u8, nullable as u8);
        match self {
            ResolvedType::List(e) | ResolvedType::Set(e) => {
                out.push('[');
                e.ty.fingerprint(out, false, false);
                out.push(']');
            }
            ResolvedType::Map(k, v) => {
                out.push('[');
                k.ty.fingerprint(out, false, false);
                out.push('|');
                v.ty.fingerprint(out, false, false);
                out.push(']');
            }
            _ => {}
        }
    }
}

/// A resolved field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Name as declared.
    pub name: String,
    /// The snake_case name (the identifier when there is no tag).
    pub snake_name: String,
    /// Tag id.
    pub tag: Option<u32>,
    /// Type.
    pub ty: ResolvedType,
    /// Nullable.
    pub nullable: bool,
    /// Reference-tracked.
    pub tracking_ref: bool,
}

/// A resolved message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    /// Index in the registry.
    pub idx: TypeIdx,
    /// Full name.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Fields in declaration order (`Value` ordinals).
    pub fields: Vec<FieldInfo>,
    /// Declaration ordinals in wire order (the xlang field order).
    pub wire_order: Vec<usize>,
    /// Same-schema hash (the int32 written before the fields).
    pub hash: u32,
    /// The fingerprint the hash is computed from (for debugging).
    pub fingerprint: String,
    /// `false` for `[evolving=false]`.
    pub evolving: bool,
    by_name: HashMap<String, usize>,
}

impl MessageInfo {
    /// The ordinal of the field called `name`.
    pub fn field_ordinal(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// A resolved enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumInfo {
    /// Index in the registry.
    pub idx: TypeIdx,
    /// Full name.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Members in declaration order.
    pub members: Vec<EnumMember>,
    /// `(value, member index)` sorted by value.
    by_value: Vec<(u32, usize)>,
    by_name: HashMap<String, usize>,
}

impl EnumInfo {
    /// The member with wire value `value`.
    pub fn member_by_value(&self, value: u32) -> Option<&EnumMember> {
        let i = self.by_value.binary_search_by_key(&value, |&(v, _)| v).ok()?;
        self.members.get(self.by_value[i].1)
    }

    /// The member called `name`.
    pub fn member_by_name(&self, name: &str) -> Option<&EnumMember> {
        self.by_name.get(name).map(|&i| &self.members[i])
    }
}

/// A resolved union case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionCaseInfo {
    /// Name as declared.
    pub name: String,
    /// Case id.
    pub id: u32,
    /// Type of the case's value.
    pub ty: ResolvedType,
}

/// A resolved union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionInfo {
    /// Index in the registry.
    pub idx: TypeIdx,
    /// Full name.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Cases in declaration order.
    pub cases: Vec<UnionCaseInfo>,
}

impl UnionInfo {
    /// The case with id `id`.
    pub fn case_by_id(&self, id: u32) -> Option<&UnionCaseInfo> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// The case called `name`.
    pub fn case_by_name(&self, name: &str) -> Option<&UnionCaseInfo> {
        self.cases.iter().find(|c| c.name == name)
    }
}

/// A registered type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeInfo {
    /// A message.
    Message(MessageInfo),
    /// An enum.
    Enum(EnumInfo),
    /// A union.
    Union(UnionInfo),
}

impl TypeInfo {
    /// Full name.
    pub fn full_name(&self) -> &str {
        match self {
            TypeInfo::Message(m) => &m.full_name,
            TypeInfo::Enum(e) => &e.full_name,
            TypeInfo::Union(u) => &u.full_name,
        }
    }

    /// Wire identity.
    pub fn registration(&self) -> &Registration {
        match self {
            TypeInfo::Message(m) => &m.registration,
            TypeInfo::Enum(e) => &e.registration,
            TypeInfo::Union(u) => &u.registration,
        }
    }
}

/// A type's descriptor and what its named references resolved to when it was registered.
type Registered = (TypeDesc, Vec<(String, TypeIdx)>);

/// All registered types of one engine. Types are never removed, so a [`TypeIdx`] stays valid.
///
/// # Registering a type again
///
/// A type whose full name is registered already may be registered again:
///
/// * with the same descriptor, whose references resolve to the same types as before, the
///   registration is a no-op and returns the existing index (loading a file that two other
///   files import, or loading a file twice, is harmless);
/// * otherwise the new descriptor becomes a new *version* with a new index: lookups by name,
///   id and namespace/name ([`Registry::by_name`], [`Registry::by_user_id`], ...) return the
///   new version from then on, and the previous version's id and name are released (a new
///   version may change its id). The previous version stays registered under its index, so
///   values built with it still serialize, as that version.
///
/// A registered type keeps referring to the versions its fields named when it was registered;
/// to move it to a new version of a type it uses, register it again (in the same call or a
/// later one): a registration whose descriptor is unchanged but whose references now resolve
/// to other versions makes a new version too.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    types: Vec<Arc<TypeInfo>>,
    /// Per type: the descriptor it was registered from, and the types its fields' names
    /// resolved to (to tell an unchanged re-registration from a new version).
    descs: Vec<Arc<Registered>>,
    by_name: HashMap<String, TypeIdx>,
    by_id: HashMap<(u8, u32), TypeIdx, BuildHasherDefault<IdHasher>>,
    by_ns_name: HashMap<(String, String), TypeIdx>,
    limits: Limits,
}

impl Registry {
    /// An empty registry with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Registry { limits, ..Default::default() }
    }

    /// Number of registered types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The type at `idx`.
    pub fn get(&self, idx: TypeIdx) -> Option<&Arc<TypeInfo>> {
        self.types.get(idx.0 as usize)
    }

    /// The message at `idx`.
    pub fn message(&self, idx: TypeIdx) -> Option<&MessageInfo> {
        match self.get(idx).map(|t| &**t) {
            Some(TypeInfo::Message(m)) => Some(m),
            _ => None,
        }
    }

    /// The enum at `idx`.
    pub fn enumeration(&self, idx: TypeIdx) -> Option<&EnumInfo> {
        match self.get(idx).map(|t| &**t) {
            Some(TypeInfo::Enum(e)) => Some(e),
            _ => None,
        }
    }

    /// Looks a type up by full name.
    pub fn by_name(&self, full_name: &str) -> Option<TypeIdx> {
        self.by_name.get(full_name).copied()
    }

    /// Looks a message (`is_enum == false`) or enum up by numeric user id.
    pub fn by_user_id(&self, is_enum: bool, id: u32) -> Option<TypeIdx> {
        let kind = if is_enum { KIND_ENUM } else { KIND_MESSAGE };
        self.by_id.get(&(kind, id)).copied()
    }

    /// Looks a union up by numeric user id.
    pub fn by_union_id(&self, id: u32) -> Option<TypeIdx> {
        self.by_id.get(&(KIND_UNION, id)).copied()
    }

    /// The union at `idx`.
    pub fn union(&self, idx: TypeIdx) -> Option<&UnionInfo> {
        match self.get(idx).map(|t| &**t) {
            Some(TypeInfo::Union(u)) => Some(u),
            _ => None,
        }
    }

    /// Looks a type up by namespace and name.
    pub fn by_namespace_name(&self, namespace: &str, name: &str) -> Option<TypeIdx> {
        self.by_ns_name.get(&(namespace.to_owned(), name.to_owned())).copied()
    }

    /// True when `idx` is the version of its type that lookups by name and id return (false
    /// for a version replaced by a later registration; see [`Registry`]).
    pub fn is_current(&self, idx: TypeIdx) -> bool {
        self.get(idx).is_some_and(|t| self.by_name.get(t.full_name()) == Some(&idx))
    }

    /// The descriptor the type at `idx` was registered from.
    pub fn desc(&self, idx: TypeIdx) -> Option<&TypeDesc> {
        self.descs.get(idx.0 as usize).map(|d| &d.0)
    }

    /// Registers every type of `desc`; returns their indices in `desc.types` order (an
    /// unchanged re-registration returns the existing index; see [`Registry`] for versions).
    /// On error nothing is registered.
    pub fn register(&mut self, desc: SchemaDesc) -> Result<Vec<TypeIdx>, SchemaError> {
        // Pass 0: which types are registered already, unchanged (kept), and which are new
        // types or new versions. A kept type whose references would now resolve elsewhere
        // (to a new version) becomes a new version itself, until nothing changes.
        let mut kept: Vec<Option<TypeIdx>> = desc
            .types
            .iter()
            .map(|t| {
                let old = *self.by_name.get(t.full_name())?;
                (self.descs.get(old.0 as usize)?.0 == *t).then_some(old)
            })
            .collect();
        let batch_pos: HashMap<&str, usize> =
            desc.types.iter().enumerate().map(|(i, t)| (t.full_name(), i)).collect();
        loop {
            let mut changed = false;
            for i in 0..kept.len() {
                let Some(old) = kept[i] else { continue };
                let moved = self.descs[old.0 as usize].1.iter().any(|(name, was)| {
                    let now = match batch_pos.get(name.as_str()) {
                        Some(&k) => kept[k],
                        None => self.by_name.get(name).copied(),
                    };
                    now != Some(*was)
                });
                if moved {
                    kept[i] = None;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let fresh: Vec<&TypeDesc> =
            desc.types.iter().zip(&kept).filter(|(_, k)| k.is_none()).map(|(t, _)| t).collect();
        if self.types.len() + fresh.len() > self.limits.max_types {
            return Err(SchemaError::Limit {
                what: "types",
                value: self.types.len() + fresh.len(),
                limit: self.limits.max_types,
            });
        }
        // Pass 1: assign indices and check identities. A new version may take over the id
        // and name of the version it replaces.
        let base = self.types.len() as u32;
        let replaced: HashSet<&str> =
            fresh.iter().map(|t| t.full_name()).filter(|n| self.by_name.contains_key(*n)).collect();
        let taken = |holder: Option<&TypeIdx>| -> bool {
            holder.is_some_and(|&h| self.get(h).is_some_and(|t| !replaced.contains(t.full_name())))
        };
        let mut names: HashMap<String, TypeIdx> = HashMap::new();
        for (t, k) in desc.types.iter().zip(&kept) {
            if let Some(old) = k {
                if names.insert(t.full_name().to_owned(), *old).is_some() {
                    return Err(SchemaError::DuplicateTypeName(t.full_name().to_owned()));
                }
            }
        }
        let mut ids: HashMap<(u8, u32), TypeIdx> = HashMap::default();
        let mut ns_names: HashMap<(String, String), TypeIdx> = HashMap::new();
        for (i, t) in fresh.iter().enumerate() {
            let idx = TypeIdx(base + i as u32);
            let name = t.full_name().to_owned();
            if names.insert(name.clone(), idx).is_some() {
                return Err(SchemaError::DuplicateTypeName(name));
            }
            let kind = desc_kind(t);
            match t.registration() {
                Registration::Id(id) => {
                    if *id == u32::MAX {
                        return Err(SchemaError::Invalid {
                            in_type: name,
                            problem: "type id 0xFFFFFFFF is reserved",
                        });
                    }
                    if taken(self.by_id.get(&(kind, *id))) || ids.insert((kind, *id), idx).is_some()
                    {
                        return Err(SchemaError::DuplicateTypeId(*id));
                    }
                }
                Registration::Named { namespace, name: simple } => {
                    let key = (namespace.clone(), simple.clone());
                    if taken(self.by_ns_name.get(&key)) || ns_names.insert(key, idx).is_some() {
                        return Err(SchemaError::DuplicateTypeName(name));
                    }
                }
            }
        }
        // Pass 2: resolve.
        let lookup = |n: &str| -> Option<(TypeIdx, u8)> {
            let idx = names.get(n).copied().or_else(|| self.by_name.get(n).copied())?;
            let kind = if idx.0 >= base {
                desc_kind(fresh[(idx.0 - base) as usize])
            } else {
                info_kind(&self.types[idx.0 as usize])
            };
            Some((idx, kind))
        };
        let mut out = Vec::with_capacity(fresh.len());
        let mut deps = Vec::with_capacity(fresh.len());
        for (i, t) in fresh.iter().enumerate() {
            let idx = TypeIdx(base + i as u32);
            let mut refs: Vec<(String, TypeIdx)> = Vec::new();
            named_refs(t, &mut |n| {
                if let Some((r, _)) = lookup(n) {
                    if !refs.iter().any(|(m, _)| m == n) {
                        refs.push((n.to_owned(), r));
                    }
                }
            });
            deps.push(refs);
            let info = match t {
                TypeDesc::Enum(e) => {
                    if e.members.is_empty() {
                        return Err(SchemaError::Invalid {
                            in_type: e.full_name.clone(),
                            problem: "enum has no members",
                        });
                    }
                    let mut by_value: Vec<(u32, usize)> =
                        e.members.iter().enumerate().map(|(k, m)| (m.value, k)).collect();
                    by_value.sort_unstable();
                    if let Some(w) = by_value.windows(2).find(|w| w[0].0 == w[1].0) {
                        return Err(SchemaError::DuplicateField {
                            in_type: e.full_name.clone(),
                            field: e.members[w[1].1].name.clone(),
                        });
                    }
                    let mut by_name = HashMap::new();
                    for (k, m) in e.members.iter().enumerate() {
                        if by_name.insert(m.name.clone(), k).is_some() {
                            return Err(SchemaError::DuplicateField {
                                in_type: e.full_name.clone(),
                                field: m.name.clone(),
                            });
                        }
                    }
                    TypeInfo::Enum(EnumInfo {
                        idx,
                        full_name: e.full_name.clone(),
                        registration: e.registration.clone(),
                        members: e.members.clone(),
                        by_value,
                        by_name,
                    })
                }
                TypeDesc::Union(u) => {
                    if u.cases.is_empty() || u.cases.len() > self.limits.max_fields_per_type {
                        return Err(SchemaError::Invalid {
                            in_type: u.full_name.clone(),
                            problem: "a union needs 1 to max_fields_per_type cases",
                        });
                    }
                    let mut cases: Vec<UnionCaseInfo> = Vec::with_capacity(u.cases.len());
                    for c in &u.cases {
                        if cases.iter().any(|k| k.id == c.id || k.name == c.name) {
                            return Err(SchemaError::DuplicateField {
                                in_type: u.full_name.clone(),
                                field: c.name.clone(),
                            });
                        }
                        let ty = resolve(&c.ty, &u.full_name, &lookup, 0, &self.limits)?;
                        cases.push(UnionCaseInfo { name: c.name.clone(), id: c.id, ty });
                    }
                    TypeInfo::Union(UnionInfo {
                        idx,
                        full_name: u.full_name.clone(),
                        registration: u.registration.clone(),
                        cases,
                    })
                }
                TypeDesc::Message(m) => {
                    if m.fields.len() > self.limits.max_fields_per_type {
                        return Err(SchemaError::Limit {
                            what: "fields per type",
                            value: m.fields.len(),
                            limit: self.limits.max_fields_per_type,
                        });
                    }
                    let mut fields = Vec::with_capacity(m.fields.len());
                    let mut by_name = HashMap::new();
                    let mut tags = HashMap::new();
                    for (k, f) in m.fields.iter().enumerate() {
                        let dup = |field: String| SchemaError::DuplicateField {
                            in_type: m.full_name.clone(),
                            field,
                        };
                        if by_name.insert(f.name.clone(), k).is_some() {
                            return Err(dup(f.name.clone()));
                        }
                        if let Some(tag) = f.tag {
                            if tag >= (1 << 29) {
                                return Err(SchemaError::Invalid {
                                    in_type: m.full_name.clone(),
                                    problem: "field tag id above 2^29-1",
                                });
                            }
                            if tags.insert(tag, k).is_some() {
                                return Err(dup(tag.to_string()));
                            }
                        }
                        let ty = resolve(&f.ty, &m.full_name, &lookup, 0, &self.limits)?;
                        // A message field is nullable only when its descriptor says so (FDL
                        // says so for every message field, as fory-compiler does; a plain
                        // `T` field of a fory-crate struct is not). `any` always carries a
                        // null flag.
                        let nullable = f.nullable || matches!(ty, ResolvedType::Any);
                        fields.push(FieldInfo {
                            name: f.name.clone(),
                            snake_name: snake_case(&f.name),
                            tag: f.tag,
                            ty,
                            nullable,
                            tracking_ref: f.tracking_ref,
                        });
                    }
                    let wire_order = field_order(&fields);
                    let fingerprint = fingerprint(&fields);
                    let hash = struct_hash(&fingerprint);
                    TypeInfo::Message(MessageInfo {
                        idx,
                        full_name: m.full_name.clone(),
                        registration: m.registration.clone(),
                        fields,
                        wire_order,
                        hash,
                        fingerprint,
                        evolving: m.evolving,
                        by_name,
                    })
                }
            };
            out.push(info);
        }
        if let Some(in_type) = plain_message_cycle(&out, base) {
            return Err(SchemaError::Invalid {
                in_type: in_type.to_owned(),
                problem: "a cycle of non-nullable message fields has no finite value",
            });
        }
        // Release the identities of the versions being replaced.
        for name in &replaced {
            let Some(old) = self.by_name.get(*name).copied() else { continue };
            let Some(info) = self.types.get(old.0 as usize).cloned() else { continue };
            match info.registration() {
                Registration::Id(id) => {
                    let key = (info_kind(&info), *id);
                    if self.by_id.get(&key) == Some(&old) {
                        self.by_id.remove(&key);
                    }
                }
                Registration::Named { namespace, name } => {
                    let key = (namespace.clone(), name.clone());
                    if self.by_ns_name.get(&key) == Some(&old) {
                        self.by_ns_name.remove(&key);
                    }
                }
            }
        }
        for ((info, refs), t) in out.into_iter().zip(deps).zip(&fresh) {
            let idx = TypeIdx(self.types.len() as u32);
            self.by_name.insert(info.full_name().to_owned(), idx);
            match info.registration() {
                Registration::Id(id) => {
                    self.by_id.insert((info_kind(&info), *id), idx);
                }
                Registration::Named { namespace, name } => {
                    self.by_ns_name.insert((namespace.clone(), name.clone()), idx);
                }
            }
            self.types.push(Arc::new(info));
            self.descs.push(Arc::new(((*t).clone(), refs)));
        }
        let mut next = base;
        let idxs = kept
            .iter()
            .map(|k| {
                k.unwrap_or_else(|| {
                    next += 1;
                    TypeIdx(next - 1)
                })
            })
            .collect();
        Ok(idxs)
    }
}

/// Calls `f` with every type name the fields or cases of `t` mention.
fn named_refs(t: &TypeDesc, f: &mut dyn FnMut(&str)) {
    fn walk(ty: &FieldType, f: &mut dyn FnMut(&str)) {
        match ty {
            FieldType::Named(n) => f(n),
            FieldType::List(e) | FieldType::Set(e) => walk(&e.ty, f),
            FieldType::Map(k, v) => {
                walk(&k.ty, f);
                walk(&v.ty, f);
            }
            _ => {}
        }
    }
    match t {
        TypeDesc::Message(m) => m.fields.iter().for_each(|fd| walk(&fd.ty, f)),
        TypeDesc::Union(u) => u.cases.iter().for_each(|c| walk(&c.ty, f)),
        TypeDesc::Enum(_) => {}
    }
}

/// The name of a message of `batch` (types from index `base` on) that reaches itself through
/// non-nullable, untracked message fields: such a message has no finite value (and no default
/// for a reader to fill in). Types registered earlier cannot refer to the batch, so every cycle
/// lies within it.
fn plain_message_cycle(batch: &[TypeInfo], base: u32) -> Option<&str> {
    let plain_children = |info: &TypeInfo| -> Vec<usize> {
        let TypeInfo::Message(m) = info else { return Vec::new() };
        m.fields
            .iter()
            .filter(|f| !f.nullable && !f.tracking_ref)
            .filter_map(|f| match f.ty {
                ResolvedType::Message(t) if t.0 >= base => Some((t.0 - base) as usize),
                _ => None,
            })
            .collect()
    };
    // Iterative depth-first search: 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; batch.len()];
    for root in 0..batch.len() {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, plain_children(&batch[root]), 0usize)];
        while let Some((node, children, next)) = stack.last_mut() {
            let Some(&child) = children.get(*next) else {
                state[*node] = 2;
                stack.pop();
                continue;
            };
            *next += 1;
            match state.get(child) {
                Some(0) => {
                    state[child] = 1;
                    stack.push((child, plain_children(&batch[child]), 0));
                }
                Some(1) => return Some(batch[child].full_name()),
                _ => {}
            }
        }
    }
    None
}

fn resolve(
    ty: &FieldType,
    in_type: &str,
    lookup: &dyn Fn(&str) -> Option<(TypeIdx, u8)>,
    depth: usize,
    limits: &Limits,
) -> Result<ResolvedType, SchemaError> {
    if depth > limits.max_type_nesting {
        return Err(SchemaError::Limit {
            what: "type nesting",
            value: depth,
            limit: limits.max_type_nesting,
        });
    }
    let elem = |e: &ElemType| -> Result<Box<ResolvedElem>, SchemaError> {
        Ok(Box::new(ResolvedElem {
            ty: resolve(&e.ty, in_type, lookup, depth + 1, limits)?,
            nullable: e.nullable,
            tracking_ref: e.tracking_ref,
        }))
    };
    Ok(match ty {
        FieldType::Bool => ResolvedType::Bool,
        FieldType::Int8 => ResolvedType::Int8,
        FieldType::Int16 => ResolvedType::Int16,
        FieldType::Int32(IntEncoding::Tagged) | FieldType::UInt32(IntEncoding::Tagged) => {
            return Err(SchemaError::Invalid {
                in_type: in_type.to_owned(),
                problem: "tagged encoding exists only for 64-bit integers",
            })
        }
        FieldType::Int32(e) => ResolvedType::Int32(*e),
        FieldType::Int64(e) => ResolvedType::Int64(*e),
        FieldType::UInt8 => ResolvedType::UInt8,
        FieldType::UInt16 => ResolvedType::UInt16,
        FieldType::UInt32(e) => ResolvedType::UInt32(*e),
        FieldType::UInt64(e) => ResolvedType::UInt64(*e),
        FieldType::Float16 => ResolvedType::Float16,
        FieldType::BFloat16 => ResolvedType::BFloat16,
        FieldType::Float32 => ResolvedType::Float32,
        FieldType::Float64 => ResolvedType::Float64,
        FieldType::String => ResolvedType::String,
        FieldType::Binary => ResolvedType::Binary,
        FieldType::Date => ResolvedType::Date,
        FieldType::Timestamp => ResolvedType::Timestamp,
        FieldType::Duration => ResolvedType::Duration,
        FieldType::Decimal => ResolvedType::Decimal,
        FieldType::Array(e) => ResolvedType::Array(*e),
        FieldType::List(e) => ResolvedType::List(elem(e)?),
        FieldType::Set(e) => ResolvedType::Set(elem(e)?),
        FieldType::Map(k, v) => {
            let key = elem(k)?;
            let ok_key = matches!(
                key.ty,
                ResolvedType::String
                    | ResolvedType::Bool
                    | ResolvedType::Int8
                    | ResolvedType::Int16
                    | ResolvedType::Int32(_)
                    | ResolvedType::Int64(_)
                    | ResolvedType::UInt8
                    | ResolvedType::UInt16
                    | ResolvedType::UInt32(_)
                    | ResolvedType::UInt64(_)
                    | ResolvedType::Date
                    | ResolvedType::Timestamp
                    | ResolvedType::Duration
                    | ResolvedType::Enum(_)
            );
            if !ok_key {
                return Err(SchemaError::Invalid {
                    in_type: in_type.to_owned(),
                    problem: "map keys must be string, bool, integer, time or enum",
                });
            }
            ResolvedType::Map(key, elem(v)?)
        }
        FieldType::Named(n) => match lookup(n) {
            Some((idx, KIND_ENUM)) => ResolvedType::Enum(idx),
            Some((idx, KIND_UNION)) => ResolvedType::Union(idx),
            Some((idx, _)) => ResolvedType::Message(idx),
            None => {
                return Err(SchemaError::UnknownType {
                    in_type: in_type.to_owned(),
                    name: n.clone(),
                })
            }
        },
        FieldType::Any => ResolvedType::Any,
    })
}

/// pyfory's snake_case: `_` before an uppercase letter that follows a lowercase letter or digit,
/// or that ends an uppercase run followed by a lowercase letter; then lowercase everything.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn cmp_identifier(a: &FieldInfo, b: &FieldInfo) -> Ordering {
    match (a.tag, b.tag) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.snake_name.as_bytes().cmp(b.snake_name.as_bytes()),
    }
}

/// The xlang field order: non-nullable primitives, nullable primitives, then everything else.
fn field_order(fields: &[FieldInfo]) -> Vec<usize> {
    let group = |f: &FieldInfo| -> u8 {
        match (f.ty.is_primitive(), f.nullable) {
            (true, false) => 0,
            (true, true) => 1,
            _ => 2,
        }
    };
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&fields[i], &fields[j]);
        let (ga, gb) = (group(a), group(b));
        ga.cmp(&gb).then_with(|| {
            if ga == 2 {
                return cmp_identifier(a, b);
            }
            a.ty.is_compressed()
                .cmp(&b.ty.is_compressed())
                .then_with(|| b.ty.primitive_size().cmp(&a.ty.primitive_size()))
                .then_with(|| a.ty.type_id().cmp(&b.ty.type_id()))
                .then_with(|| cmp_identifier(a, b))
        })
    });
    order
}

fn fingerprint(fields: &[FieldInfo]) -> String {
    let mut sorted: Vec<&FieldInfo> = fields.iter().collect();
    sorted.sort_by(|a, b| cmp_identifier(a, b));
    let mut out = String::new();
    for f in sorted {
        match f.tag {
            Some(t) => out.push_str(&t.to_string()),
            None => out.push_str(&f.snake_name),
        }
        out.push(',');
        f.ty.fingerprint(&mut out, f.tracking_ref, f.nullable);
        out.push(';');
    }
    out
}

fn struct_hash(fingerprint: &str) -> u32 {
    if fingerprint.is_empty() {
        return 47;
    }
    murmur3_x64_128_lane0(fingerprint.as_bytes(), 47) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::{FieldDesc, MessageDesc};

    #[test]
    fn point_hash_and_order() {
        let desc = SchemaDesc::new("golden").message(
            MessageDesc::with_id("golden.Point", 103)
                .field(FieldDesc::new("x", 1, FieldType::Int32(IntEncoding::Varint)))
                .field(FieldDesc::new("y", 2, FieldType::Int32(IntEncoding::Varint))),
        );
        let mut reg = Registry::default();
        let ids = reg.register(desc).unwrap();
        let p = reg.message(ids[0]).unwrap();
        assert_eq!(p.fingerprint, "1,5,0,0;2,5,0,0;");
        assert_eq!(p.hash.to_le_bytes(), [0x3d, 0x37, 0x2c, 0x49]);
        assert_eq!(p.wire_order, vec![0, 1]);
    }

    #[test]
    fn name_keyed_fingerprint() {
        let desc = SchemaDesc::new("t").message(
            MessageDesc::with_id("t.P", 1)
                .field(FieldDesc::named("name", FieldType::String))
                .field(FieldDesc::named("age", FieldType::Int32(IntEncoding::Varint)))
                .field(FieldDesc::named("nickName", FieldType::String).nullable())
                .field(FieldDesc::named("score_2", FieldType::Float64)),
        );
        let mut reg = Registry::default();
        let ids = reg.register(desc).unwrap();
        let p = reg.message(ids[0]).unwrap();
        assert_eq!(p.fingerprint, "age,5,0,0;name,21,0,0;nick_name,21,0,1;score_2,20,0,0;");
    }

    #[test]
    fn registering_again_reuses_or_versions() {
        let v1 = "package r; message A [id=1] { int32 x = 1; } message B [id=2] { A a = 1; }";
        let mut reg = Registry::default();
        let first = reg.register(SchemaDesc::from_idl(v1).unwrap()).unwrap();
        // Unchanged: the same indices, nothing added.
        assert_eq!(reg.register(SchemaDesc::from_idl(v1).unwrap()).unwrap(), first);
        assert_eq!(reg.len(), 2);
        // A new version of A alone: B keeps the old A.
        let a2 = "package r; message A [id=1] { int32 x = 1; string y = 2; }";
        let a2_ids = reg.register(SchemaDesc::from_idl(a2).unwrap()).unwrap();
        assert_eq!(a2_ids, [TypeIdx(2)]);
        assert_eq!(reg.by_name("r.A"), Some(TypeIdx(2)));
        assert_eq!(reg.by_user_id(false, 1), Some(TypeIdx(2)));
        assert!(!reg.is_current(first[0]) && reg.is_current(TypeIdx(2)));
        assert_eq!(reg.message(first[0]).unwrap().fields.len(), 1, "the old version stays");
        assert_eq!(reg.message(first[1]).unwrap().fields[0].ty, ResolvedType::Message(first[0]));
        // B's unchanged descriptor now resolves A elsewhere: a new version of B.
        let b = "package r; message B [id=2] { A a = 1; }";
        let b_desc = crate::idl::parse_resolving(b, &Default::default(), Some(&reg)).unwrap();
        let b_ids = reg.register(b_desc).unwrap();
        assert_eq!(b_ids, [TypeIdx(3)]);
        assert_eq!(
            reg.message(TypeIdx(3)).unwrap().fields[0].ty,
            ResolvedType::Message(TypeIdx(2))
        );
        // Loading everything again changes nothing now.
        let all = "package r; message A [id=1] { int32 x = 1; string y = 2; } message B [id=2] { A a = 1; }";
        assert_eq!(
            reg.register(SchemaDesc::from_idl(all).unwrap()).unwrap(),
            [TypeIdx(2), TypeIdx(3)]
        );
        assert_eq!(reg.len(), 4);
        // A version may change its id; the old id is released, and another type may take it.
        let moved = "package r; message A [id=7] { int32 x = 1; } message C [id=1] { }";
        let ids = reg.register(SchemaDesc::from_idl(moved).unwrap()).unwrap();
        assert_eq!(reg.by_user_id(false, 7), Some(ids[0]));
        assert_eq!(reg.by_user_id(false, 1), Some(ids[1]));
        // An id still held by another live type is refused, and nothing changes.
        let clash = "package r; message D [id=2] { }";
        assert_eq!(
            reg.register(SchemaDesc::from_idl(clash).unwrap()),
            Err(SchemaError::DuplicateTypeId(2))
        );
        assert_eq!(reg.by_user_id(false, 2), Some(TypeIdx(3)));
        // Named registrations: a new version takes over its namespace and name.
        let named = "package n; option enable_auto_type_id = false; message N { int32 a = 1; }";
        let n1 = reg.register(SchemaDesc::from_idl(named).unwrap()).unwrap()[0];
        let named2 = "package n; option enable_auto_type_id = false; message N { int64 a = 1; }";
        let n2 = reg.register(SchemaDesc::from_idl(named2).unwrap()).unwrap()[0];
        assert_ne!(n1, n2);
        assert_eq!(reg.by_namespace_name("n", "N"), Some(n2));
    }

    #[test]
    fn snake_case_matches_pyfory() {
        assert_eq!(snake_case("nickName"), "nick_name");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("score2"), "score2");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }

    #[test]
    fn rejects_unknown_and_duplicates() {
        let mut reg = Registry::default();
        let bad = SchemaDesc::new("t").message(
            MessageDesc::with_id("t.A", 1).field(FieldDesc::new("b", 1, FieldType::named("t.B"))),
        );
        assert!(matches!(reg.register(bad), Err(SchemaError::UnknownType { .. })));
        let dup = SchemaDesc::new("t")
            .message(MessageDesc::with_id("t.A", 1))
            .message(MessageDesc::with_id("t.B", 1));
        assert_eq!(reg.register(dup), Err(SchemaError::DuplicateTypeId(1)));
        assert!(reg.is_empty());
    }

    #[test]
    fn message_fields_are_nullable_only_when_described_so() {
        // Issue 11 item 5: a plain `T` struct field of the fory crate is non-nullable (hash
        // fingerprint `0,0,0`); `Option<T>` and every FDL message field are nullable (`0,0,1`).
        let desc = SchemaDesc::new("t").message(MessageDesc::with_id("t.P", 1)).message(
            MessageDesc::with_id("t.W", 2)
                .field(FieldDesc::new("p", 1, FieldType::named("t.P")))
                .field(FieldDesc::new("q", 2, FieldType::named("t.P")).nullable())
                .field(FieldDesc::new("a", 3, FieldType::Any)),
        );
        let mut reg = Registry::default();
        let ids = reg.register(desc).unwrap();
        let w = reg.message(ids[1]).unwrap();
        let nullable: Vec<bool> = w.fields.iter().map(|f| f.nullable).collect();
        assert_eq!(nullable, [false, true, true], "`any` is always nullable");
        assert_eq!(w.fingerprint, "1,0,0,0;2,0,0,1;3,0,0,1;");

        let fdl = "package f; message P [id=1] {} message W [id=2] { P p = 1; }";
        let mut reg = Registry::default();
        let ids = reg.register(SchemaDesc::from_idl(fdl).unwrap()).unwrap();
        assert!(reg.message(ids[1]).unwrap().fields[0].nullable, "FDL message fields");
    }

    #[test]
    fn rejects_cycles_of_plain_message_fields() {
        let msg = |name: &str, id: u32, next: &str| {
            MessageDesc::with_id(name, id).field(FieldDesc::new("next", 1, FieldType::named(next)))
        };
        // a -> b -> c -> a, all plain: no finite value.
        let cyclic = SchemaDesc::new("t")
            .message(msg("t.A", 1, "t.B"))
            .message(msg("t.B", 2, "t.C"))
            .message(msg("t.C", 3, "t.A"));
        let mut reg = Registry::default();
        assert!(matches!(reg.register(cyclic), Err(SchemaError::Invalid { .. })));
        let own = SchemaDesc::new("t").message(msg("t.S", 4, "t.S"));
        assert!(matches!(reg.register(own), Err(SchemaError::Invalid { .. })));
        assert!(reg.is_empty());
        // One nullable, reference-tracked or list link breaks the cycle.
        for link in [
            FieldDesc::new("next", 1, FieldType::named("t.A")).nullable(),
            FieldDesc::new("next", 1, FieldType::named("t.A")).tracking_ref(),
            FieldDesc::new("next", 1, FieldType::list(FieldType::named("t.A"))),
        ] {
            let ok = SchemaDesc::new("t")
                .message(msg("t.A", 1, "t.B"))
                .message(MessageDesc::with_id("t.B", 2).field(link));
            let mut reg = Registry::default();
            assert!(reg.register(ok).is_ok());
        }
    }
}
