//! The shapes for `prost-reflect`'s `DynamicMessage`: the proto3 file descriptor of the shapes,
//! built in code with `prost-types` (the same schema as the structs of
//! [`super::prost_shapes`]), and a descriptor-driven conversion from the shape JSON.

use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MessageDescriptor, Value};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto,
};
use serde_json::Value as Json;

/// The protobuf package of the descriptors.
pub const PROTO_PACKAGE: &str = "bench";

/// One field of the descriptor tables below.
enum F {
    /// A singular scalar.
    One(Type),
    /// A repeated scalar (packed: proto3's default).
    Many(Type),
    /// A singular message of this type.
    Msg(&'static str),
    /// A repeated message of this type.
    Msgs(&'static str),
    /// An enum of this type.
    Enum(&'static str),
}

const MESSAGES: &[(&str, &[(&str, F)])] = &[
    (
        "NumericStruct",
        &[
            ("f1", F::One(Type::Int32)),
            ("f2", F::One(Type::Int32)),
            ("f3", F::One(Type::Int32)),
            ("f4", F::One(Type::Int32)),
            ("f5", F::One(Type::Int32)),
            ("f6", F::One(Type::Int32)),
            ("f7", F::One(Type::Int32)),
            ("f8", F::One(Type::Int32)),
            ("f9", F::One(Type::Int32)),
            ("f10", F::One(Type::Int32)),
            ("f11", F::One(Type::Int32)),
            ("f12", F::One(Type::Int32)),
        ],
    ),
    (
        "Sample",
        &[
            ("int_value", F::One(Type::Int32)),
            ("long_value", F::One(Type::Int64)),
            ("float_value", F::One(Type::Float)),
            ("double_value", F::One(Type::Double)),
            ("short_value", F::One(Type::Int32)),
            ("char_value", F::One(Type::Int32)),
            ("boolean_value", F::One(Type::Bool)),
            ("int_value_boxed", F::One(Type::Int32)),
            ("long_value_boxed", F::One(Type::Int64)),
            ("float_value_boxed", F::One(Type::Float)),
            ("double_value_boxed", F::One(Type::Double)),
            ("short_value_boxed", F::One(Type::Int32)),
            ("char_value_boxed", F::One(Type::Int32)),
            ("boolean_value_boxed", F::One(Type::Bool)),
            ("int_array", F::Many(Type::Int32)),
            ("long_array", F::Many(Type::Int64)),
            ("float_array", F::Many(Type::Float)),
            ("double_array", F::Many(Type::Double)),
            ("short_array", F::Many(Type::Int32)),
            ("char_array", F::Many(Type::Int32)),
            ("boolean_array", F::Many(Type::Bool)),
            ("string", F::One(Type::String)),
        ],
    ),
    (
        "Media",
        &[
            ("uri", F::One(Type::String)),
            ("title", F::One(Type::String)),
            ("width", F::One(Type::Int32)),
            ("height", F::One(Type::Int32)),
            ("format", F::One(Type::String)),
            ("duration", F::One(Type::Int64)),
            ("size", F::One(Type::Int64)),
            ("bitrate", F::One(Type::Int32)),
            ("has_bitrate", F::One(Type::Bool)),
            ("persons", F::Many(Type::String)),
            ("player", F::Enum("Player")),
            ("copyright", F::One(Type::String)),
        ],
    ),
    (
        "Image",
        &[
            ("uri", F::One(Type::String)),
            ("title", F::One(Type::String)),
            ("width", F::One(Type::Int32)),
            ("height", F::One(Type::Int32)),
            ("size", F::Enum("Size")),
        ],
    ),
    ("MediaContent", &[("media", F::Msg("Media")), ("images", F::Msgs("Image"))]),
    ("NumericStructList", &[("struct_list", F::Msgs("NumericStruct"))]),
    ("SampleList", &[("sample_list", F::Msgs("Sample"))]),
    ("MediaContentList", &[("media_content_list", F::Msgs("MediaContent"))]),
];

const ENUMS: &[(&str, &[&str])] = &[("Player", &["JAVA", "FLASH"]), ("Size", &["SMALL", "LARGE"])];

fn field(name: &str, number: usize, f: &F) -> FieldDescriptorProto {
    let (label, ty, type_name) = match f {
        F::One(t) => (Label::Optional, *t, None),
        F::Many(t) => (Label::Repeated, *t, None),
        F::Msg(m) => (Label::Optional, Type::Message, Some(*m)),
        F::Msgs(m) => (Label::Repeated, Type::Message, Some(*m)),
        F::Enum(e) => (Label::Optional, Type::Enum, Some(*e)),
    };
    FieldDescriptorProto {
        name: Some(name.to_owned()),
        number: Some(number as i32),
        label: Some(label as i32),
        r#type: Some(ty as i32),
        type_name: type_name.map(|t| format!(".{PROTO_PACKAGE}.{t}")),
        ..Default::default()
    }
}

/// The `shapes.proto` file descriptor (proto3), built in code.
pub fn file_descriptor() -> FileDescriptorProto {
    FileDescriptorProto {
        name: Some("shapes.proto".to_owned()),
        package: Some(PROTO_PACKAGE.to_owned()),
        syntax: Some("proto3".to_owned()),
        message_type: MESSAGES
            .iter()
            .map(|(name, fields)| DescriptorProto {
                name: Some((*name).to_owned()),
                field: fields
                    .iter()
                    .enumerate()
                    .map(|(i, (fname, f))| field(fname, i + 1, f))
                    .collect(),
                ..Default::default()
            })
            .collect(),
        enum_type: ENUMS
            .iter()
            .map(|(name, members)| EnumDescriptorProto {
                name: Some((*name).to_owned()),
                value: members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| EnumValueDescriptorProto {
                        name: Some((*m).to_owned()),
                        number: Some(i as i32),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A descriptor pool holding [`file_descriptor`].
pub fn pool() -> DescriptorPool {
    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_proto(file_descriptor()).expect("shapes.proto descriptor is valid");
    pool
}

/// The descriptor of shape `name` in `pool`.
pub fn message(pool: &DescriptorPool, name: &str) -> MessageDescriptor {
    pool.get_message_by_name(&format!("{PROTO_PACKAGE}.{name}"))
        .unwrap_or_else(|| panic!("no message {name} in shapes.proto"))
}

fn scalar(kind: &Kind, json: &Json) -> Value {
    let int = || json.as_i64().unwrap_or_else(|| panic!("not an integer: {json}"));
    let float = || json.as_f64().unwrap_or_else(|| panic!("not a number: {json}"));
    match kind {
        Kind::Int32 => Value::I32(i32::try_from(int()).unwrap_or_else(|_| panic!("{json}"))),
        Kind::Int64 => Value::I64(int()),
        // Canonical JSON writes float32 as the nearest decimal; rounding the f64 back is exact.
        Kind::Float => Value::F32(float() as f32),
        Kind::Double => Value::F64(float()),
        Kind::Bool => Value::Bool(json.as_bool().unwrap_or_else(|| panic!("not a bool: {json}"))),
        Kind::String => {
            Value::String(json.as_str().unwrap_or_else(|| panic!("not a string: {json}")).into())
        }
        Kind::Enum(e) => {
            let name = json.as_str().unwrap_or_else(|| panic!("enum not by name: {json}"));
            let member = e.get_value_by_name(name).unwrap_or_else(|| panic!("unknown {name}"));
            Value::EnumNumber(member.number())
        }
        Kind::Message(m) => Value::Message(message_from_json(m, json)),
        other => panic!("protobuf kind not used by the shapes: {other:?}"),
    }
}

/// Converts shape JSON into a `DynamicMessage` of `desc`; a JSON `null` leaves the field unset
/// (panics on JSON that does not fit: the inputs are fixed files).
pub fn message_from_json(desc: &MessageDescriptor, json: &Json) -> DynamicMessage {
    let mut msg = DynamicMessage::new(desc.clone());
    for f in desc.fields() {
        let v = json.get(f.name()).unwrap_or_else(|| panic!("missing field {}", f.name()));
        if v.is_null() {
            continue;
        }
        let value = if f.is_list() {
            let items = v.as_array().unwrap_or_else(|| panic!("{}: not a list", f.name()));
            Value::List(items.iter().map(|e| scalar(&f.kind(), e)).collect())
        } else {
            scalar(&f.kind(), v)
        };
        msg.try_set_field(&f, value).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
    }
    msg
}
