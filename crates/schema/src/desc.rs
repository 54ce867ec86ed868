//! Type descriptors: the run-time schema a user builds in code or loads from Fory IDL.
//!
//! Descriptors name other types by their full name (`package.Type`); the [`crate::Registry`]
//! resolves those names when a schema is registered.

use crate::SchemaError;

/// How an integer field is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IntEncoding {
    /// Zigzag/unsigned varint (the FDL default for 32- and 64-bit ints).
    #[default]
    Varint,
    /// Fixed width little endian (`fixed`).
    Fixed,
    /// Tagged: 4 bytes when small, else 9 (`tagged`; 64-bit only).
    Tagged,
}

/// Element type of a dense primitive array (`array<T>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArrayElem {
    /// bool (1 byte each)
    Bool,
    /// int8
    Int8,
    /// int16
    Int16,
    /// int32
    Int32,
    /// int64
    Int64,
    /// uint8
    UInt8,
    /// uint16
    UInt16,
    /// uint32
    UInt32,
    /// uint64
    UInt64,
    /// float16
    Float16,
    /// bfloat16
    BFloat16,
    /// float32
    Float32,
    /// float64
    Float64,
}

impl ArrayElem {
    /// Width of one element in bytes.
    pub fn width(self) -> u32 {
        match self {
            ArrayElem::Bool | ArrayElem::Int8 | ArrayElem::UInt8 => 1,
            ArrayElem::Int16 | ArrayElem::UInt16 | ArrayElem::Float16 | ArrayElem::BFloat16 => 2,
            ArrayElem::Int32 | ArrayElem::UInt32 | ArrayElem::Float32 => 4,
            ArrayElem::Int64 | ArrayElem::UInt64 | ArrayElem::Float64 => 8,
        }
    }

    /// The `*_ARRAY` xlang type id.
    pub fn type_id(self) -> u32 {
        use foryjit_wire::type_id::*;
        match self {
            ArrayElem::Bool => BOOL_ARRAY,
            ArrayElem::Int8 => INT8_ARRAY,
            ArrayElem::Int16 => INT16_ARRAY,
            ArrayElem::Int32 => INT32_ARRAY,
            ArrayElem::Int64 => INT64_ARRAY,
            ArrayElem::UInt8 => UINT8_ARRAY,
            ArrayElem::UInt16 => UINT16_ARRAY,
            ArrayElem::UInt32 => UINT32_ARRAY,
            ArrayElem::UInt64 => UINT64_ARRAY,
            ArrayElem::Float16 => FLOAT16_ARRAY,
            ArrayElem::BFloat16 => BFLOAT16_ARRAY,
            ArrayElem::Float32 => FLOAT32_ARRAY,
            ArrayElem::Float64 => FLOAT64_ARRAY,
        }
    }

    /// The element type for an array type id.
    pub fn from_type_id(id: u32) -> Option<ArrayElem> {
        use foryjit_wire::type_id::*;
        Some(match id {
            BOOL_ARRAY => ArrayElem::Bool,
            INT8_ARRAY => ArrayElem::Int8,
            INT16_ARRAY => ArrayElem::Int16,
            INT32_ARRAY => ArrayElem::Int32,
            INT64_ARRAY => ArrayElem::Int64,
            UINT8_ARRAY => ArrayElem::UInt8,
            UINT16_ARRAY => ArrayElem::UInt16,
            UINT32_ARRAY => ArrayElem::UInt32,
            UINT64_ARRAY => ArrayElem::UInt64,
            FLOAT16_ARRAY => ArrayElem::Float16,
            BFLOAT16_ARRAY => ArrayElem::BFloat16,
            FLOAT32_ARRAY => ArrayElem::Float32,
            FLOAT64_ARRAY => ArrayElem::Float64,
            _ => return None,
        })
    }
}

/// The type of a field, list element, or map key/value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// bool
    Bool,
    /// int8
    Int8,
    /// int16
    Int16,
    /// int32 with its encoding (varint by default)
    Int32(IntEncoding),
    /// int64 with its encoding
    Int64(IntEncoding),
    /// uint8
    UInt8,
    /// uint16
    UInt16,
    /// uint32 with its encoding
    UInt32(IntEncoding),
    /// uint64 with its encoding
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
    /// decimal (arbitrary precision)
    Decimal,
    /// dense primitive array
    Array(ArrayElem),
    /// list of elements
    List(Box<ElemType>),
    /// set of elements
    Set(Box<ElemType>),
    /// map
    Map(Box<ElemType>, Box<ElemType>),
    /// a user type (message or enum) by full name `package.Type`
    Named(String),
    /// any value (carries its own type)
    Any,
}

