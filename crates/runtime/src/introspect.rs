//! Introspection: what an engine knows about its registered types, and about the types peers
//! described to it in compatible mode (received TypeDefs).
//!
//! ```
//! use foryjit::introspect::TypeSchema;
//! use foryjit::{FieldType, ForyJit, IntEncoding, Registration};
//! let fory = ForyJit::default();
//! fory.load_idl(
//!     "package shop;
//!      enum Size [id=10] { S = 0; M = 1; L = 2; }
//!      message Shirt [id=11] { string name = 1; optional Size size = 2; list<fixed int32> ids = 3; }",
//! )?;
//! let Some(TypeSchema::Message(shirt)) = fory.describe_name("shop.Shirt") else { panic!() };
//! assert_eq!(shirt.registration, Registration::Id(11));
//! let size = shirt.field("size").unwrap();
//! assert_eq!((size.tag, size.nullable, size.ty.clone()), (Some(2), true, FieldType::named("shop.Size")));
//! assert_eq!(shirt.fields[2].type_name(), "list<fixed int32>");
//!
//! let Some(TypeSchema::Enum(sizes)) = fory.describe_name("shop.Size") else { panic!() };
//! let members: Vec<(&str, u32)> = sizes.members.iter().map(|m| (m.name.as_str(), m.value)).collect();
//! assert_eq!(members, [("S", 0), ("M", 1), ("L", 2)]);
//! # Ok::<(), foryjit::Error>(())
//! ```

use crate::TypeHandle;
use foryjit_schema::typedef::{DefKind, DefType, TypeDef};
use foryjit_schema::{
    ElemType, EnumMember, FieldDesc, FieldType, IntEncoding, MessageDesc, Registration, Registry,
    ResolvedElem, ResolvedType, TypeInfo,
};
use foryjit_wire::type_id as tid;

pub use foryjit_schema::typedef::{FieldKey, TypeIdent};

/// A registered type: a message, an enum or a union.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeSchema {
    /// A message (struct).
    Message(MessageSchema),
    /// An enum.
    Enum(EnumSchema),
    /// A union.
    Union(UnionSchema),
}

impl TypeSchema {
    /// The full name, `package.Type`.
    pub fn full_name(&self) -> &str {
        match self {
            TypeSchema::Message(m) => &m.full_name,
            TypeSchema::Enum(e) => &e.full_name,
            TypeSchema::Union(u) => &u.full_name,
        }
    }

    /// The handle of the type in its engine.
    pub fn handle(&self) -> TypeHandle {
        match self {
            TypeSchema::Message(m) => m.handle,
            TypeSchema::Enum(e) => e.handle,
            TypeSchema::Union(u) => u.handle,
        }
    }

    /// How the type is identified on the wire: a numeric id or namespace + name.
    pub fn registration(&self) -> &Registration {
        match self {
            TypeSchema::Message(m) => &m.registration,
            TypeSchema::Enum(e) => &e.registration,
            TypeSchema::Union(u) => &u.registration,
        }
    }
}

/// A registered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSchema {
    /// The handle of the type.
    pub handle: TypeHandle,
    /// Full name, `package.Type`.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// `false` for `[evolving=false]`: written without a TypeDef even in compatible mode.
    pub evolving: bool,
    /// Fields in declaration order (the order of [`crate::StructValue::fields`]).
    pub fields: Vec<FieldSchema>,
}

impl MessageSchema {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field with tag id `tag`.
    pub fn field_by_tag(&self, tag: u32) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.tag == Some(tag))
    }

    /// The descriptor that registers this message again (in another engine, say).
    ///
    /// ```
    /// # use foryjit::{ForyJit, SchemaDesc, introspect::TypeSchema};
    /// let a = ForyJit::default();
    /// a.load_idl("package p; message M [id=5] { optional string s = 1; map<string, int64> m = 2; }")?;
    /// let Some(TypeSchema::Message(m)) = a.describe_name("p.M") else { panic!() };
    /// let b = ForyJit::default();
    /// b.register_schema(SchemaDesc::new("p").message(m.to_desc()))?;
    /// assert_eq!(b.describe_name("p.M").map(|t| t.registration().clone()), Some(m.registration.clone()));
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn to_desc(&self) -> MessageDesc {
        MessageDesc {
            full_name: self.full_name.clone(),
            registration: self.registration.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldDesc {
                    name: f.name.clone(),
                    tag: f.tag,
                    ty: f.ty.clone(),
                    nullable: f.nullable,
                    tracking_ref: f.tracking_ref,
                })
                .collect(),
            evolving: self.evolving,
        }
    }
}

