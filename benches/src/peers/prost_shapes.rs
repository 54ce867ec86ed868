//! The shapes as hand-written `#[derive(prost::Message)]` structs (no prost-build, no protoc).
//!
//! The `.proto` they mirror is proto3 with the same field numbers as `shapes.fdl`: `int32`/`int64`
//! fields as protobuf `int32`/`int64` (varint), `float32`/`float64` as `float`/`double`,
//! `array<T>` as packed `repeated T`, `list<string>` as `repeated string`, `Media media` as an
//! optional message field, enums as protobuf enums. The same schema is built as a descriptor in
//! [`super::reflect_shapes`] for prost-reflect. Values are converted from the serde structs of
//! [`super::serde_shapes`], which are read straight from the shape JSON.

use super::serde_shapes as s;

/// `enum Player`.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Player {
    Java = 0,
    Flash = 1,
}

/// `enum Size`.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Size {
    Small = 0,
    Large = 1,
}

/// `message NumericStruct`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct NumericStruct {
    #[prost(int32, tag = "1")]
    pub f1: i32,
    #[prost(int32, tag = "2")]
    pub f2: i32,
    #[prost(int32, tag = "3")]
    pub f3: i32,
    #[prost(int32, tag = "4")]
    pub f4: i32,
    #[prost(int32, tag = "5")]
    pub f5: i32,
    #[prost(int32, tag = "6")]
    pub f6: i32,
    #[prost(int32, tag = "7")]
    pub f7: i32,
    #[prost(int32, tag = "8")]
    pub f8: i32,
    #[prost(int32, tag = "9")]
    pub f9: i32,
    #[prost(int32, tag = "10")]
    pub f10: i32,
    #[prost(int32, tag = "11")]
    pub f11: i32,
    #[prost(int32, tag = "12")]
    pub f12: i32,
}

/// `message Sample`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(int32, tag = "1")]
    pub int_value: i32,
    #[prost(int64, tag = "2")]
    pub long_value: i64,
    #[prost(float, tag = "3")]
    pub float_value: f32,
    #[prost(double, tag = "4")]
    pub double_value: f64,
    #[prost(int32, tag = "5")]
    pub short_value: i32,
    #[prost(int32, tag = "6")]
    pub char_value: i32,
    #[prost(bool, tag = "7")]
    pub boolean_value: bool,
    #[prost(int32, tag = "8")]
    pub int_value_boxed: i32,
    #[prost(int64, tag = "9")]
    pub long_value_boxed: i64,
    #[prost(float, tag = "10")]
    pub float_value_boxed: f32,
    #[prost(double, tag = "11")]
    pub double_value_boxed: f64,
    #[prost(int32, tag = "12")]
    pub short_value_boxed: i32,
    #[prost(int32, tag = "13")]
    pub char_value_boxed: i32,
    #[prost(bool, tag = "14")]
    pub boolean_value_boxed: bool,
    #[prost(int32, repeated, tag = "15")]
    pub int_array: Vec<i32>,
    #[prost(int64, repeated, tag = "16")]
    pub long_array: Vec<i64>,
    #[prost(float, repeated, tag = "17")]
    pub float_array: Vec<f32>,
    #[prost(double, repeated, tag = "18")]
    pub double_array: Vec<f64>,
    #[prost(int32, repeated, tag = "19")]
    pub short_array: Vec<i32>,
    #[prost(int32, repeated, tag = "20")]
    pub char_array: Vec<i32>,
    #[prost(bool, repeated, tag = "21")]
    pub boolean_array: Vec<bool>,
    #[prost(string, tag = "22")]
    pub string: String,
}

/// `message Media`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct Media {
    #[prost(string, tag = "1")]
    pub uri: String,
    #[prost(string, tag = "2")]
    pub title: String,
    #[prost(int32, tag = "3")]
    pub width: i32,
    #[prost(int32, tag = "4")]
    pub height: i32,
    #[prost(string, tag = "5")]
    pub format: String,
    #[prost(int64, tag = "6")]
    pub duration: i64,
    #[prost(int64, tag = "7")]
    pub size: i64,
    #[prost(int32, tag = "8")]
    pub bitrate: i32,
    #[prost(bool, tag = "9")]
    pub has_bitrate: bool,
    #[prost(string, repeated, tag = "10")]
    pub persons: Vec<String>,
    #[prost(enumeration = "Player", tag = "11")]
    pub player: i32,
    #[prost(string, tag = "12")]
    pub copyright: String,
}

