//! Working with [`Value`]s without matching on every variant: typed accessors, `From`
//! conversions for Rust scalars, strings, bytes and vectors, and `Display`.
//!
//! ```
//! use foryjit_wire::Value;
//! let v = Value::from(42i32);
//! assert_eq!(v.as_i64(), Some(42));      // any integer that fits
//! assert_eq!(v.as_u64(), Some(42));
//! assert_eq!(v.as_f64(), None);          // no silent int -> float
//! assert_eq!(Value::from(-1i8).as_u64(), None);
//! let list = Value::from(vec![Value::from("a"), Value::from(true)]);
//! assert_eq!(list.as_list().map(|l| l.len()), Some(2));
//! assert_eq!(list.to_string(), r#"["a", true]"#);
//! ```

use crate::rvec::{RString, RVec};
use crate::value::{MapEntry, StructValue, Value};
use half::{bf16, f16};
use std::fmt;

impl Value {
    /// The value as an `i64`, for any integer variant whose value fits (`UInt64` above
    /// `i64::MAX` does not).
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// assert_eq!(Value::UInt8(7).as_i64(), Some(7));
    /// assert_eq!(Value::UInt64(u64::MAX).as_i64(), None);
    /// assert_eq!(Value::string("7").as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            Value::Int8(x) => x.into(),
            Value::Int16(x) => x.into(),
            Value::Int32(x) => x.into(),
            Value::Int64(x) => x,
            Value::UInt8(x) => x.into(),
            Value::UInt16(x) => x.into(),
            Value::UInt32(x) => x.into(),
            Value::UInt64(x) => i64::try_from(x).ok()?,
            _ => return None,
        })
    }

    /// The value as a `u64`, for any integer variant whose value is not negative.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// assert_eq!(Value::Int32(3).as_u64(), Some(3));
    /// assert_eq!(Value::Int32(-3).as_u64(), None);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::UInt64(x) => Some(x),
            _ => self.as_i64().and_then(|x| u64::try_from(x).ok()),
        }
    }

    /// The value as an `f64`, for every floating-point variant (float16, bfloat16, float32
    /// and float64 all convert exactly). Integers are not converted.
    ///
    /// ```
    /// # use foryjit_wire::{Value, f16};
    /// assert_eq!(Value::Float16(f16::from_f32(0.5)).as_f64(), Some(0.5));
    /// assert_eq!(Value::Float32(1.25).as_f64(), Some(1.25));
    /// assert_eq!(Value::Int32(1).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float16(x) => Some(x.to_f64()),
            Value::BFloat16(x) => Some(x.to_f64()),
            Value::Float32(x) => Some(x.into()),
            Value::Float64(x) => Some(x),
            _ => None,
        }
    }

    /// The value, if this is a `Bool`.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// assert_eq!(Value::from(true).as_bool(), Some(true));
    /// assert_eq!(Value::Null.as_bool(), None);
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The bytes, if this is `Binary`.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// assert_eq!(Value::from(vec![1u8, 2]).as_bytes(), Some(&[1u8, 2][..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is a `List`.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// let v = Value::list(vec![Value::from(1i64)]);
    /// assert_eq!(v.as_list().unwrap()[0].as_i64(), Some(1));
    /// assert!(Value::set(vec![]).as_list().is_none());
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The items, if this is a `Set`.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// assert_eq!(Value::set(vec![Value::from("x")]).as_set().map(|s| s.len()), Some(1));
    /// ```
    pub fn as_set(&self) -> Option<&[Value]> {
        match self {
            Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, in order, if this is a `Map`.
    ///
    /// ```
    /// # use foryjit_wire::Value;
    /// let m = Value::map(vec![(Value::from("k"), Value::from(1i32))]);
    /// let entries = m.as_map().unwrap();
    /// assert_eq!((entries[0].key.as_str(), entries[0].value.as_i64()), (Some("k"), Some(1)));
    /// ```
    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match self {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The struct payload, mutably, if this is a struct.
    pub fn as_struct_mut(&mut self) -> Option<&mut StructValue> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }
}

macro_rules! from_scalar {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::$variant(x)
            }
        }
    )*};
}

from_scalar! {
    bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64,
    f16 => Float16, bf16 => BFloat16, f32 => Float32, f64 => Float64,
    StructValue => Struct,
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(RString::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(RString::from(s))
    }
}

