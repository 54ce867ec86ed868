//! Random values of any row-format schema (the row peer and bad-input tests).

use foryjit_schema::{ArrayElem, Registry, ResolvedElem, ResolvedType};
use foryjit_wire::{Duration, MapEntry, StructValue, Timestamp, TypeIdx, Value};
use rand::rngs::StdRng;
use rand::Rng;

/// What the generated values may hold.
#[derive(Debug, Clone, Copy)]
pub struct RowGen {
    /// Timestamps on whole seconds only (pyfory's row writer is exact for those, see
    /// `docs/row-format.md`).
    pub whole_second_timestamps: bool,
    /// No empty `bytes` values (pyfory's row writer cannot write `b""`, see
    /// `docs/row-format.md`).
    pub nonempty_bytes: bool,
    /// Deepest nesting of containers and messages.
    pub max_depth: usize,
}

impl Default for RowGen {
    fn default() -> Self {
        RowGen { whole_second_timestamps: false, nonempty_bytes: false, max_depth: 4 }
    }
}

fn f32_bits(rng: &mut StdRng) -> f32 {
    let x = f32::from_bits(rng.random());
    // Signalling NaNs turn quiet on the way through a Python float; keep the canonical one.
    if x.is_nan() {
        f32::NAN
    } else {
        x
    }
}

fn f64_bits(rng: &mut StdRng) -> f64 {
    let x = f64::from_bits(rng.random());
    if x.is_nan() {
        f64::NAN
    } else {
        x
    }
}

fn string(rng: &mut StdRng) -> String {
    let n = rng.random_range(0..24);
    (0..n)
        .map(|_| match rng.random_range(0..10) {
            0 => char::from_u32(rng.random_range(0x80..0xd000)).unwrap_or('é'),
            1 => '😀',
            _ => rng.random_range(b' '..=b'~') as char,
        })
        .collect()
}

impl RowGen {
    /// A random struct of message `ty`.
    pub fn message(&self, reg: &Registry, ty: TypeIdx, rng: &mut StdRng, depth: usize) -> Value {
        let msg = reg.message(ty).expect("a message type");
        let fields = msg
            .fields
            .iter()
            .map(|f| {
                if f.nullable && (depth >= self.max_depth || rng.random_bool(0.25)) {
                    Value::Null
                } else {
                    self.value(reg, &f.ty, rng, depth + 1)
                }
            })
            .collect();
        Value::Struct(StructValue::new(ty, fields))
    }

    fn elems(
        &self,
        reg: &Registry,
        e: &ResolvedElem,
        rng: &mut StdRng,
        depth: usize,
    ) -> Vec<Value> {
        let n = if depth >= self.max_depth { 0 } else { rng.random_range(0..5) };
        (0..n)
            .map(|_| {
                if e.nullable && rng.random_bool(0.25) {
                    Value::Null
                } else {
                    self.value(reg, &e.ty, rng, depth + 1)
                }
            })
            .collect()
    }

    /// A random non-null value of `ty`.
    pub fn value(
        &self,
        reg: &Registry,
        ty: &ResolvedType,
        rng: &mut StdRng,
        depth: usize,
    ) -> Value {
        use ResolvedType as T;
        match ty {
            T::Bool => Value::Bool(rng.random()),
            T::Int8 => Value::Int8(rng.random()),
            T::Int16 => Value::Int16(rng.random()),
            T::Int32(_) => Value::Int32(rng.random()),
            T::Int64(_) => Value::Int64(rng.random()),
            T::Float32 => Value::Float32(f32_bits(rng)),
            T::Float64 => Value::Float64(f64_bits(rng)),
            T::String => Value::string(string(rng)),
            T::Binary => {
                let n = rng.random_range(self.nonempty_bytes as usize..30);
                Value::Binary((0..n).map(|_| rng.random()).collect())
            }
            // Python's dates: years 1 to 9999.
            T::Date => Value::Date(rng.random_range(-719_162..2_932_896)),
            T::Timestamp => {
                let seconds = rng.random_range(-10_000_000_000i64..10_000_000_000);
                let nanos = if self.whole_second_timestamps {
                    0
                } else {
                    rng.random_range(0..1_000_000) * 1000
                };
                Value::Timestamp(Timestamp { seconds, nanos })
            }
            T::Duration => Value::Duration(Duration {
                seconds: rng.random_range(-10_000_000_000i64..10_000_000_000),
                nanos: rng.random_range(0..1_000_000) * 1000,
            }),
            T::List(e) => Value::list(self.elems(reg, e, rng, depth)),
            T::Set(e) => Value::set(self.elems(reg, e, rng, depth)),
            T::Map(k, v) => {
                // Unique keys: the peers' maps (a Python dict, a BTreeMap) would merge the others.
                let mut keys = self.elems(reg, k, rng, depth);
                let mut seen: Vec<Value> = Vec::new();
                keys.retain(|key| {
                    let new = !seen.iter().any(|s| s.bit_eq(key));
                    seen.push(key.clone());
                    new
                });
                Value::Map(
                    keys.into_iter()
                        .map(|key| MapEntry {
                            key,
                            value: if v.nullable && rng.random_bool(0.25) {
                                Value::Null
                            } else {
                                self.value(reg, &v.ty, rng, depth + 1)
                            },
                        })
                        .collect(),
                )
            }
            T::Message(idx) => self.message(reg, *idx, rng, depth),
            T::Array(a) => {
                let n = rng.random_range(0..6);
                match a {
                    ArrayElem::Bool => Value::BoolArray((0..n).map(|_| rng.random()).collect()),
                    ArrayElem::Int8 => Value::Int8Array((0..n).map(|_| rng.random()).collect()),
                    ArrayElem::Int16 => Value::Int16Array((0..n).map(|_| rng.random()).collect()),
                    ArrayElem::Int32 => Value::Int32Array((0..n).map(|_| rng.random()).collect()),
                    ArrayElem::Int64 => Value::Int64Array((0..n).map(|_| rng.random()).collect()),
                    ArrayElem::Float32 => {
                        Value::Float32Array((0..n).map(|_| f32_bits(rng)).collect())
                    }
                    _ => Value::Float64Array((0..n).map(|_| f64_bits(rng)).collect()),
                }
            }
            other => panic!("no row-format values for {other:?}"),
        }
    }
}
