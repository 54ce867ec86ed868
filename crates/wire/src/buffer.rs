//! The byte writer and reader with every xlang primitive: fixed-width little-endian numbers,
//! varuint32, the PVL varuint64 (at most 9 bytes), zigzag, tagged int64/uint64, float16/bfloat16
//! and strings. Both tiers encode through these functions: they are the one source of truth for
//! the bytes.

use crate::error::{CodecError, CodecResult, ErrorKind};
use half::{bf16, f16};

/// How strings are written. Readers accept every encoding regardless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringPolicy {
    /// Always UTF-8, like the `fory` Rust crate.
    #[default]
    Utf8,
    /// LATIN1 when every char is at most U+00FF, else UTF-16LE when every char is in the BMP,
    /// else UTF-8: byte-identical to pyfory.
    PyforyLike,
}

/// String encodings in the header's low two bits.
pub const STR_LATIN1: u8 = 0;
/// UTF-16 little endian.
pub const STR_UTF16: u8 = 1;
/// UTF-8.
pub const STR_UTF8: u8 = 2;

/// Appends xlang primitives to a `Vec<u8>`, never growing it past `max` bytes.
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
    max: usize,
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf`; the buffer may not grow beyond `max` bytes in total.
    pub fn new(buf: &'a mut Vec<u8>, max: usize) -> Self {
        Writer { buf, max }
    }

    /// Bytes written so far (the buffer length).
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when the buffer is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Makes room for `n` more bytes: one capacity check for a run of bounded-size writes.
    ///
    /// `n` is a worst case (varints at their maximum width), so it is not held against the size
    /// limit; the limit is enforced on bytes really written: a run may overshoot it by at most its
    /// own worst case before the next `reserve` (or the final [`Writer::check_limit`]) fails, and
    /// exact-size writes (strings, binaries, arrays) are checked before they are made.
    #[inline]
    pub fn reserve(&mut self, n: usize) -> CodecResult<()> {
        let len = self.buf.len();
        if self.buf.capacity() - len >= n && len <= self.max {
            return Ok(());
        }
        self.grow(n)
    }

    #[cold]
    fn grow(&mut self, n: usize) -> CodecResult<()> {
        let len = self.buf.len();
        if len > self.max {
            return Err(CodecError::new(ErrorKind::OutputLimit(self.max), self.max));
        }
        let want = n.max(self.buf.capacity().min(self.max - len));
        self.buf
            .try_reserve(want)
            .map_err(|_| CodecError::new(ErrorKind::OutputLimit(self.max), len))
    }

    /// Makes room for exactly `n` more bytes that will be written, failing when they would pass
    /// the size limit.
    #[inline]
    pub fn reserve_exact(&mut self, n: usize) -> CodecResult<()> {
        let len = self.buf.len();
        if len.saturating_add(n) > self.max {
            return Err(CodecError::new(ErrorKind::OutputLimit(self.max), len.min(self.max)));
        }
        self.reserve(n)
    }

    /// Fails when the bytes written so far exceed the size limit (called once at the end).
    pub fn check_limit(&self) -> CodecResult<()> {
        if self.buf.len() > self.max {
            return Err(CodecError::new(ErrorKind::OutputLimit(self.max), self.max));
        }
        Ok(())
    }

    /// Writes raw bytes.
    #[inline]
    pub fn put_bytes(&mut self, b: &[u8]) -> CodecResult<()> {
        self.reserve_exact(b.len())?;
        self.buf.extend_from_slice(b);
        Ok(())
    }

    /// Truncates the output back to `len` (used to undo a partial write).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Overwrites one byte already written at `at` (a placeholder such as a map chunk size).
    /// Out-of-range positions are ignored.
    #[inline]
    pub fn patch_u8(&mut self, at: usize, v: u8) {
        if let Some(b) = self.buf.get_mut(at) {
            *b = v;
        }
    }

    /// One byte (capacity must be reserved or is grown).
    #[inline]
    pub fn put_u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// 2 bytes LE.
    #[inline]
    pub fn put_u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// 4 bytes LE.
    #[inline]
    pub fn put_u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// 8 bytes LE.
    #[inline]
    pub fn put_u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// varuint32: 7 bits per byte, low group first, 1–5 bytes.
    #[inline]
    pub fn put_varu32(&mut self, mut v: u32) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// PVL varuint64: LEB128 for the first 8 bytes; a 9th byte carries the last 8 bits whole.
    #[inline]
    pub fn put_varu64(&mut self, mut v: u64) {
        for _ in 0..8 {
            if v < 0x80 {
                self.buf.push(v as u8);
                return;
            }
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// Zigzag VARINT32.
    #[inline]
    pub fn put_vari32(&mut self, v: i32) {
        self.put_varu32(((v << 1) ^ (v >> 31)) as u32);
    }

    /// Zigzag VARINT64.
    #[inline]
    pub fn put_vari64(&mut self, v: i64) {
        self.put_varu64(((v << 1) ^ (v >> 63)) as u64);
    }

    /// TAGGED_INT64: 4 bytes `v << 1` when `v` fits in 31 bits, else `01` + 8 bytes.
    #[inline]
    pub fn put_tagged_i64(&mut self, v: i64) {
        if (-(1i64 << 30)..(1i64 << 30)).contains(&v) {
            self.put_u32(((v as i32) << 1) as u32);
        } else {
            self.put_u8(1);
            self.put_u64(v as u64);
        }
    }

    /// TAGGED_UINT64: 4 bytes `v << 1` when `v < 2^31`, else `01` + 8 bytes.
    #[inline]
    pub fn put_tagged_u64(&mut self, v: u64) {
        if v < (1u64 << 31) {
            self.put_u32((v as u32) << 1);
        } else {
            self.put_u8(1);
            self.put_u64(v);
        }
    }

    /// float16 as 2 bytes LE.
    #[inline]
    pub fn put_f16(&mut self, v: f16) {
        self.put_u16(v.to_bits());
    }

    /// bfloat16 as 2 bytes LE.
    #[inline]
    pub fn put_bf16(&mut self, v: bf16) {
        self.put_u16(v.to_bits());
    }

    /// A string: `varuint64((byte_len << 2) | encoding)` then the bytes.
    pub fn put_string(&mut self, s: &str, policy: StringPolicy) -> CodecResult<()> {
        self.put_string_within(s, policy, usize::MAX)
    }

    /// [`Writer::put_string`] of at most `max_bytes` encoded bytes (what [`Reader::string`]
    /// accepts with the same bound): a longer one is refused with `LengthLimit`, having
    /// written nothing.
    pub fn put_string_within(
        &mut self,
        s: &str,
        policy: StringPolicy,
        max_bytes: usize,
    ) -> CodecResult<()> {
        let too_long = |w: &Writer, len: usize| {
            CodecError::new(
                ErrorKind::LengthLimit { len: len as u64, limit: max_bytes as u64 },
                w.len(),
            )
        };
        match policy {
            StringPolicy::Utf8 => {
                if s.len() > max_bytes {
                    return Err(too_long(self, s.len()));
                }
                self.put_string_bytes(s.as_bytes(), STR_UTF8)
            }
            StringPolicy::PyforyLike => {
                if s.is_ascii() {
                    if s.len() > max_bytes {
                        return Err(too_long(self, s.len()));
                    }
                    return self.put_string_bytes(s.as_bytes(), STR_LATIN1);
                }
                let mut max = 0u32;
                for c in s.chars() {
                    max = max.max(c as u32);
                }
                if max <= 0xFF {
                    let n = s.chars().count();
                    if n > max_bytes {
                        return Err(too_long(self, n));
                    }
                    let bytes: Vec<u8> = s.chars().map(|c| c as u8).collect();
                    self.put_string_bytes(&bytes, STR_LATIN1)
                } else if max <= 0xFFFF {
                    let n = s.encode_utf16().count() * 2;
                    if n > max_bytes {
                        return Err(too_long(self, n));
                    }
                    self.reserve_exact(n)?;
                    self.reserve(n + 9)?;
                    self.put_varu64(((n as u64) << 2) | STR_UTF16 as u64);
                    for u in s.encode_utf16() {
                        self.put_u16(u);
                    }
                    Ok(())
                } else {
                    if s.len() > max_bytes {
                        return Err(too_long(self, s.len()));
                    }
                    self.put_string_bytes(s.as_bytes(), STR_UTF8)
                }
            }
        }
    }

    fn put_string_bytes(&mut self, b: &[u8], enc: u8) -> CodecResult<()> {
        self.reserve_exact(b.len())?;
        self.reserve(b.len() + 9)?;
        self.put_varu64(((b.len() as u64) << 2) | enc as u64);
        self.buf.extend_from_slice(b);
        Ok(())
    }
}

/// Reads xlang primitives from a byte slice; every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Current byte offset.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    #[cold]
    fn truncated(&self, n: usize) -> Box<CodecError> {
        CodecError::new(ErrorKind::Truncated { need: n - self.remaining() }, self.pos)
    }

    /// Checks that `n` bytes are readable: one check for a run of fixed-size reads.
    #[inline]
    pub fn ensure(&self, n: usize) -> CodecResult<()> {
        if self.remaining() >= n {
            Ok(())
        } else {
            Err(self.truncated(n))
        }
    }

    /// Reads `n` raw bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> CodecResult<&'a [u8]> {
        self.ensure(n)?;
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> CodecResult<[u8; N]> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> CodecResult<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.truncated(1)),
        }
    }

    /// Peeks one byte without consuming it.
    #[inline]
    pub fn peek_u8(&self) -> CodecResult<u8> {
        self.data.get(self.pos).copied().ok_or_else(|| self.truncated(1))
    }

    /// 2 bytes LE.
    #[inline]
    pub fn u16(&mut self) -> CodecResult<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// 4 bytes LE.
    #[inline]
    pub fn u32(&mut self) -> CodecResult<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// 8 bytes LE.
    #[inline]
    pub fn u64(&mut self) -> CodecResult<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// varuint32 (1–5 bytes; a 5th byte with a continuation bit is malformed).
    #[inline]
    pub fn varu32(&mut self) -> CodecResult<u32> {
        let start = self.pos;
        let mut result: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            result |= ((b & 0x7f) as u32) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(CodecError::new(ErrorKind::MalformedVarint, start))
    }

    /// PVL varuint64 (1–9 bytes).
    #[inline]
    pub fn varu64(&mut self) -> CodecResult<u64> {
        let mut result: u64 = 0;
        for i in 0..8 {
            let b = self.u8()?;
            result |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        let b = self.u8()?;
        Ok(result | ((b as u64) << 56))
    }

    /// Zigzag VARINT32.
    #[inline]
    pub fn vari32(&mut self) -> CodecResult<i32> {
        let u = self.varu32()?;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// Zigzag VARINT64.
    #[inline]
    pub fn vari64(&mut self) -> CodecResult<i64> {
        let u = self.varu64()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// TAGGED_INT64.
    #[inline]
    pub fn tagged_i64(&mut self) -> CodecResult<i64> {
        let b = self.peek_u8()?;
        if b & 1 == 0 {
            Ok(((self.u32()? as i32) >> 1) as i64)
        } else {
            self.ensure(9)?;
            self.pos += 1;
            Ok(self.u64()? as i64)
        }
    }

    /// TAGGED_UINT64.
    #[inline]
    pub fn tagged_u64(&mut self) -> CodecResult<u64> {
        let b = self.peek_u8()?;
        if b & 1 == 0 {
            Ok((self.u32()? >> 1) as u64)
        } else {
            self.ensure(9)?;
            self.pos += 1;
            self.u64()
        }
    }

    /// A string in any of the three encodings; `max_len` bounds the byte length.
    pub fn string(&mut self, max_len: usize) -> CodecResult<String> {
        let start = self.pos;
        let header = self.varu64()?;
        let enc = (header & 3) as u8;
        let n = header >> 2;
        if n > max_len as u64 || n > self.remaining() as u64 {
            let limit = (max_len.min(self.remaining())) as u64;
            if n > max_len as u64 {
                return Err(CodecError::new(ErrorKind::LengthLimit { len: n, limit }, start));
            }
            return Err(CodecError::new(
                ErrorKind::Truncated { need: (n - self.remaining() as u64) as usize },
                self.pos,
            ));
        }
        let body_at = self.pos;
        let bytes = self.bytes(n as usize)?;
        match enc {
            STR_LATIN1 => {
                if bytes.is_ascii() {
                    // SAFETY: ASCII bytes are valid UTF-8 (checked just above).
                    Ok(unsafe { String::from_utf8_unchecked(bytes.to_vec()) })
                } else {
                    Ok(bytes.iter().map(|&b| b as char).collect())
                }
            }
            STR_UTF16 => {
                if n % 2 != 0 {
                    return Err(CodecError::new(ErrorKind::InvalidStringEncoding(enc), start));
                }
                let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
                char::decode_utf16(units)
                    .collect::<Result<String, _>>()
                    .map_err(|_| CodecError::new(ErrorKind::InvalidStringData, body_at))
            }
            STR_UTF8 => std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|_| CodecError::new(ErrorKind::InvalidStringData, body_at)),
            _ => Err(CodecError::new(ErrorKind::InvalidStringEncoding(enc), start)),
        }
    }

    /// A varuint32 length that must not exceed `limit` nor promise more than `remaining / min_item`
    /// items (each item takes at least `min_item` bytes). Checked before anything is allocated.
    pub fn length(&mut self, limit: usize, min_item: usize) -> CodecResult<usize> {
        self.length_within(limit, min_item, 0)
    }

    /// [`Reader::length`] for a length inside other containers, whose items still to come need
    /// at least `reserved` of the remaining bytes: the items must fit in the rest
    /// (`(remaining - reserved) / min_item`). So the lengths declared along a chain of nested
    /// containers together never promise more items than the input can hold, and a reader may
    /// reserve room for all of them at once.
    pub fn length_within(
        &mut self,
        limit: usize,
        min_item: usize,
        reserved: usize,
    ) -> CodecResult<usize> {
        let at = self.pos;
        let n = self.varu32()? as usize;
        if n > limit {
            return Err(CodecError::new(
                ErrorKind::LengthLimit { len: n as u64, limit: limit as u64 },
                at,
            ));
        }
        let room = self.remaining().saturating_sub(reserved);
        if min_item > 0 && n > room / min_item {
            let need = n.saturating_mul(min_item).saturating_add(reserved) - self.remaining();
            return Err(CodecError::new(ErrorKind::Truncated { need }, self.pos));
        }
        Ok(n)
    }
}

/// Float16 from bits.
pub fn f16_from_bits(b: u16) -> f16 {
    f16::from_bits(b)
}

/// Bfloat16 from bits.
pub fn bf16_from_bits(b: u16) -> bf16 {
    bf16::from_bits(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(f: impl FnOnce(&mut Writer)) -> String {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v, usize::MAX);
        f(&mut w);
        v.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn varints_match_protocol_examples() {
        assert_eq!(hex(|w| w.put_varu64(u64::MAX)), "ff".repeat(9));
        assert_eq!(hex(|w| w.put_varu64(1 << 63)), format!("{}80", "80".repeat(8)));
        assert_eq!(hex(|w| w.put_vari64(i64::MIN)), "ff".repeat(9));
        assert_eq!(hex(|w| w.put_vari64(i64::MAX)), format!("fe{}", "ff".repeat(8)));
        assert_eq!(hex(|w| w.put_vari32(i32::MIN)), "ffffffff0f");
        assert_eq!(hex(|w| w.put_tagged_i64(-1)), "feffffff");
        assert_eq!(hex(|w| w.put_tagged_i64(1 << 30)), "010000004000000000");
        assert_eq!(hex(|w| w.put_tagged_u64((1 << 31) - 1)), "feffffff");
        assert_eq!(hex(|w| w.put_tagged_u64(1 << 31)), "010000008000000000");
        for v in [0u64, 1, 127, 128, 1 << 56, (1 << 56) - 1, u64::MAX, 1 << 63] {
            let mut b = Vec::new();
            Writer::new(&mut b, usize::MAX).put_varu64(v);
            assert_eq!(Reader::new(&b).varu64().unwrap(), v);
        }
        for v in [i64::MIN, -1, 0, 1, i64::MAX, -(1 << 30) - 1, 1 << 30] {
            let mut b = Vec::new();
            Writer::new(&mut b, usize::MAX).put_tagged_i64(v);
            assert_eq!(Reader::new(&b).tagged_i64().unwrap(), v);
        }
    }

    #[test]
    fn strings_match_pyfory_and_rust() {
        let py = StringPolicy::PyforyLike;
        assert_eq!(hex(|w| w.put_string("hello", py).unwrap()), "1468656c6c6f");
        assert_eq!(hex(|w| w.put_string("中文", py).unwrap()), "112d4e8765");
        assert_eq!(hex(|w| w.put_string("a😀", py).unwrap()), "1661f09f9880");
        assert_eq!(hex(|w| w.put_string("café", py).unwrap()), "10636166e9");
        assert_eq!(hex(|w| w.put_string("", StringPolicy::Utf8).unwrap()), "02");
        for s in ["", "hello", "café", "中文", "a😀"] {
            for p in [StringPolicy::Utf8, StringPolicy::PyforyLike] {
                let mut b = Vec::new();
                Writer::new(&mut b, usize::MAX).put_string(s, p).unwrap();
                assert_eq!(Reader::new(&b).string(1 << 20).unwrap(), s);
            }
        }
    }

    #[test]
    fn output_limit_is_an_error() {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v, 4);
        assert!(w.put_bytes(&[0; 4]).is_ok());
        assert_eq!(w.put_bytes(&[0]).unwrap_err().kind, ErrorKind::OutputLimit(4));
        // A worst-case reservation past the limit is fine; bytes written past it are not.
        assert!(w.check_limit().is_ok());
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v, 2);
        assert!(w.reserve(9).is_ok());
        w.put_varu64(1 << 20);
        assert_eq!(w.check_limit().unwrap_err().kind, ErrorKind::OutputLimit(2));
    }
}

mod pod {
    pub trait Sealed {}
}

/// Plain numeric element types whose in-memory bytes on a little-endian machine are exactly their
/// Fory wire bytes (no padding, every bit pattern valid). Sealed: implemented only here.
pub trait LePod: Copy + Default + pod::Sealed + 'static {
    /// Swaps between native and little-endian byte order (identity on little-endian machines).
    fn swap_le(self) -> Self;
}

macro_rules! le_pod_int {
    ($($t:ty),*) => {$(
        impl pod::Sealed for $t {}
        impl LePod for $t {
            #[inline]
            fn swap_le(self) -> Self { <$t>::from_le(self) }
        }
    )*};
}
le_pod_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! le_pod_bits {
    ($($t:ty => $b:ty),*) => {$(
        impl pod::Sealed for $t {}
        impl LePod for $t {
            #[inline]
            fn swap_le(self) -> Self { <$t>::from_bits(<$b>::from_le(self.to_bits())) }
        }
    )*};
}
le_pod_bits!(f32 => u32, f64 => u64, f16 => u16, bf16 => u16);

/// The wire bytes of a slice of [`LePod`] values (little-endian memory layout).
fn le_bytes_of<T: LePod>(items: &[T]) -> std::borrow::Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        // SAFETY: `T` is one of the sealed `LePod` primitives: no padding bytes, so every byte of
        // the slice is initialised; `u8` has alignment 1; the length is the slice's byte size.
        std::borrow::Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(items.as_ptr() as *const u8, std::mem::size_of_val(items))
        })
    } else {
        let mut out = Vec::with_capacity(std::mem::size_of_val(items));
        for x in items {
            let le = x.swap_le(); // from_le is its own inverse (a byte swap or the identity)
                                  // SAFETY: as above, for one value.
            out.extend_from_slice(unsafe {
                std::slice::from_raw_parts(&le as *const T as *const u8, std::mem::size_of::<T>())
            });
        }
        std::borrow::Cow::Owned(out)
    }
}

impl Writer<'_> {
    /// A dense array: `varuint32(byte length)` then the elements little endian.
    pub fn put_pod_array<T: LePod>(&mut self, items: &[T]) -> CodecResult<()> {
        let bytes = le_bytes_of(items);
        if bytes.len() > u32::MAX as usize {
            return Err(CodecError::new(
                ErrorKind::LengthLimit { len: bytes.len() as u64, limit: u32::MAX as u64 },
                self.len(),
            ));
        }
        self.reserve_exact(bytes.len())?;
        self.reserve(bytes.len() + 5)?;
        self.put_varu32(bytes.len() as u32);
        self.buf.extend_from_slice(&bytes);
        Ok(())
    }
}

impl Writer<'_> {
    /// A dense bool array: `varuint32(length)` then one byte, 0 or 1, per element.
    pub fn put_bool_array(&mut self, items: &[bool]) -> CodecResult<()> {
        // SAFETY: `bool` has size and alignment 1 and its only valid bit patterns are 0 and 1,
        // exactly its wire bytes; the slice covers the same `items.len()` initialised bytes.
        let bytes = unsafe { std::slice::from_raw_parts(items.as_ptr().cast::<u8>(), items.len()) };
        self.put_pod_array(bytes)
    }
}

/// Elements of a dense array from their wire bytes; `bytes.len()` must be a multiple of the width
/// (the caller checks and reports `BadArrayLength`; extra bytes are ignored).
pub fn pod_vec_from_le<T: LePod>(bytes: &[u8]) -> Vec<T> {
    let n = bytes.len() / std::mem::size_of::<T>();
    let mut v: Vec<T> = vec![T::default(); n];
    // SAFETY: `v` owns `n * size_of::<T>()` initialised bytes; `T` has no padding and every bit
    // pattern is a valid `T` (sealed numeric types), so overwriting its bytes is sound.
    let dst = unsafe {
        std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, n * std::mem::size_of::<T>())
    };
    dst.copy_from_slice(&bytes[..dst.len()]);
    if cfg!(target_endian = "big") {
        for x in &mut v {
            *x = x.swap_le();
        }
    }
    v
}

/// The output buffer as compiled code sees it: a `Vec<u8>` taken apart into raw parts plus the
/// size limit. `#[repr(C)]`, offsets in [`crate::layout`].
#[repr(C)]
#[derive(Debug)]
pub struct Buf {
    /// Start of the allocation.
    pub ptr: *mut u8,
    /// Bytes written.
    pub len: usize,
    /// Bytes allocated.
    pub cap: usize,
    /// Size limit ([`crate::CodecLimits::max_output_bytes`]).
    pub max: usize,
}

