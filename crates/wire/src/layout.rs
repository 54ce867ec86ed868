//! The byte layout of the values compiled code reads and writes: the tag offset, the payload
//! offset and the sizes of [`Value`] and its containers, taken with `offset_of!` from the real
//! types where Rust can name the field, and checked against a `#[repr(C)]` mirror and by
//! read-back through raw pointers where it cannot (enum variants). The rest of the native ABI
//! (environments, entry points, helpers) is `foryjit-abi`'s, which re-exports this module.

use crate::rvec::RVec;
use crate::value::{StructValue, Value};

/// Size of a [`Value`].
pub const VALUE_SIZE: usize = 32;
/// Offset of the one-byte tag.
pub const VALUE_TAG_OFFSET: usize = 0;
/// Offset of the payload (the variant's fields).
pub const VALUE_PAYLOAD_OFFSET: usize = 8;
/// Offset of the data pointer inside an [`RVec`].
pub const RVEC_PTR_OFFSET: usize = crate::rvec::PTR_OFFSET;
/// Offset of the `u32` length inside an [`RVec`].
pub const RVEC_LEN_OFFSET: usize = crate::rvec::LEN_OFFSET;
/// Offsets of the fields of [`crate::Buf`].
pub const BUF_PTR_OFFSET: usize = std::mem::offset_of!(crate::Buf, ptr);
/// `Buf::len`.
pub const BUF_LEN_OFFSET: usize = std::mem::offset_of!(crate::Buf, len);
/// `Buf::cap`.
pub const BUF_CAP_OFFSET: usize = std::mem::offset_of!(crate::Buf, cap);
/// `Buf::max`.
pub const BUF_MAX_OFFSET: usize = std::mem::offset_of!(crate::Buf, max);
/// Offset of the type index inside a [`StructValue`].
pub const STRUCT_TY_OFFSET: usize = std::mem::offset_of!(StructValue, ty);
/// Offset of the type index inside an [`crate::EnumValue`].
pub const ENUM_TY_OFFSET: usize = std::mem::offset_of!(crate::EnumValue, ty);
/// Offset of the `u32` wire value inside an [`crate::EnumValue`].
pub const ENUM_VALUE_OFFSET: usize = std::mem::offset_of!(crate::EnumValue, value);

const _: () = assert!(std::mem::size_of::<Value>() == VALUE_SIZE);
const _: () = assert!(std::mem::align_of::<Value>() == 8);
const _: () = assert!(std::mem::size_of::<RVec<Value>>() == 16);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{tag, TypeIdx};

    /// The `#[repr(C, u8)]` layout per RFC 2195: a tag, then a `#[repr(C)]` union of the
    /// variants' payloads. Mirrored here because `offset_of!` cannot name enum variants.
    #[repr(C)]
    struct Mirror {
        tag: u8,
        payload: MirrorPayload,
    }
    #[repr(C)]
    union MirrorPayload {
        _i64: i64,
        _list: std::mem::ManuallyDrop<RVec<Value>>,
        _st: std::mem::ManuallyDrop<StructValue>,
    }

    #[test]
    fn mirror_matches_constants() {
        assert_eq!(std::mem::offset_of!(Mirror, tag), VALUE_TAG_OFFSET);
        assert_eq!(std::mem::offset_of!(Mirror, payload), VALUE_PAYLOAD_OFFSET);
        assert_eq!(std::mem::size_of::<Mirror>(), VALUE_SIZE);
    }

    #[test]
    fn read_back_through_raw_pointers() {
        let v = Value::Int64(-7);
        let p = &v as *const Value as *const u8;
        // SAFETY: `p` points at a live 32-byte `Value`; both offsets are inside it and aligned.
        unsafe {
            assert_eq!(*p.add(VALUE_TAG_OFFSET), tag::INT64);
            assert_eq!(*(p.add(VALUE_PAYLOAD_OFFSET) as *const i64), -7);
        }
        let s = Value::Struct(StructValue::new(TypeIdx(9), vec![Value::Bool(true)]));
        let p = &s as *const Value as *const u8;
        // SAFETY: as above; the struct payload is an `RVec` (ptr, len) then the `u32` type index.
        unsafe {
            assert_eq!(*p, tag::STRUCT);
            let st = p.add(VALUE_PAYLOAD_OFFSET);
            assert_eq!(*(st.add(STRUCT_TY_OFFSET) as *const u32), 9);
            assert_eq!(*(st.add(RVEC_LEN_OFFSET) as *const u32), 1);
            let fields = *(st.add(RVEC_PTR_OFFSET) as *const *const u8);
            assert_eq!(*fields, tag::BOOL);
        }
        assert_eq!(Value::Float64(1.0).tag(), tag::FLOAT64);
        assert_eq!(Value::Float64Array(vec![1.0].into()).tag(), tag::FLOAT64_ARRAY);
    }
}
