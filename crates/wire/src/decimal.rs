//! Arbitrary-precision decimals: the value `(-1)^negative × magnitude × 10^-scale`, the xlang
//! DECIMAL encoding, and the decimal-string form Python's `str(Decimal)` uses.
//!
//! Wire form: `zigzag varint32(scale)`, then a `varuint64` header. When the zigzag of the
//! unscaled value fits in 63 bits the header is `zigzag(unscaled) << 1` (small form, always used
//! for zero); otherwise it is `(((len << 1) | sign) << 1) | 1` followed by `len` little-endian
//! magnitude bytes with no trailing zero byte.
//!
//! ```
//! use foryjit_wire::Decimal;
//! let d: Decimal = "3.14".parse().unwrap();
//! assert_eq!((d.scale, d.negative, &d.magnitude[..]), (2, false, &[0x3a, 0x01][..]));
//! assert_eq!(d.to_string(), "3.14");
//! assert_eq!("1E+3".parse::<Decimal>().unwrap().scale, -3);
//! ```

use crate::error::{CodecError, CodecResult, ErrorKind};
use crate::rvec::RVec;
use crate::{Reader, Writer};
use std::fmt;

/// Largest |scale| read or written (the peers' bound).
pub const MAX_DECIMAL_SCALE: i64 = 10_000;
/// Largest magnitude, in bytes, read or written (the peers' bound).
pub const MAX_DECIMAL_BYTES: usize = 10_000;

/// A decimal number: `(-1)^negative × magnitude × 10^-scale`.
///
/// `magnitude` is little-endian with no trailing zero byte (zero is empty and never negative),
/// so equal values with equal scales compare equal.
#[repr(C)]
#[derive(Debug, Clone, PartialEq)]
pub struct Decimal {
    /// The unscaled value's magnitude, little-endian, minimal.
    pub magnitude: RVec<u8>,
    /// Digits after the decimal point (negative: trailing zeros, as in `1E+3`).
    pub scale: i32,
    /// Sign of a non-zero value.
    pub negative: bool,
}

/// Why a decimal string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid decimal {0:?}")]
pub struct DecimalParseError(pub String);

impl Decimal {
    /// A decimal from an unscaled `i128` and a scale.
    pub fn from_i128(unscaled: i128, scale: i32) -> Decimal {
        let mut bytes = unscaled.unsigned_abs().to_le_bytes().to_vec();
        trim(&mut bytes);
        Decimal { negative: unscaled < 0, magnitude: bytes.into(), scale }
    }

    /// The unscaled value, when it fits an `i128`.
    pub fn to_i128(&self) -> Option<i128> {
        if self.magnitude.len() > 16 {
            return None;
        }
        let mut b = [0u8; 16];
        b[..self.magnitude.len()].copy_from_slice(&self.magnitude);
        let m = u128::from_le_bytes(b);
        if self.negative {
            0i128.checked_sub_unsigned(m)
        } else {
            i128::try_from(m).ok()
        }
    }

    /// Writes the xlang DECIMAL body.
    pub fn write(&self, w: &mut Writer) -> CodecResult<()> {
        if i64::from(self.scale).abs() > MAX_DECIMAL_SCALE
            || self.magnitude.len() > MAX_DECIMAL_BYTES
        {
            return Err(CodecError::new(
                ErrorKind::LengthLimit {
                    len: self.magnitude.len() as u64,
                    limit: MAX_DECIMAL_BYTES as u64,
                },
                w.len(),
            ));
        }
        w.reserve(5 + 10 + self.magnitude.len())?;
        w.put_vari32(self.scale);
        // The zigzag of the unscaled value, when it is an i64 (`< 2^63` is checked below).
        let small = self
            .to_i128()
            .and_then(|u| i64::try_from(u).ok())
            .map(|u| ((u << 1) ^ (u >> 63)) as u64);
        match small {
            Some(zz) if zz < 1 << 63 => w.put_varu64(zz << 1),
            _ => {
                let len = self.magnitude.len() as u64;
                w.put_varu64((((len << 1) | self.negative as u64) << 1) | 1);
                w.put_bytes(&self.magnitude)?;
            }
        }
        Ok(())
    }

    /// Reads an xlang DECIMAL body, checking the scale and length bounds before allocating.
    pub fn read(r: &mut Reader) -> CodecResult<Decimal> {
        let at = r.pos();
        let scale = r.vari32()?;
        if i64::from(scale).abs() > MAX_DECIMAL_SCALE {
            return Err(CodecError::new(ErrorKind::InvalidDecimal, at));
        }
        let hat = r.pos();
        let header = r.varu64()?;
        if header & 1 == 0 {
            let zz = header >> 1;
            let u = ((zz >> 1) as i64) ^ -((zz & 1) as i64);
            return Ok(Decimal::from_i128(u as i128, scale));
        }
        let negative = (header >> 1) & 1 == 1;
        let len = header >> 2;
        if len == 0 || len > MAX_DECIMAL_BYTES as u64 {
            return Err(CodecError::new(ErrorKind::InvalidDecimal, hat));
        }
        let bytes = r.bytes(len as usize)?;
        if bytes.last() == Some(&0) {
            return Err(CodecError::new(ErrorKind::InvalidDecimal, hat));
        }
        Ok(Decimal { magnitude: bytes.to_vec().into(), scale, negative })
    }