/// A field of a registered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSchema {
    /// Name as declared.
    pub name: String,
    /// Position in [`crate::StructValue::fields`].
    pub ordinal: usize,
    /// Tag id (the FDL field number); `None` when the field is identified by name.
    pub tag: Option<u32>,
    /// The type; user types by full name ([`FieldType::Named`]).
    pub ty: FieldType,
    /// May be null.
    pub nullable: bool,
    /// Reference-tracked (`ref`).
    pub tracking_ref: bool,
}

impl FieldSchema {
    /// The type in FDL syntax (`fixed int32`, `list<optional string>`, `demo.Point`).
    pub fn type_name(&self) -> String {
        fdl_type_name(&self.ty)
    }
}

/// A registered enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumSchema {
    /// The handle of the type.
    pub handle: TypeHandle,
    /// Full name.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Members in declaration order: name and the value written on the wire.
    pub members: Vec<EnumMember>,
}

/// A registered union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionSchema {
    /// The handle of the type.
    pub handle: TypeHandle,
    /// Full name.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Cases in declaration order.
    pub cases: Vec<UnionCaseSchema>,
}

/// A case of a union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionCaseSchema {
    /// Name as declared.
    pub name: String,
    /// Case id (written on the wire).
    pub id: u32,
    /// The type of the case's value.
    pub ty: FieldType,
}

/// A type as a peer described it in a TypeDef (compatible mode): what foryjit knows about the
/// writer's version of a type, registered here or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTypeSchema {
    /// The identity the TypeDef carries.
    pub ident: TypeIdent,
    /// What kind of type it describes.
    pub kind: RemoteKind,
    /// The registered type of that identity and kind, if this engine has one.
    pub local: Option<TypeHandle>,
    /// The TypeDef's 8-byte header (its hash identifies this version of the type).
    pub header: u64,
    /// The writer's fields in its wire order (structs; empty for other kinds).
    pub fields: Vec<RemoteFieldSchema>,
}

/// What kind of type a TypeDef describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteKind {
    /// A struct; `compatible` is the TypeDef's compatible bit.
    Struct {
        /// Written in compatible mode.
        compatible: bool,
    },
    /// An enum.
    Enum,
    /// A union.
    Union,
    /// An extension type.
    Ext,
}

/// A field of a remote struct type, as the writer's TypeDef states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFieldSchema {
    /// How the field is identified: tag id or (snake_case) name.
    pub key: FieldKey,
    /// The field's type in FDL syntax as far as a TypeDef says: `int32`, `list<string>`;
    /// user types are `struct`, `enum` or `union` (a TypeDef does not name them).
    pub type_name: String,
    /// The xlang type id of the field's type (see [`crate::type_id`]).
    pub type_id: u32,
    /// May be null.
    pub nullable: bool,
    /// Reference-tracked.
    pub tracking_ref: bool,
}

impl RemoteTypeSchema {
    /// The remote type a parsed TypeDef describes; `local` is resolved by the caller.
    pub(crate) fn of(def: &TypeDef, local: Option<TypeHandle>) -> RemoteTypeSchema {
        RemoteTypeSchema {
            ident: def.ident.clone(),
            kind: match def.kind {
                DefKind::Struct { compatible } => RemoteKind::Struct { compatible },
                DefKind::Other(0 | 1) => RemoteKind::Enum,
                DefKind::Other(4 | 5) => RemoteKind::Union,
                DefKind::Other(_) => RemoteKind::Ext,
            },
            local,
            header: def.header,
            fields: def
                .fields
                .iter()
                .map(|f| RemoteFieldSchema {
                    key: f.key.clone(),
                    type_name: def_type_name(&f.ty),
                    type_id: f.ty.id,
                    nullable: f.nullable,
                    tracking_ref: f.tracking_ref,
                })
                .collect(),
        }
    }

    /// The field identified by tag id `tag`.
    pub fn field_by_tag(&self, tag: u32) -> Option<&RemoteFieldSchema> {
        self.fields.iter().find(|f| f.key == FieldKey::Tag(tag))
    }

    /// The field identified by name `name` (compared in snake_case, as the peers match).
    pub fn field_by_name(&self, name: &str) -> Option<&RemoteFieldSchema> {
        let want = foryjit_schema::snake_case(name);
        self.fields.iter().find(|f| match &f.key {
            FieldKey::Name(n) => foryjit_schema::snake_case(n) == want,
            FieldKey::Tag(_) => false,
        })
    }
}

