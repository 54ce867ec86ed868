//! `Value` → standard row bytes.

use crate::error::{err, RowError, RowResult};
use crate::layout::{bitmap_width, dense_width, round8, slot_of, to_micros, type_name, Slot};
use crate::{RowErrorKind, MAX_DEPTH};
use foryjit_schema::{ArrayElem, MessageInfo, Registry, ResolvedElem, ResolvedType, TypeInfo};
use foryjit_wire::{MapEntry, StructValue, TypeIdx, Value};

/// Per type index: each ordinal's slot, then each slot's ordinal (one thin pointer in [`Ctx`]).
#[derive(Debug)]
pub(crate) struct Orders(pub(crate) Box<[Box<[u32]>]>);

/// The registry and, for [`crate::FieldOrder::ByName`], each message's slot of each ordinal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) reg: &'a Registry,
    pub(crate) orders: Option<&'a Orders>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn declared(reg: &'a Registry) -> Self {
        Ctx { reg, orders: None }
    }

    /// Message `ty` and its slot maps (`None`: slot = ordinal): `n` entries ordinal → slot,
    /// then `n` entries slot → ordinal.
    pub(crate) fn message(self, ty: TypeIdx) -> RowResult<(&'a MessageInfo, Option<&'a [u32]>)> {
        match self.reg.get(ty).map(|t| &**t) {
            Some(TypeInfo::Message(m)) => {
                let perm = self.orders.and_then(|o| o.0.get(ty.0 as usize)).map(|p| &**p);
                Ok((m, perm.filter(|p| p.len() == 2 * m.fields.len())))
            }
            _ => err(RowErrorKind::NotAMessage(ty.0)),
        }
    }
}

/// Writes one row for `value` (a struct) at the end of `out`.
pub(crate) fn write_root(reg: Ctx<'_>, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
    let s = match value {
        Value::Struct(s) => s,
        other => {
            return err(RowErrorKind::Mismatch { expected: "struct", found: other.kind_name() })
        }
    };
    let (msg, perm) = reg.message(s.ty)?;
    Writer { reg, out }.write_struct(msg, perm, s, 0)
}

struct Writer<'r, 'o> {
    reg: Ctx<'r>,
    out: &'o mut Vec<u8>,
}

fn mismatch(ty: &ResolvedType, v: &Value) -> RowError {
    RowError::new(RowErrorKind::Mismatch { expected: type_name(ty), found: v.kind_name() })
}

impl Writer<'_, '_> {
    fn set_bit(&mut self, bitmap_start: usize, i: usize) {
        self.out[bitmap_start + (i >> 3)] |= 1 << (i & 7);
    }