impl FieldType {
    /// A list of `elem` (non-null, not ref-tracked elements).
    pub fn list(elem: FieldType) -> FieldType {
        FieldType::List(Box::new(ElemType::new(elem)))
    }

    /// A map from `key` to `value`.
    pub fn map(key: FieldType, value: FieldType) -> FieldType {
        FieldType::Map(Box::new(ElemType::new(key)), Box::new(ElemType::new(value)))
    }

    /// A user type by full name.
    pub fn named(name: impl Into<String>) -> FieldType {
        FieldType::Named(name.into())
    }

    /// True for the "primitive" group of the field order (bool, ints, floats).
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            FieldType::Bool
                | FieldType::Int8
                | FieldType::Int16
                | FieldType::Int32(_)
                | FieldType::Int64(_)
                | FieldType::UInt8
                | FieldType::UInt16
                | FieldType::UInt32(_)
                | FieldType::UInt64(_)
                | FieldType::Float16
                | FieldType::BFloat16
                | FieldType::Float32
                | FieldType::Float64
        )
    }
}

/// A list element, set element, or map key/value type with its modifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElemType {
    /// The element type.
    pub ty: FieldType,
    /// Elements may be null (`list<optional T>`).
    pub nullable: bool,
    /// Elements are reference-tracked (`list<ref T>`).
    pub tracking_ref: bool,
}

impl ElemType {
    /// A non-null, untracked element of type `ty`.
    pub fn new(ty: FieldType) -> Self {
        ElemType { ty, nullable: false, tracking_ref: false }
    }
}

/// One field of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDesc {
    /// Field name as declared.
    pub name: String,
    /// Tag id (FDL field number). When absent the snake_case name identifies the field.
    pub tag: Option<u32>,
    /// The type.
    pub ty: FieldType,
    /// The field may be null: `ff`/`fd` flag before the value, nullable bit in the TypeDef,
    /// nullable 1 in the same-schema hash. FDL sets it for `optional` fields and for every
    /// message-typed field (as fory-compiler does); a descriptor built in code decides for
    /// message fields too: a plain `T` struct field of a fory-crate struct is non-nullable (no
    /// flag byte), an `Option<T>` one nullable. `any` fields are always nullable.
    pub nullable: bool,
    /// The field is reference-tracked (`ref`).
    pub tracking_ref: bool,
}

impl FieldDesc {
    /// A non-nullable field with a tag id (for a message type: written without a flag byte,
    /// like a plain `T` field of a fory-crate struct; add [`FieldDesc::nullable`] for
    /// `Option<T>`).
    pub fn new(name: impl Into<String>, tag: u32, ty: FieldType) -> Self {
        FieldDesc { name: name.into(), tag: Some(tag), ty, nullable: false, tracking_ref: false }
    }

    /// A field identified by name only (no tag id).
    pub fn named(name: impl Into<String>, ty: FieldType) -> Self {
        FieldDesc { name: name.into(), tag: None, ty, nullable: false, tracking_ref: false }
    }

    /// Makes the field nullable.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Makes the field reference-tracked.
    pub fn tracking_ref(mut self) -> Self {
        self.tracking_ref = true;
        self
    }
}

/// How a user type is identified on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Registration {
    /// By numeric user id.
    Id(u32),
    /// By namespace and type name.
    Named {
        /// Namespace (the FDL package).
        namespace: String,
        /// Simple type name.
        name: String,
    },
}

/// A message (struct) type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDesc {
    /// Full name, `package.Type` (nested types: `package.Outer.Inner`).
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Fields in declaration order (a `Value`'s ordinals follow this order).
    pub fields: Vec<FieldDesc>,
    /// `false` for FDL `[evolving=false]`: never written with a TypeDef.
    pub evolving: bool,
}

impl MessageDesc {
    /// A message registered by numeric id.
    pub fn with_id(full_name: impl Into<String>, id: u32) -> Self {
        MessageDesc {
            full_name: full_name.into(),
            registration: Registration::Id(id),
            fields: Vec::new(),
            evolving: true,
        }
    }

