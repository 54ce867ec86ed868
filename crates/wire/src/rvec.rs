//! `RVec<T>`: an owned, growable array with a guaranteed `#[repr(C)]` layout.
//!
//! `Vec<T>` has no stable field layout, so compiled code cannot read it. `RVec<T>` stores the
//! same three facts (pointer, length, capacity) at fixed offsets and converts to and from `Vec<T>`
//! without copying. Lengths are `u32`: every Fory length prefix is a `varuint32`, so nothing larger
//! can travel on the wire anyway, and the narrow fields keep `Value` at 32 bytes.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// An owned array of `T` with a `#[repr(C)]` layout: `{ ptr, len: u32, cap: u32 }`.
///
/// ```
/// use foryjit_wire::RVec;
/// let v: RVec<i32> = vec![1, 2, 3].into();
/// assert_eq!(&v[..], &[1, 2, 3]);
/// let back: Vec<i32> = v.into_vec();
/// assert_eq!(back, vec![1, 2, 3]);
/// ```
#[repr(C)]
pub struct RVec<T> {
    ptr: NonNull<T>,
    len: u32,
    cap: u32,
    _owns: PhantomData<T>,
}

/// Offset of the data pointer inside an `RVec` (the same for every `T`), for [`crate::layout`].
pub(crate) const PTR_OFFSET: usize = std::mem::offset_of!(RVec<u8>, ptr);
/// Offset of the `u32` length inside an `RVec`, for [`crate::layout`].
pub(crate) const LEN_OFFSET: usize = std::mem::offset_of!(RVec<u8>, len);

// SAFETY: `RVec<T>` uniquely owns its elements exactly like `Vec<T>`; sending it sends the `T`s.
unsafe impl<T: Send> Send for RVec<T> {}
// SAFETY: shared access only hands out `&[T]`, exactly like `&Vec<T>`.
unsafe impl<T: Sync> Sync for RVec<T> {}

impl<T> RVec<T> {
    /// An empty array (no allocation).
    pub const fn new() -> Self {
        RVec { ptr: NonNull::dangling(), len: 0, cap: 0, _owns: PhantomData }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Converts back into a `Vec<T>` without copying.
    pub fn into_vec(self) -> Vec<T> {
        let me = ManuallyDrop::new(self);
        // SAFETY: `ptr/len/cap` came from a `Vec<T>` (see `From<Vec<T>>`) or from `new()` (dangling,
        // 0, 0), and `ManuallyDrop` stops our own `Drop` from freeing them a second time.
        unsafe { Vec::from_raw_parts(me.ptr.as_ptr(), me.len as usize, me.cap as usize) }
    }

    /// Runs `f` on the elements as a `Vec<T>` (to push, remove, ...) and stores the result back.
    pub fn with_vec<R>(&mut self, f: impl FnOnce(&mut Vec<T>) -> R) -> R {
        let mut v = std::mem::take(self).into_vec();
        // If `f` panics, `v` is dropped during unwinding and `self` is already the empty array,
        // so nothing is freed twice.
        let r = f(&mut v);
        *self = RVec::from(v);
        r
    }

    /// Appends one element.
    pub fn push(&mut self, value: T) {
        self.with_vec(|v| v.push(value));
    }

    /// Borrows the elements.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` is valid for `len` initialised elements (Vec invariant), or dangling with
        // len 0, which `from_raw_parts` allows for a non-null aligned pointer.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// Borrows the elements mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`, and `&mut self` guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len as usize) }
    }
}

impl<T> Default for RVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<Vec<T>> for RVec<T> {
    /// Takes over the vector's allocation.
    ///
    /// # Panics
    /// If the vector holds more than `u32::MAX` elements (no Fory payload can carry that many).
    fn from(v: Vec<T>) -> Self {
        let mut v = v;
        if v.capacity() > u32::MAX as usize {
            v.shrink_to_fit();
        }
        let len = u32::try_from(v.len()).expect("RVec holds at most u32::MAX elements");
        let cap = u32::try_from(v.capacity()).unwrap_or(u32::MAX);
        if cap as usize != v.capacity() {
            // Capacity still too large after shrinking (only for zero-sized T): keep it exact.
            let v2: Vec<T> = v.into_iter().collect();
            return RVec::from(v2);
        }
        let mut v = ManuallyDrop::new(v);
        // `Vec::as_mut_ptr` is never null (dangling for an empty vector).
        let ptr = NonNull::new(v.as_mut_ptr()).unwrap_or(NonNull::dangling());
        RVec { ptr, len, cap, _owns: PhantomData }
    }
}

impl<T> Drop for RVec<T> {
    fn drop(&mut self) {
        let taken = std::mem::take(self);
        let me = ManuallyDrop::new(taken);
        // SAFETY: same provenance argument as `into_vec`; `self` now holds an empty array, so the
        // buffer is freed exactly once.
        drop(unsafe { Vec::from_raw_parts(me.ptr.as_ptr(), me.len as usize, me.cap as usize) });
    }
}

impl<T: Clone> Clone for RVec<T> {
    fn clone(&self) -> Self {
        RVec::from(self.as_slice().to_vec())
    }
}

impl<T: PartialEq> PartialEq for RVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: fmt::Debug> fmt::Debug for RVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T> Deref for RVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for RVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T> FromIterator<T> for RVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        RVec::from(iter.into_iter().collect::<Vec<T>>())
    }
}

/// An owned UTF-8 string with a `#[repr(C)]` layout (an [`RVec<u8>`] holding valid UTF-8).
#[repr(C)]
#[derive(Clone, Default, PartialEq)]
pub struct RString {
    bytes: RVec<u8>,
}

impl RString {
    /// Borrows the text.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor takes a `String` or `&str`, so the bytes are valid UTF-8,
        // and no API hands out the bytes mutably.
        unsafe { std::str::from_utf8_unchecked(self.bytes.as_slice()) }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Converts into a `String` without copying.
    pub fn into_string(self) -> String {
        let v = self.bytes.into_vec();
        // SAFETY: the bytes are valid UTF-8 (type invariant).
        unsafe { String::from_utf8_unchecked(v) }
    }
}

impl From<String> for RString {
    fn from(s: String) -> Self {
        RString { bytes: RVec::from(s.into_bytes()) }
    }
}

impl From<&str> for RString {
    fn from(s: &str) -> Self {
        RString::from(s.to_owned())
    }
}

impl Deref for RString {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for RString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for RString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_layout() {
        assert_eq!(std::mem::size_of::<RVec<u64>>(), 16);
        assert_eq!(std::mem::offset_of!(RVec<u64>, ptr), 0);
        assert_eq!(std::mem::offset_of!(RVec<u64>, len), 8);
        assert_eq!(std::mem::offset_of!(RVec<u64>, cap), 12);
        let mut v: RVec<String> = vec!["a".to_string()].into();
        v.push("b".into());
        assert_eq!(v.len(), 2);
        let c = v.clone();
        assert_eq!(c.into_vec(), vec!["a".to_string(), "b".to_string()]);
        let e: RVec<u8> = RVec::new();
        assert!(e.as_slice().is_empty());
        let s = RString::from("héllo");
        assert_eq!(s.as_str(), "héllo");
        assert_eq!(s.clone().into_string(), "héllo");
    }
}
