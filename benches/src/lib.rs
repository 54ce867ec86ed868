//! Shared setup for the foryjit benchmarks.
//!
//! The standard benchmark shapes (`data/shapes.fdl` and one canonical-JSON value per shape, copied
//! from the shared benchmark set) and, for the `fory` crate's derive, Rust structs that mirror the
//! FDL: the same type ids, the same field tag ids, a plain `Media` field in `MediaContent` (as
//! the fory benchmarks declare it), `#[fory(array)]` for `array<T>` fields, and `#[repr(i32)]`
//! enums with explicit discriminants. FDL makes every message field nullable (as fory-compiler
//! does), so foryjit registers [`shapes_schema`]: the FDL with `MediaContent.media` made
//! non-nullable, like the derive struct's field; the two write identical bytes. The structs are
//! built from the same JSON files as the foryjit values, so every system encodes identical data.
//!
//! The peer systems of the benchmark (prost, rmp-serde, apache-avro, prost-reflect, serde_json,
//! rmpv) have their mirror code in [`peers`], one module per system.

pub mod peers;

use fory::{Fory, ForyEnum, ForyStruct};
use foryjit::schema::TypeDesc;
use foryjit::SchemaDesc;
use serde_json::Value as Json;

/// The shapes schema (Fory IDL).
pub const SHAPES_FDL: &str = include_str!("../data/shapes.fdl");

/// The six standard shapes, in report order: (message name, canonical JSON text).
pub const SHAPES: [(&str, &str); 6] = [
    ("NumericStruct", include_str!("../data/NumericStruct.json")),
    ("Sample", include_str!("../data/Sample.json")),
    ("MediaContent", include_str!("../data/MediaContent.json")),
    ("NumericStructList", include_str!("../data/NumericStructList.json")),
    ("SampleList", include_str!("../data/SampleList.json")),
    ("MediaContentList", include_str!("../data/MediaContentList.json")),
];

/// The package of the shapes schema.
pub const PACKAGE: &str = "bench";

/// The message fields of [`SHAPES_FDL`] that the derive structs hold as a plain `T` (no
/// `Option`): non-nullable in [`shapes_schema`].
pub const PLAIN_FIELDS: [(&str, &str); 1] = [("bench.MediaContent", "media")];

/// The shapes schema foryjit registers: [`SHAPES_FDL`] with the [`PLAIN_FIELDS`] non-nullable,
/// so that foryjit's bytes equal the derive structs'.
pub fn shapes_schema() -> SchemaDesc {
    let mut desc = SchemaDesc::from_idl(SHAPES_FDL).expect("shapes FDL parses");
    for (ty, field) in PLAIN_FIELDS {
        let f = desc
            .types
            .iter_mut()
            .find_map(|t| match t {
                TypeDesc::Message(m) if m.full_name == ty => {
                    m.fields.iter_mut().find(|f| f.name == field)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{ty} has no field {field}"));
        f.nullable = false;
    }
    desc
}

/// `enum Player [id=6]`.
#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(i32)]
pub enum Player {
    /// JAVA = 0
    #[default]
    Java = 0,
    /// FLASH = 1
    Flash = 1,
}

/// `enum Size [id=7]`.
#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(i32)]
pub enum Size {
    /// SMALL = 0
    #[default]
    Small = 0,
    /// LARGE = 1
    Large = 1,
}

/// `message NumericStruct [id=1]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct NumericStruct {
    #[fory(id = 1)]
    pub f1: i32,
    #[fory(id = 2)]
    pub f2: i32,
    #[fory(id = 3)]
    pub f3: i32,
    #[fory(id = 4)]
    pub f4: i32,
    #[fory(id = 5)]
    pub f5: i32,
    #[fory(id = 6)]
    pub f6: i32,
    #[fory(id = 7)]
    pub f7: i32,
    #[fory(id = 8)]
    pub f8: i32,
    #[fory(id = 9)]
    pub f9: i32,
    #[fory(id = 10)]
    pub f10: i32,
    #[fory(id = 11)]
    pub f11: i32,
    #[fory(id = 12)]
    pub f12: i32,
}

/// `message Sample [id=2]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct Sample {
    #[fory(id = 1)]
    pub int_value: i32,
    #[fory(id = 2)]
    pub long_value: i64,
    #[fory(id = 3)]
    pub float_value: f32,
    #[fory(id = 4)]
    pub double_value: f64,
    #[fory(id = 5)]
    pub short_value: i32,
    #[fory(id = 6)]
    pub char_value: i32,
    #[fory(id = 7)]
    pub boolean_value: bool,
    #[fory(id = 8)]
    pub int_value_boxed: i32,
    #[fory(id = 9)]
    pub long_value_boxed: i64,
    #[fory(id = 10)]
    pub float_value_boxed: f32,
    #[fory(id = 11)]
    pub double_value_boxed: f64,
    #[fory(id = 12)]
    pub short_value_boxed: i32,
    #[fory(id = 13)]
    pub char_value_boxed: i32,
    #[fory(id = 14)]
    pub boolean_value_boxed: bool,
    #[fory(id = 15, array)]
    pub int_array: Vec<i32>,
    #[fory(id = 16, array)]
    pub long_array: Vec<i64>,
    #[fory(id = 17, array)]
    pub float_array: Vec<f32>,
    #[fory(id = 18, array)]
    pub double_array: Vec<f64>,
    #[fory(id = 19, array)]
    pub short_array: Vec<i32>,
    #[fory(id = 20, array)]
    pub char_array: Vec<i32>,
    #[fory(id = 21, array)]
    pub boolean_array: Vec<bool>,
    #[fory(id = 22)]
    pub string: String,
}

/// `message Media [id=3]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct Media {
    #[fory(id = 1)]
    pub uri: String,
    #[fory(id = 2)]
    pub title: String,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    #[fory(id = 5)]
    pub format: String,
    #[fory(id = 6)]
    pub duration: i64,
    #[fory(id = 7)]
    pub size: i64,
    #[fory(id = 8)]
    pub bitrate: i32,
    #[fory(id = 9)]
    pub has_bitrate: bool,
    #[fory(id = 10)]
    pub persons: Vec<String>,
    #[fory(id = 11)]
    pub player: Player,
    #[fory(id = 12)]
    pub copyright: String,
}