    /// A message registered by namespace + name; the full name is `namespace.name`.
    pub fn with_name(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        let (namespace, name) = (namespace.into(), name.into());
        let full_name =
            if namespace.is_empty() { name.clone() } else { format!("{namespace}.{name}") };
        MessageDesc {
            full_name,
            registration: Registration::Named { namespace, name },
            fields: Vec::new(),
            evolving: true,
        }
    }

    /// Adds a field (builder style).
    pub fn field(mut self, field: FieldDesc) -> Self {
        self.fields.push(field);
        self
    }
}

/// One enum member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumMember {
    /// Name as declared.
    pub name: String,
    /// Declared value: the number written on the wire.
    pub value: u32,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDesc {
    /// Full name, `package.Type`.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Members in declaration order.
    pub members: Vec<EnumMember>,
}

impl EnumDesc {
    /// An enum registered by numeric id.
    pub fn with_id(full_name: impl Into<String>, id: u32) -> Self {
        EnumDesc {
            full_name: full_name.into(),
            registration: Registration::Id(id),
            members: vec![],
        }
    }

    /// Adds a member (builder style).
    pub fn member(mut self, name: impl Into<String>, value: u32) -> Self {
        self.members.push(EnumMember { name: name.into(), value });
        self
    }
}

/// One case of a union: a value of `ty` identified by `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionCase {
    /// Name as declared.
    pub name: String,
    /// Case id (the FDL field number; written on the wire).
    pub id: u32,
    /// The case's type.
    pub ty: FieldType,
}

/// A union (tagged choice) type: exactly one case holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionDesc {
    /// Full name, `package.Type`.
    pub full_name: String,
    /// Wire identity.
    pub registration: Registration,
    /// Cases in declaration order.
    pub cases: Vec<UnionCase>,
}

impl UnionDesc {
    /// A union registered by numeric id.
    pub fn with_id(full_name: impl Into<String>, id: u32) -> Self {
        UnionDesc { full_name: full_name.into(), registration: Registration::Id(id), cases: vec![] }
    }

    /// Adds a case (builder style).
    pub fn case(mut self, name: impl Into<String>, id: u32, ty: FieldType) -> Self {
        self.cases.push(UnionCase { name: name.into(), id, ty });
        self
    }
}

/// A user type descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDesc {
    /// A message.
    Message(MessageDesc),
    /// An enum.
    Enum(EnumDesc),
    /// A union.
    Union(UnionDesc),
}

impl TypeDesc {
    /// The full name.
    pub fn full_name(&self) -> &str {
        match self {
            TypeDesc::Message(m) => &m.full_name,
            TypeDesc::Enum(e) => &e.full_name,
            TypeDesc::Union(u) => &u.full_name,
        }
    }

    /// The wire identity.
    pub fn registration(&self) -> &Registration {
        match self {
            TypeDesc::Message(m) => &m.registration,
            TypeDesc::Enum(e) => &e.registration,
            TypeDesc::Union(u) => &u.registration,
        }
    }
}

/// A set of types registered together (one FDL file, or a group built in code). Types may refer
/// to each other and to types registered earlier in the same engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaDesc {
    /// The package (FDL `package`), informational.
    pub package: String,
    /// The types.
    pub types: Vec<TypeDesc>,
}

impl SchemaDesc {
    /// An empty schema for `package`.
    pub fn new(package: impl Into<String>) -> Self {
        SchemaDesc { package: package.into(), types: Vec::new() }
    }

    /// Adds a message.
    pub fn message(mut self, m: MessageDesc) -> Self {
        self.types.push(TypeDesc::Message(m));
        self
    }

    /// Adds an enum.
    pub fn enumeration(mut self, e: EnumDesc) -> Self {
        self.types.push(TypeDesc::Enum(e));
        self
    }

    /// Adds a union.
    pub fn union(mut self, u: UnionDesc) -> Self {
        self.types.push(TypeDesc::Union(u));
        self
    }

    /// Parses Fory IDL text into a schema descriptor (see [`crate::idl`]).
    pub fn from_idl(text: &str) -> Result<SchemaDesc, SchemaError> {
        crate::idl::parse(text)
    }
}