/// `message Image`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct Image {
    #[prost(string, tag = "1")]
    pub uri: String,
    #[prost(string, tag = "2")]
    pub title: String,
    #[prost(int32, tag = "3")]
    pub width: i32,
    #[prost(int32, tag = "4")]
    pub height: i32,
    #[prost(enumeration = "Size", tag = "5")]
    pub size: i32,
}

/// `message MediaContent`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct MediaContent {
    #[prost(message, optional, tag = "1")]
    pub media: Option<Media>,
    #[prost(message, repeated, tag = "2")]
    pub images: Vec<Image>,
}

/// `message NumericStructList`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct NumericStructList {
    #[prost(message, repeated, tag = "1")]
    pub struct_list: Vec<NumericStruct>,
}

/// `message SampleList`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct SampleList {
    #[prost(message, repeated, tag = "1")]
    pub sample_list: Vec<Sample>,
}

/// `message MediaContentList`.
#[allow(missing_docs)]
#[derive(Clone, PartialEq, prost::Message)]
pub struct MediaContentList {
    #[prost(message, repeated, tag = "1")]
    pub media_content_list: Vec<MediaContent>,
}

impl From<&s::NumericStruct> for NumericStruct {
    fn from(v: &s::NumericStruct) -> Self {
        NumericStruct {
            f1: v.f1,
            f2: v.f2,
            f3: v.f3,
            f4: v.f4,
            f5: v.f5,
            f6: v.f6,
            f7: v.f7,
            f8: v.f8,
            f9: v.f9,
            f10: v.f10,
            f11: v.f11,
            f12: v.f12,
        }
    }
}

impl From<&s::Sample> for Sample {
    fn from(v: &s::Sample) -> Self {
        Sample {
            int_value: v.int_value,
            long_value: v.long_value,
            float_value: v.float_value,
            double_value: v.double_value,
            short_value: v.short_value,
            char_value: v.char_value,
            boolean_value: v.boolean_value,
            int_value_boxed: v.int_value_boxed,
            long_value_boxed: v.long_value_boxed,
            float_value_boxed: v.float_value_boxed,
            double_value_boxed: v.double_value_boxed,
            short_value_boxed: v.short_value_boxed,
            char_value_boxed: v.char_value_boxed,
            boolean_value_boxed: v.boolean_value_boxed,
            int_array: v.int_array.clone(),
            long_array: v.long_array.clone(),
            float_array: v.float_array.clone(),
            double_array: v.double_array.clone(),
            short_array: v.short_array.clone(),
            char_array: v.char_array.clone(),
            boolean_array: v.boolean_array.clone(),
            string: v.string.clone(),
        }
    }
}

impl From<&s::Media> for Media {
    fn from(v: &s::Media) -> Self {
        Media {
            uri: v.uri.clone(),
            title: v.title.clone(),
            width: v.width,
            height: v.height,
            format: v.format.clone(),
            duration: v.duration,
            size: v.size,
            bitrate: v.bitrate,
            has_bitrate: v.has_bitrate,
            persons: v.persons.clone(),
            player: match v.player {
                s::Player::Java => Player::Java,
                s::Player::Flash => Player::Flash,
            } as i32,
            copyright: v.copyright.clone(),
        }
    }
}

impl From<&s::Image> for Image {
    fn from(v: &s::Image) -> Self {
        Image {
            uri: v.uri.clone(),
            title: v.title.clone(),
            width: v.width,
            height: v.height,
            size: match v.size {
                s::Size::Small => Size::Small,
                s::Size::Large => Size::Large,
            } as i32,
        }
    }
}

impl From<&s::MediaContent> for MediaContent {
    fn from(v: &s::MediaContent) -> Self {
        MediaContent {
            media: v.media.as_ref().map(Media::from),
            images: v.images.iter().map(Image::from).collect(),
        }
    }
}

impl From<&s::NumericStructList> for NumericStructList {
    fn from(v: &s::NumericStructList) -> Self {
        NumericStructList { struct_list: v.struct_list.iter().map(NumericStruct::from).collect() }
    }
}

impl From<&s::SampleList> for SampleList {
    fn from(v: &s::SampleList) -> Self {
        SampleList { sample_list: v.sample_list.iter().map(Sample::from).collect() }
    }
}

impl From<&s::MediaContentList> for MediaContentList {
    fn from(v: &s::MediaContentList) -> Self {
        MediaContentList {
            media_content_list: v.media_content_list.iter().map(MediaContent::from).collect(),
        }
    }
}