/// `namespace.name`, or `#id`.
pub(crate) fn ident_name(ident: &TypeIdent) -> String {
    match ident {
        TypeIdent::Id(id) => format!("#{id}"),
        TypeIdent::Named { namespace, name } if namespace.is_empty() => name.clone(),
        TypeIdent::Named { namespace, name } => format!("{namespace}.{name}"),
    }
}

/// The description of registered type `ty`.
pub(crate) fn describe(reg: &Registry, ty: foryjit_wire::TypeIdx) -> Option<TypeSchema> {
    let handle = TypeHandle::new(ty);
    Some(match &**reg.get(ty)? {
        TypeInfo::Message(m) => TypeSchema::Message(MessageSchema {
            handle,
            full_name: m.full_name.clone(),
            registration: m.registration.clone(),
            evolving: m.evolving,
            fields: m
                .fields
                .iter()
                .enumerate()
                .map(|(ordinal, f)| FieldSchema {
                    name: f.name.clone(),
                    ordinal,
                    tag: f.tag,
                    ty: field_type(reg, &f.ty),
                    nullable: f.nullable,
                    tracking_ref: f.tracking_ref,
                })
                .collect(),
        }),
        TypeInfo::Enum(e) => TypeSchema::Enum(EnumSchema {
            handle,
            full_name: e.full_name.clone(),
            registration: e.registration.clone(),
            members: e.members.clone(),
        }),
        TypeInfo::Union(u) => TypeSchema::Union(UnionSchema {
            handle,
            full_name: u.full_name.clone(),
            registration: u.registration.clone(),
            cases: u
                .cases
                .iter()
                .map(|c| UnionCaseSchema {
                    name: c.name.clone(),
                    id: c.id,
                    ty: field_type(reg, &c.ty),
                })
                .collect(),
        }),
    })
}

/// The descriptor type of a resolved type (user types by full name).
pub(crate) fn field_type(reg: &Registry, ty: &ResolvedType) -> FieldType {
    let elem = |e: &ResolvedElem| {
        Box::new(ElemType {
            ty: field_type(reg, &e.ty),
            nullable: e.nullable,
            tracking_ref: e.tracking_ref,
        })
    };
    let named = |t: foryjit_wire::TypeIdx| FieldType::Named(crate::view::type_name_of(reg, t));
    match ty {
        ResolvedType::Bool => FieldType::Bool,
        ResolvedType::Int8 => FieldType::Int8,
        ResolvedType::Int16 => FieldType::Int16,
        ResolvedType::Int32(e) => FieldType::Int32(*e),
        ResolvedType::Int64(e) => FieldType::Int64(*e),
        ResolvedType::UInt8 => FieldType::UInt8,
        ResolvedType::UInt16 => FieldType::UInt16,
        ResolvedType::UInt32(e) => FieldType::UInt32(*e),
        ResolvedType::UInt64(e) => FieldType::UInt64(*e),
        ResolvedType::Float16 => FieldType::Float16,
        ResolvedType::BFloat16 => FieldType::BFloat16,
        ResolvedType::Float32 => FieldType::Float32,
        ResolvedType::Float64 => FieldType::Float64,
        ResolvedType::String => FieldType::String,
        ResolvedType::Binary => FieldType::Binary,
        ResolvedType::Date => FieldType::Date,
        ResolvedType::Timestamp => FieldType::Timestamp,
        ResolvedType::Duration => FieldType::Duration,
        ResolvedType::Decimal => FieldType::Decimal,
        ResolvedType::Array(e) => FieldType::Array(*e),
        ResolvedType::List(e) => FieldType::List(elem(e)),
        ResolvedType::Set(e) => FieldType::Set(elem(e)),
        ResolvedType::Map(k, v) => FieldType::Map(elem(k), elem(v)),
        ResolvedType::Message(t) | ResolvedType::Enum(t) | ResolvedType::Union(t) => named(*t),
        ResolvedType::Any => FieldType::Any,
    }
}

fn int_name(base: &str, e: IntEncoding) -> String {
    match e {
        IntEncoding::Varint => base.to_owned(),
        IntEncoding::Fixed => format!("fixed {base}"),
        IntEncoding::Tagged => format!("tagged {base}"),
    }
}

