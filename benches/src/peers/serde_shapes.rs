//! The shapes as serde-derived structs, for `rmp-serde` (and as the typed view the dynamic peers
//! are checked against).
//!
//! Field names and order follow `shapes.fdl`; enums are written by name (`"JAVA"`, `"LARGE"`),
//! exactly as in the shape JSON, so a struct is built with `serde_json::from_value` straight from
//! the canonical JSON. serde_json reads a JSON number into an `f32` field by rounding the `f64`,
//! the same rounding the fory mirror structs do.

use serde::{Deserialize, Serialize};

/// `enum Player`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Player {
    Java,
    Flash,
}

/// `enum Size`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Size {
    Small,
    Large,
}

/// `message NumericStruct`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct NumericStruct {
    pub f1: i32,
    pub f2: i32,
    pub f3: i32,
    pub f4: i32,
    pub f5: i32,
    pub f6: i32,
    pub f7: i32,
    pub f8: i32,
    pub f9: i32,
    pub f10: i32,
    pub f11: i32,
    pub f12: i32,
}

/// `message Sample`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Sample {
    pub int_value: i32,
    pub long_value: i64,
    pub float_value: f32,
    pub double_value: f64,
    pub short_value: i32,
    pub char_value: i32,
    pub boolean_value: bool,
    pub int_value_boxed: i32,
    pub long_value_boxed: i64,
    pub float_value_boxed: f32,
    pub double_value_boxed: f64,
    pub short_value_boxed: i32,
    pub char_value_boxed: i32,
    pub boolean_value_boxed: bool,
    pub int_array: Vec<i32>,
    pub long_array: Vec<i64>,
    pub float_array: Vec<f32>,
    pub double_array: Vec<f64>,
    pub short_array: Vec<i32>,
    pub char_array: Vec<i32>,
    pub boolean_array: Vec<bool>,
    pub string: String,
}

/// `message Media`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Media {
    pub uri: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub format: String,
    pub duration: i64,
    pub size: i64,
    pub bitrate: i32,
    pub has_bitrate: bool,
    pub persons: Vec<String>,
    pub player: Player,
    pub copyright: String,
}

/// `message Image`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Image {
    pub uri: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub size: Size,
}

/// `message MediaContent`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MediaContent {
    pub media: Option<Media>,
    pub images: Vec<Image>,
}

/// `message NumericStructList`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct NumericStructList {
    pub struct_list: Vec<NumericStruct>,
}

/// `message SampleList`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SampleList {
    pub sample_list: Vec<Sample>,
}

/// `message MediaContentList`.
#[allow(missing_docs)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MediaContentList {
    pub media_content_list: Vec<MediaContent>,
}