    /// The magnitude's decimal digits (most significant first; `"0"` for zero).
    fn digits(&self) -> String {
        let mut limbs: Vec<u32> = self
            .magnitude
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                u32::from_le_bytes(b)
            })
            .collect();
        let mut out = Vec::new();
        while limbs.iter().any(|&l| l != 0) {
            // Divide by 10^9, most significant limb first.
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*l);
                *l = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            out.push(rem as u32);
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        match out.split_last() {
            None => "0".to_owned(),
            Some((top, rest)) => {
                let mut s = top.to_string();
                for chunk in rest.iter().rev() {
                    s.push_str(&format!("{chunk:09}"));
                }
                s
            }
        }
    }
}

fn trim(bytes: &mut Vec<u8>) {
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
}

/// Python's `str(Decimal)`: plain notation when the exponent is ≤ 0 and the adjusted exponent
/// is ≥ -6, scientific (`1.5E+7`, `1E-8`) otherwise.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits();
        let exp = -i64::from(self.scale);
        let adjusted = exp + digits.len() as i64 - 1;
        if self.negative {
            f.write_str("-")?;
        }
        if exp <= 0 && adjusted >= -6 {
            let point = digits.len() as i64 + exp;
            if exp == 0 {
                f.write_str(&digits)
            } else if point > 0 {
                let (a, b) = digits.split_at(point as usize);
                write!(f, "{a}.{b}")
            } else {
                write!(f, "0.{}{digits}", "0".repeat((-point) as usize))
            }
        } else {
            let (first, rest) = digits.split_at(1);
            f.write_str(first)?;
            if !rest.is_empty() {
                write!(f, ".{rest}")?;
            }
            write!(f, "E{}{adjusted}", if adjusted >= 0 { "+" } else { "" })
        }
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalParseError;

    /// Parses `[-+]digits[.digits][(e|E)[-+]digits]`, keeping the scale the text implies
    /// (`"1.50"` has scale 2, `"1E+3"` scale -3).
    fn from_str(text: &str) -> Result<Decimal, DecimalParseError> {
        let bad = || DecimalParseError(text.chars().take(64).collect());
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => {
                let e: i64 = rest[i + 1..].parse().map_err(|_| bad())?;
                (&rest[..i], e)
            }
            None => (rest, 0),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((a, b)) => (a, b),
            None => (mantissa, ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let scale = frac.len() as i64 - exp;
        if scale.abs() > MAX_DECIMAL_SCALE {
            return Err(bad());
        }
        // Multiply-add the digits into little-endian base-2^32 limbs.
        let mut limbs: Vec<u32> = Vec::new();
        for d in int.bytes().chain(frac.bytes()) {
            let mut carry = u64::from(d - b'0');
            for l in limbs.iter_mut() {
                let cur = u64::from(*l) * 10 + carry;
                *l = cur as u32;
                carry = cur >> 32;
            }
            if carry != 0 {
                limbs.push(carry as u32);
            }
            if limbs.len() * 4 > MAX_DECIMAL_BYTES + 4 {
                return Err(bad());
            }
        }
        let mut bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
        trim(&mut bytes);
        if bytes.len() > MAX_DECIMAL_BYTES {
            return Err(bad());
        }
        let negative = negative && !bytes.is_empty();
        Ok(Decimal { magnitude: bytes.into(), scale: scale as i32, negative })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(d: &Decimal) -> Vec<u8> {
        let mut out = Vec::new();
        d.write(&mut Writer::new(&mut out, usize::MAX)).unwrap();
        out
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn peer_bytes() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(hex(&enc(&d("3.14"))), "04e809");
        assert_eq!(hex(&enc(&d("1E+3"))), "0504");
        assert_eq!(hex(&enc(&d("0"))), "0000");
        let big = Decimal::from_i128(1 << 62, 0);
        assert_eq!(hex(&enc(&big)), "0021".to_owned() + "0000000000000040");
        let e = enc(&d("1234567890123456789012345678901"));
        assert_eq!(e[1], 0x35);
        for s in ["3.14", "1E+3", "0", "-2.50", "1234567890123456789012345678901", "-0.000001"] {
            let v = d(s);
            assert_eq!(Decimal::read(&mut Reader::new(&enc(&v))).unwrap(), v, "{s}");
            assert_eq!(v.to_string(), s);
        }
        assert_eq!(d("1E-7").to_string(), "1E-7");
        assert_eq!(d("0.0000001").to_string(), "1E-7");
        assert_eq!(d("-4611686018427387904").to_string(), "-4611686018427387904");
    }

    #[test]
    fn hostile_headers_are_rejected_before_allocating() {
        // Scale out of range, then a big form announcing 2^40 bytes.
        assert!(Decimal::read(&mut Reader::new(&[0xfe, 0xff, 0x03, 0x00])).is_err());
        let mut b = vec![0x00];
        let mut w = Vec::new();
        Writer::new(&mut w, usize::MAX).put_varu64(((1u64 << 40) << 2) | 1);
        b.extend_from_slice(&w);
        let e = Decimal::read(&mut Reader::new(&b)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidDecimal);
        assert!("1e99999".parse::<Decimal>().is_err());
        assert!("1.2.3".parse::<Decimal>().is_err());
    }
}