/// `message Image [id=4]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct Image {
    #[fory(id = 1)]
    pub uri: String,
    #[fory(id = 2)]
    pub title: String,
    #[fory(id = 3)]
    pub width: i32,
    #[fory(id = 4)]
    pub height: i32,
    #[fory(id = 5)]
    pub size: Size,
}

/// `message MediaContent [id=5]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct MediaContent {
    #[fory(id = 1)]
    pub media: Media,
    #[fory(id = 2)]
    pub images: Vec<Image>,
}

/// `message NumericStructList [id=8]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct NumericStructList {
    #[fory(id = 1)]
    pub struct_list: Vec<NumericStruct>,
}

/// `message SampleList [id=9]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct SampleList {
    #[fory(id = 1)]
    pub sample_list: Vec<Sample>,
}

/// `message MediaContentList [id=10]`.
#[allow(missing_docs)]
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
pub struct MediaContentList {
    #[fory(id = 1)]
    pub media_content_list: Vec<MediaContent>,
}

/// A `fory` crate instance (xlang) with every shape type registered under its FDL type id.
pub fn fory_derive(compatible: bool) -> Fory {
    let mut fory = Fory::builder().xlang(true).compatible(compatible).build();
    fory.register::<Player>(6).expect("register Player");
    fory.register::<Size>(7).expect("register Size");
    fory.register::<NumericStruct>(1).expect("register NumericStruct");
    fory.register::<Sample>(2).expect("register Sample");
    fory.register::<Media>(3).expect("register Media");
    fory.register::<Image>(4).expect("register Image");
    fory.register::<MediaContent>(5).expect("register MediaContent");
    fory.register::<NumericStructList>(8).expect("register NumericStructList");
    fory.register::<SampleList>(9).expect("register SampleList");
    fory.register::<MediaContentList>(10).expect("register MediaContentList");
    fory
}

/// Parses one of the shape JSON texts.
pub fn parse_json(text: &str) -> Json {
    serde_json::from_str(text).expect("shape JSON parses")
}

/// Building a struct from canonical JSON (the same JSON foryjit's `from_json` reads).
pub trait FromJson: Sized {
    /// Panics on JSON that does not fit the shape: the inputs are fixed files.
    fn from_json(json: &Json) -> Self;
}

fn field<'j>(json: &'j Json, name: &str) -> &'j Json {
    json.get(name).unwrap_or_else(|| panic!("missing field {name}"))
}

fn i32_of(json: &Json, name: &str) -> i32 {
    let v = field(json, name).as_i64().unwrap_or_else(|| panic!("{name}: not an integer"));
    i32::try_from(v).unwrap_or_else(|_| panic!("{name}: out of int32 range"))
}

fn i64_of(json: &Json, name: &str) -> i64 {
    field(json, name).as_i64().unwrap_or_else(|| panic!("{name}: not an integer"))
}

fn f64_of(json: &Json, name: &str) -> f64 {
    field(json, name).as_f64().unwrap_or_else(|| panic!("{name}: not a number"))
}

fn f32_of(json: &Json, name: &str) -> f32 {
    // Canonical JSON writes float32 as the nearest decimal; rounding the f64 back is exact.
    f64_of(json, name) as f32
}

fn bool_of(json: &Json, name: &str) -> bool {
    field(json, name).as_bool().unwrap_or_else(|| panic!("{name}: not a bool"))
}

fn string_of(json: &Json, name: &str) -> String {
    field(json, name).as_str().unwrap_or_else(|| panic!("{name}: not a string")).to_owned()
}