/// Bytes become `Binary` (not a list of `UInt8`).
impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Binary(RVec::from(b))
    }
}

/// Bytes become `Binary`.
impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Value {
        Value::Binary(RVec::from(b.to_vec()))
    }
}

/// Values become a `List` (use [`Value::set`] for a set). So do vectors of strings and
/// scalars; `Vec<u8>` stays `Binary`, and a dense `array<T>` is one of the `*Array` variants:
///
/// ```
/// use foryjit_wire::Value;
/// let names = Value::from(vec!["a", "b"]);
/// assert_eq!(names, Value::List(vec![Value::from("a"), Value::from("b")].into()));
/// assert_eq!(Value::from(vec![1i32, 2]).as_list().map(<[Value]>::len), Some(2));
/// assert!(matches!(Value::from(vec![1u8, 2]), Value::Binary(_)));
/// ```
impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(RVec::from(items))
    }
}

// Vectors of strings and scalars become a `List` of their values (see `From<Vec<Value>>`).
macro_rules! from_vec {
    ($($t:ty),* $(,)?) => {$(
        impl From<Vec<$t>> for Value {
            fn from(items: Vec<$t>) -> Value {
                Value::List(items.into_iter().map(Value::from).collect::<Vec<_>>().into())
            }
        }
    )*};
}

from_vec!(&str, String, bool, i8, i16, i32, i64, u16, u32, u64, f16, bf16, f32, f64, StructValue);

/// `None` becomes `Null`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A compact, JSON-like rendering without the schema: strings quoted, structs as their fields
/// in ordinal order (`Type#7 { 1, "a" }`), enums as their wire value (`enum#3:1`). For field and
/// member names, render with the engine's schema (canonical JSON).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn seq<'a>(
            f: &mut fmt::Formatter<'_>,
            open: &str,
            items: impl Iterator<Item = &'a Value>,
            close: &str,
        ) -> fmt::Result {
            f.write_str(open)?;
            for (i, v) in items.enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(close)
        }
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::String(s) => write!(f, "{:?}", s.as_str()),
            Value::Binary(b) => {
                f.write_str("0x")?;
                b.iter().try_for_each(|x| write!(f, "{x:02x}"))
            }
            Value::List(items) => seq(f, "[", items.iter(), "]"),
            Value::Set(items) => seq(f, "{", items.iter(), "}"),
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", e.key, e.value)?;
                }
                f.write_str("}")
            }
            Value::Struct(s) => seq(f, &format!("Type#{} {{ ", s.ty.0), s.fields.iter(), " }"),
            Value::Enum(e) => write!(f, "enum#{}:{}", e.ty.0, e.value),
            Value::Union(u) => write!(f, "union#{}.case{}({})", u.ty.0, u.case, u.value),
            Value::Ref(id) => write!(f, "ref#{id}"),
            other => match (other.as_i64(), other.as_u64(), other.as_f64()) {
                (Some(x), _, _) => write!(f, "{x}"),
                (None, Some(x), _) => write!(f, "{x}"),
                (_, _, Some(x)) => write!(f, "{x}"),
                // Dates, times, decimals, dense arrays, unknown structs: their debug form.
                _ => write!(f, "{other:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::TypeIdx;

    #[test]
    fn conversions_pick_the_natural_variant() {
        assert!(matches!(Value::from(1u16), Value::UInt16(1)));
        assert!(matches!(Value::from("s"), Value::String(_)));
        assert!(matches!(Value::from(vec![0u8]), Value::Binary(_)));
        assert!(matches!(Value::from(None::<i32>), Value::Null));
        assert!(matches!(Value::from(Some(2.5f64)), Value::Float64(_)));
        let s = StructValue::new(TypeIdx(3), vec![Value::from(1i32), Value::from("a")]);
        assert_eq!(Value::from(s).to_string(), r#"Type#3 { 1, "a" }"#);
    }

    #[test]
    fn display_of_collections() {
        let m = Value::map(vec![(Value::from("k"), Value::from(vec![1u8, 255]))]);
        assert_eq!(m.to_string(), r#"{"k": 0x01ff}"#);
        assert_eq!(Value::set(vec![Value::Null]).to_string(), "{null}");
        assert_eq!(Value::from(u64::MAX).to_string(), u64::MAX.to_string());
        assert_eq!(Value::from(-0.5f32).to_string(), "-0.5");
    }
}