    fn put(&mut self, at: usize, bytes: &[u8]) {
        self.out[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn write_struct(
        &mut self,
        msg: &MessageInfo,
        perm: Option<&[u32]>,
        s: &StructValue,
        depth: usize,
    ) -> RowResult<()> {
        if depth >= MAX_DEPTH {
            return err(RowErrorKind::TooDeep(MAX_DEPTH));
        }
        let n = msg.fields.len();
        if s.fields.len() != n {
            return err(RowErrorKind::FieldCount { expected: n, found: s.fields.len() });
        }
        let base = self.out.len();
        let bw = bitmap_width(n);
        self.out.resize(base + bw + n * 8, 0);
        // Slot by slot, so the variable data lies in slot order (as every peer writes it).
        for slot in 0..n {
            let i = perm.map_or(slot, |p| p[n + slot] as usize);
            let (f, v) = (&msg.fields[i], &s.fields[i]);
            let r = match v {
                Value::Null => {
                    if f.nullable {
                        slot_of(&f.ty).map(|_| self.set_bit(base, slot))
                    } else {
                        err(RowErrorKind::NullNotAllowed)
                    }
                }
                v => self.write_value(&f.ty, v, base, base + bw + slot * 8, depth),
            };
            r.map_err(|e| e.at(&f.name))?;
        }
        Ok(())
    }

    /// Writes a non-null `v` of type `ty` whose slot is at `slot` of the container at `base`.
    fn write_value(
        &mut self,
        ty: &ResolvedType,
        v: &Value,
        base: usize,
        slot: usize,
        depth: usize,
    ) -> RowResult<()> {
        use ResolvedType as T;
        match (ty, v) {
            (T::Bool, Value::Bool(b)) => self.put(slot, &[*b as u8]),
            (T::Int8, Value::Int8(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Int16, Value::Int16(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Int32(_), Value::Int32(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Int64(_), Value::Int64(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Float32, Value::Float32(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Float64, Value::Float64(x)) => self.put(slot, &x.to_le_bytes()),
            (T::Date, Value::Date(d)) => self.put(slot, &d.to_le_bytes()),
            (T::Timestamp, Value::Timestamp(t)) => {
                let us = to_micros(t.seconds, i64::from(t.nanos), "timestamp")?;
                self.put(slot, &us.to_le_bytes())
            }
            (T::Duration, Value::Duration(d)) => {
                let us = to_micros(d.seconds, i64::from(d.nanos), "duration")?;
                self.put(slot, &us.to_le_bytes())
            }
            _ => {
                // Everything else lives in the variable region.
                if slot_of(ty)? != Slot::Var {
                    return Err(mismatch(ty, v));
                }
                let start = self.out.len();
                let rel = u32::try_from(start - base)
                    .or_else(|_| err(RowErrorKind::TooLarge("row offset")))?;
                self.write_var(ty, v, depth)?;
                let size = u32::try_from(self.out.len() - start)
                    .or_else(|_| err(RowErrorKind::TooLarge("value size")))?;
                let padded = round8(self.out.len()).ok_or(RowErrorKind::TooLarge("value size"))?;
                self.out.resize(padded, 0);
                let word = (u64::from(rel) << 32) | u64::from(size);
                self.put(slot, &word.to_le_bytes());
            }
        }
        Ok(())
    }

    fn write_var(&mut self, ty: &ResolvedType, v: &Value, depth: usize) -> RowResult<()> {
        use ResolvedType as T;
        match (ty, v) {
            (T::String, Value::String(s)) => self.out.extend_from_slice(s.as_bytes()),
            (T::Binary, Value::Binary(b)) => self.out.extend_from_slice(b),
            (T::List(e), Value::List(items)) | (T::Set(e), Value::Set(items)) => {
                self.write_array(e, items.iter(), items.len(), depth + 1)?
            }
            (T::Map(k, val), Value::Map(entries)) => self.write_map(k, val, entries, depth + 1)?,
            (T::Message(idx), Value::Struct(s)) if s.ty == *idx => {
                let (msg, perm) = self.reg.message(*idx)?;
                self.write_struct(msg, perm, s, depth + 1)?
            }
            (T::Array(a), v) => self.write_dense(*a, v).ok_or_else(|| mismatch(ty, v))?,
            _ => return Err(mismatch(ty, v)),
        }
        Ok(())
    }

    fn write_array<'v>(
        &mut self,
        elem: &ResolvedElem,
        items: impl Iterator<Item = &'v Value>,
        count: usize,
        depth: usize,
    ) -> RowResult<()> {
        if depth >= MAX_DEPTH {
            return err(RowErrorKind::TooDeep(MAX_DEPTH));
        }
        let width = slot_of(&elem.ty)?.elem_width();
        let base = self.out.len();
        let bw = bitmap_width(count);
        let data = count
            .checked_mul(width)
            .and_then(round8)
            .ok_or(RowErrorKind::TooLarge("array length"))?;
        self.out.resize(base + 8 + bw + data, 0);
        self.put(base, &(count as u64).to_le_bytes());
        for (i, v) in items.enumerate() {
            let r = match v {
                Value::Null if elem.nullable => {
                    self.set_bit(base + 8, i);
                    Ok(())
                }
                Value::Null => err(RowErrorKind::NullNotAllowed),
                v => self.write_value(&elem.ty, v, base, base + 8 + bw + i * width, depth),
            };
            r.map_err(|e| e.at(format_args!("[{i}]")))?;
        }
        Ok(())
    }

    fn write_map(
        &mut self,
        k: &ResolvedElem,
        v: &ResolvedElem,
        entries: &[MapEntry],
        depth: usize,
    ) -> RowResult<()> {
        let base = self.out.len();
        self.out.resize(base + 8, 0);
        self.write_array(k, entries.iter().map(|e| &e.key), entries.len(), depth)
            .map_err(|e| e.at("{keys}"))?;
        let keys_size = (self.out.len() - base - 8) as u64;
        self.put(base, &keys_size.to_le_bytes());
        self.write_array(v, entries.iter().map(|e| &e.value), entries.len(), depth)
            .map_err(|e| e.at("{values}"))
    }

    /// A dense array: count, an all-zero bitmap, the elements at their natural width. `None`
    /// when the value is not that array.
    fn write_dense(&mut self, a: ArrayElem, v: &Value) -> Option<()> {
        macro_rules! dense {
            ($items:expr, $conv:expr) => {{
                let items = $items;
                let width = dense_width(a).ok()?;
                let base = self.out.len();
                let count = items.len();
                let bw = bitmap_width(count);
                self.out.resize(base + 8 + bw, 0);
                self.put(base, &(count as u64).to_le_bytes());
                for x in items.iter() {
                    let bytes = $conv(x);
                    self.out.extend_from_slice(&bytes);
                }
                let end = base + 8 + bw + round8(count * width)?;
                self.out.resize(end, 0);
            }};
        }
        match (a, v) {
            (ArrayElem::Bool, Value::BoolArray(x)) => dense!(x, |b: &bool| [*b as u8]),
            (ArrayElem::Int8, Value::Int8Array(x)) => dense!(x, |b: &i8| b.to_le_bytes()),
            (ArrayElem::Int16, Value::Int16Array(x)) => dense!(x, |b: &i16| b.to_le_bytes()),
            (ArrayElem::Int32, Value::Int32Array(x)) => dense!(x, |b: &i32| b.to_le_bytes()),
            (ArrayElem::Int64, Value::Int64Array(x)) => dense!(x, |b: &i64| b.to_le_bytes()),
            (ArrayElem::Float32, Value::Float32Array(x)) => dense!(x, |b: &f32| b.to_le_bytes()),
            (ArrayElem::Float64, Value::Float64Array(x)) => dense!(x, |b: &f64| b.to_le_bytes()),
            _ => return None,
        }
        Some(())
    }
}