fn list_of<'j>(json: &'j Json, name: &str) -> &'j [Json] {
    field(json, name).as_array().unwrap_or_else(|| panic!("{name}: not a list"))
}

fn vec_of<T>(json: &Json, name: &str, f: impl Fn(&Json) -> Option<T>) -> Vec<T> {
    list_of(json, name)
        .iter()
        .map(|e| f(e).unwrap_or_else(|| panic!("{name}: bad element {e}")))
        .collect()
}

fn enum_name<'j>(json: &'j Json, name: &str) -> &'j str {
    field(json, name).as_str().unwrap_or_else(|| panic!("{name}: enum not written by name"))
}

impl FromJson for NumericStruct {
    fn from_json(j: &Json) -> Self {
        NumericStruct {
            f1: i32_of(j, "f1"),
            f2: i32_of(j, "f2"),
            f3: i32_of(j, "f3"),
            f4: i32_of(j, "f4"),
            f5: i32_of(j, "f5"),
            f6: i32_of(j, "f6"),
            f7: i32_of(j, "f7"),
            f8: i32_of(j, "f8"),
            f9: i32_of(j, "f9"),
            f10: i32_of(j, "f10"),
            f11: i32_of(j, "f11"),
            f12: i32_of(j, "f12"),
        }
    }
}

fn as_i32(e: &Json) -> Option<i32> {
    e.as_i64().and_then(|v| i32::try_from(v).ok())
}

impl FromJson for Sample {
    fn from_json(j: &Json) -> Self {
        Sample {
            int_value: i32_of(j, "int_value"),
            long_value: i64_of(j, "long_value"),
            float_value: f32_of(j, "float_value"),
            double_value: f64_of(j, "double_value"),
            short_value: i32_of(j, "short_value"),
            char_value: i32_of(j, "char_value"),
            boolean_value: bool_of(j, "boolean_value"),
            int_value_boxed: i32_of(j, "int_value_boxed"),
            long_value_boxed: i64_of(j, "long_value_boxed"),
            float_value_boxed: f32_of(j, "float_value_boxed"),
            double_value_boxed: f64_of(j, "double_value_boxed"),
            short_value_boxed: i32_of(j, "short_value_boxed"),
            char_value_boxed: i32_of(j, "char_value_boxed"),
            boolean_value_boxed: bool_of(j, "boolean_value_boxed"),
            int_array: vec_of(j, "int_array", as_i32),
            long_array: vec_of(j, "long_array", Json::as_i64),
            float_array: vec_of(j, "float_array", |e| e.as_f64().map(|v| v as f32)),
            double_array: vec_of(j, "double_array", Json::as_f64),
            short_array: vec_of(j, "short_array", as_i32),
            char_array: vec_of(j, "char_array", as_i32),
            boolean_array: vec_of(j, "boolean_array", Json::as_bool),
            string: string_of(j, "string"),
        }
    }
}

impl FromJson for Media {
    fn from_json(j: &Json) -> Self {
        Media {
            uri: string_of(j, "uri"),
            title: string_of(j, "title"),
            width: i32_of(j, "width"),
            height: i32_of(j, "height"),
            format: string_of(j, "format"),
            duration: i64_of(j, "duration"),
            size: i64_of(j, "size"),
            bitrate: i32_of(j, "bitrate"),
            has_bitrate: bool_of(j, "has_bitrate"),
            persons: vec_of(j, "persons", |e| e.as_str().map(str::to_owned)),
            player: match enum_name(j, "player") {
                "JAVA" => Player::Java,
                "FLASH" => Player::Flash,
                other => panic!("player: unknown Player {other}"),
            },
            copyright: string_of(j, "copyright"),
        }
    }
}

impl FromJson for Image {
    fn from_json(j: &Json) -> Self {
        Image {
            uri: string_of(j, "uri"),
            title: string_of(j, "title"),
            width: i32_of(j, "width"),
            height: i32_of(j, "height"),
            size: match enum_name(j, "size") {
                "SMALL" => Size::Small,
                "LARGE" => Size::Large,
                other => panic!("size: unknown Size {other}"),
            },
        }
    }
}

impl FromJson for MediaContent {
    fn from_json(j: &Json) -> Self {
        MediaContent {
            media: Media::from_json(field(j, "media")),
            images: list_of(j, "images").iter().map(Image::from_json).collect(),
        }
    }
}

impl FromJson for NumericStructList {
    fn from_json(j: &Json) -> Self {
        NumericStructList {
            struct_list: list_of(j, "struct_list").iter().map(NumericStruct::from_json).collect(),
        }
    }
}

impl FromJson for SampleList {
    fn from_json(j: &Json) -> Self {
        SampleList {
            sample_list: list_of(j, "sample_list").iter().map(Sample::from_json).collect(),
        }
    }
}

impl FromJson for MediaContentList {
    fn from_json(j: &Json) -> Self {
        MediaContentList {
            media_content_list: list_of(j, "media_content_list")
                .iter()
                .map(MediaContent::from_json)
                .collect(),
        }
    }
}