impl Buf {
    /// Takes a vector apart (it is rebuilt by [`Buf::into_vec`]).
    pub fn from_vec(v: Vec<u8>, max: usize) -> Buf {
        let mut v = std::mem::ManuallyDrop::new(v);
        Buf { ptr: v.as_mut_ptr(), len: v.len(), cap: v.capacity(), max }
    }

    /// Rebuilds the vector.
    ///
    /// # Safety
    /// `self` must come from [`Buf::from_vec`] (or an earlier `into_vec`/`from_vec` round trip),
    /// with `len <= cap` and the first `len` bytes initialised, and must not be used again.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        // SAFETY: the caller guarantees the parts come from a `Vec<u8>` of the global allocator.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }
}

impl Writer<'_> {
    /// The underlying vector (used to hand the buffer to compiled code and back).
    pub fn vec_mut(&mut self) -> &mut Vec<u8> {
        self.buf
    }

    /// The size limit.
    pub fn max(&self) -> usize {
        self.max
    }
}

impl<'a> Reader<'a> {
    /// The whole input.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Moves to `pos` (clamped to the input length).
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    /// A reader over `data` starting at `pos` (clamped).
    pub fn at(data: &'a [u8], pos: usize) -> Self {
        Reader { data, pos: pos.min(data.len()) }
    }
}