/// A type in FDL syntax: `int32`, `fixed int64`, `list<optional string>`,
/// `map<string, ref demo.Node>`, `array<float32>`, `demo.Point`, `any`.
///
/// ```
/// use foryjit::{introspect::fdl_type_name, FieldType, IntEncoding};
/// let t = FieldType::map(FieldType::String, FieldType::list(FieldType::Int64(IntEncoding::Tagged)));
/// assert_eq!(fdl_type_name(&t), "map<string, list<tagged int64>>");
/// ```
pub fn fdl_type_name(ty: &FieldType) -> String {
    let elem = |e: &ElemType| {
        let mut s = String::new();
        if e.nullable {
            s.push_str("optional ");
        }
        if e.tracking_ref {
            s.push_str("ref ");
        }
        s.push_str(&fdl_type_name(&e.ty));
        s
    };
    match ty {
        FieldType::Bool => "bool".into(),
        FieldType::Int8 => "int8".into(),
        FieldType::Int16 => "int16".into(),
        FieldType::Int32(e) => int_name("int32", *e),
        FieldType::Int64(e) => int_name("int64", *e),
        FieldType::UInt8 => "uint8".into(),
        FieldType::UInt16 => "uint16".into(),
        FieldType::UInt32(e) => int_name("uint32", *e),
        FieldType::UInt64(e) => int_name("uint64", *e),
        FieldType::Float16 => "float16".into(),
        FieldType::BFloat16 => "bfloat16".into(),
        FieldType::Float32 => "float32".into(),
        FieldType::Float64 => "float64".into(),
        FieldType::String => "string".into(),
        FieldType::Binary => "bytes".into(),
        FieldType::Date => "date".into(),
        FieldType::Timestamp => "timestamp".into(),
        FieldType::Duration => "duration".into(),
        FieldType::Decimal => "decimal".into(),
        FieldType::Array(e) => format!("array<{}>", crate::json::array_elem_name(*e)),
        FieldType::List(e) => format!("list<{}>", elem(e)),
        FieldType::Set(e) => format!("set<{}>", elem(e)),
        FieldType::Map(k, v) => format!("map<{}, {}>", elem(k), elem(v)),
        FieldType::Named(n) => n.clone(),
        FieldType::Any => "any".into(),
    }
}

/// A TypeDef field type in FDL syntax (user types by kind: `struct`, `enum`, `union`, `ext`).
fn def_type_name(t: &DefType) -> String {
    let arg = |i: usize| match t.args.get(i) {
        Some(a) => {
            let mut s = String::new();
            if a.nullable {
                s.push_str("optional ");
            }
            if a.tracking_ref {
                s.push_str("ref ");
            }
            s.push_str(&def_type_name(a));
            s
        }
        None => "any".to_owned(),
    };
    let simple = match t.id {
        tid::UNKNOWN => "any",
        tid::BOOL => "bool",
        tid::INT8 => "int8",
        tid::INT16 => "int16",
        tid::INT32 => "fixed int32",
        tid::VARINT32 => "int32",
        tid::INT64 => "fixed int64",
        tid::VARINT64 => "int64",
        tid::TAGGED_INT64 => "tagged int64",
        tid::UINT8 => "uint8",
        tid::UINT16 => "uint16",
        tid::UINT32 => "fixed uint32",
        tid::VAR_UINT32 => "uint32",
        tid::UINT64 => "fixed uint64",
        tid::VAR_UINT64 => "uint64",
        tid::TAGGED_UINT64 => "tagged uint64",
        tid::FLOAT16 => "float16",
        tid::BFLOAT16 => "bfloat16",
        tid::FLOAT32 => "float32",
        tid::FLOAT64 => "float64",
        tid::STRING => "string",
        tid::BINARY => "bytes",
        tid::DATE => "date",
        tid::TIMESTAMP => "timestamp",
        tid::DURATION => "duration",
        tid::DECIMAL => "decimal",
        tid::ENUM | tid::NAMED_ENUM => "enum",
        tid::STRUCT | tid::COMPATIBLE_STRUCT | tid::NAMED_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
            "struct"
        }
        tid::UNION | tid::TYPED_UNION | tid::NAMED_UNION => "union",
        tid::EXT | tid::NAMED_EXT => "ext",
        tid::LIST => return format!("list<{}>", arg(0)),
        tid::SET => return format!("set<{}>", arg(0)),
        tid::MAP => return format!("map<{}, {}>", arg(0), arg(1)),
        id => match foryjit_schema::ArrayElem::from_type_id(id) {
            Some(e) => return fdl_type_name(&FieldType::Array(e)),
            None => return format!("type#{id}"),
        },
    };
    simple.to_owned()
}
