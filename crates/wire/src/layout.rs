//! The byte layout compiled code relies on, in one place: the tag offset, the payload offset and
//! the sizes of [`Value`] and its containers. Tests check every constant against the compiler's
//! real layout (`offset_of!` on a `#[repr(C)]` mirror, and read-back through raw pointers).

use crate::rvec::RVec;
use crate::value::{StructValue, Value};

/// Size of a [`Value`].
pub const VALUE_SIZE: usize = 32;
/// Offset of the one-byte tag.
pub const VALUE_TAG_OFFSET: usize = 0;
/// Offset of the payload (the variant's fields).
pub const VALUE_PAYLOAD_OFFSET: usize = 8;
/// Offset of the data pointer inside an [`RVec`].
pub const RVEC_PTR_OFFSET: usize = 0;
/// Offset of the `u32` length inside an [`RVec`].
pub const RVEC_LEN_OFFSET: usize = 8;
/// Offsets of the fields of [`crate::Buf`].
pub const BUF_PTR_OFFSET: usize = 0;
/// `Buf::len`.
pub const BUF_LEN_OFFSET: usize = 8;
/// `Buf::cap`.
pub const BUF_CAP_OFFSET: usize = 16;
/// `Buf::max`.
pub const BUF_MAX_OFFSET: usize = 24;
/// Offset of the type index inside a [`StructValue`].
pub const STRUCT_TY_OFFSET: usize = 16;
/// Offset of the type index inside an [`crate::EnumValue`].
pub const ENUM_TY_OFFSET: usize = 0;
/// Offset of the `u32` wire value inside an [`crate::EnumValue`].
pub const ENUM_VALUE_OFFSET: usize = 4;

// The environments compiled code is called with (`foryjit_interp::native`'s `WriteEnv` and
// `ReadEnv`, `#[repr(C)]`; that crate asserts these offsets with `offset_of!`). A compiled
// parent builds its child's environment on its stack to call the child's compiled code
// directly, so it must know both layouts, and where the shared context keeps the depth.

/// Offset of the context pointer in both environments.
pub const ENV_CTX_OFFSET: usize = 0;
/// Offset of the program pointer in both environments.
pub const ENV_PROG_OFFSET: usize = 8;
/// `WriteEnv`: the fields being written.
pub const WRITE_ENV_FIELDS_OFFSET: usize = 16;
/// `WriteEnv`: their count.
pub const WRITE_ENV_FIELD_COUNT_OFFSET: usize = 24;
/// `WriteEnv`: the error a callback left (`Option<Box<_>>`, null when none).
pub const WRITE_ENV_ERROR_OFFSET: usize = 32;
/// Size of a `WriteEnv`.
pub const WRITE_ENV_SIZE: usize = 40;
/// `ReadEnv`: the input's first byte.
pub const READ_ENV_DATA_OFFSET: usize = 16;
/// `ReadEnv`: the input's length.
pub const READ_ENV_LEN_OFFSET: usize = 24;
/// `ReadEnv`: the fields being filled.
pub const READ_ENV_FIELDS_OFFSET: usize = 32;
/// `ReadEnv`: their count.
pub const READ_ENV_FIELD_COUNT_OFFSET: usize = 40;
/// `ReadEnv`: the error a callback left (`Option<Box<_>>`, null when none).
pub const READ_ENV_ERROR_OFFSET: usize = 48;
/// Size of a `ReadEnv`.
pub const READ_ENV_SIZE: usize = 56;
/// Offset of the `u32` nesting depth in both contexts (`WriteCtx`, `ReadCtx`).
pub const CTX_DEPTH_OFFSET: usize = 0;
/// Offset of the `u32` depth limit in both contexts.
pub const CTX_MAX_DEPTH_OFFSET: usize = 4;

const _: () = assert!(std::mem::size_of::<Value>() == VALUE_SIZE);
const _: () = assert!(std::mem::align_of::<Value>() == 8);
const _: () = assert!(std::mem::size_of::<RVec<Value>>() == 16);
const _: () = assert!(std::mem::offset_of!(StructValue, ty) == STRUCT_TY_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::EnumValue, ty) == ENUM_TY_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::EnumValue, value) == ENUM_VALUE_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::Buf, ptr) == BUF_PTR_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::Buf, len) == BUF_LEN_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::Buf, cap) == BUF_CAP_OFFSET);
const _: () = assert!(std::mem::offset_of!(crate::Buf, max) == BUF_MAX_OFFSET);

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
