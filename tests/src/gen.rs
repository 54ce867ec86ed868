//! Seeded value generation by schema, and schema-aware comparison of canonical JSON.
//!
//! [`Generator`] walks a parsed [`SchemaDesc`] (resolving [`FieldType::Named`] by full name in
//! that schema) and produces canonical JSON (`docs/canonical-json.md`) for a message type:
//!
//! * [`Generator::edge`]`(ty, k)` is the `k`-th hand-picked case: every scalar position takes a
//!   value from its type's edge list (integer extremes and varint/tagged boundaries, special and
//!   subnormal floats, Latin-1/BMP/non-BMP/long strings, ...), shifted by `k` and by the position,
//!   so that over `k in 0..`[`Generator::edge_count`] a scalar position sees every edge value of
//!   its type (exactly so when no container comes before it; shifted otherwise);
//!   containers are empty for `k % 4 == 0` and every nullable field is null for `k % 4 == 1`;
//!   the last three cases have top-level containers of 255, 256 and 300 elements;
//! * [`Generator::random`] draws values from an [`StdRng`], mixing edge values and uniform ones.
//!
//! The values stay inside what pyfory 1.7.7 can carry: timestamps are whole or half seconds in
//! years 1900..2200, durations and timestamps have microsecond precision, dates are in years
//! 1..9999, float16/bfloat16 values are exactly representable, map keys are unique, and
//! `array<T>` never holds nulls. `any` positions are always null here (`tests/pyfory_any.rs` covers `any` values).
//!
//! [`Generator::compare`] checks two canonical JSON documents for equality by schema: integers
//! exactly, floats by value at their width (NaN equals NaN, `-0.0` differs from `0.0`), map
//! entries in order.

use foryjit::schema::{
    ArrayElem, ElemType, FieldType, IntEncoding, MessageDesc, SchemaDesc, TypeDesc,
};
use foryjit::{bf16, f16, ForyJit, TypeHandle};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Map, Number, Value as Json};
use std::collections::{HashMap, HashSet};

/// Generates canonical JSON values for the message types of one schema.
pub struct Generator<'a> {
    types: HashMap<&'a str, &'a TypeDesc>,
    order: Vec<&'a str>,
    /// Message nesting depth below which nullable message fields get values (default 4).
    pub max_depth: usize,
    /// Largest random container length (default 6).
    pub max_len: usize,
}

/// The number of edge cases [`Generator::edge`] cycles through (the longest edge list).
const EDGE_COUNT: usize = 52;

impl<'a> Generator<'a> {
    /// A generator for the types of `desc`.
    pub fn new(desc: &'a SchemaDesc) -> Self {
        let types = desc.types.iter().map(|t| (t.full_name(), t)).collect();
        let order = desc.types.iter().map(|t| t.full_name()).collect();
        Generator { types, order, max_depth: 4, max_len: 6 }
    }

    /// Full names of the message types, in schema order.
    pub fn messages(&self) -> Vec<&'a str> {
        self.order
            .iter()
            .copied()
            .filter(|n| matches!(self.types.get(n), Some(TypeDesc::Message(_))))
            .collect()
    }

    /// How many distinct edge cases [`Generator::edge`] has.
    pub fn edge_count(&self) -> usize {
        EDGE_COUNT
    }

    fn message_desc(&self, name: &str) -> Option<&'a MessageDesc> {
        match self.types.get(name) {
            Some(TypeDesc::Message(m)) => Some(m),
            _ => None,
        }
    }

    /// A random value of message `full_name` (`None` if the schema has no such message).
    pub fn random(&self, full_name: &str, rng: &mut StdRng) -> Option<Json> {
        let m = self.message_desc(full_name)?;
        let mut st = State { rng, edge: None, counter: 0, max_len: self.max_len };
        Some(self.message(m, &mut st, 0))
    }

    /// The `k`-th hand-picked edge case of message `full_name`.
    pub fn edge(&self, full_name: &str, k: usize, rng: &mut StdRng) -> Option<Json> {
        let m = self.message_desc(full_name)?;
        let mut st = State { rng, edge: Some(k), counter: 0, max_len: self.max_len };
        Some(self.message(m, &mut st, 0))
    }

    /// A random value of the registered message `ty` of `fory` (found by its full name, which
    /// must be a message of this generator's schema).
    pub fn random_for(&self, fory: &ForyJit, ty: TypeHandle, rng: &mut StdRng) -> Option<Json> {
        self.random(&fory.type_name(ty)?, rng)
    }

    fn message(&self, m: &MessageDesc, st: &mut State<'_>, depth: usize) -> Json {
        let mut obj = Map::new();
        for f in &m.fields {
            let v = if f.nullable && st.null_field(depth, self.max_depth) {
                Json::Null
            } else {
                self.value(&f.ty, st, depth)
            };
            obj.insert(f.name.clone(), v);
        }
        Json::Object(obj)
    }

    fn value(&self, ty: &FieldType, st: &mut State<'_>, depth: usize) -> Json {
        match ty {
            FieldType::Bool => json!(st.pick(&[false, true], |r| r.random())),
            FieldType::Int8 => int_json(st.int(i8::MIN as i128, i8::MAX as i128)),
            FieldType::Int16 => int_json(st.int(i16::MIN as i128, i16::MAX as i128)),
            FieldType::Int32(_) => int_json(st.int(i32::MIN as i128, i32::MAX as i128)),
            FieldType::Int64(_) => int_json(st.int(i64::MIN as i128, i64::MAX as i128)),
            FieldType::UInt8 => int_json(st.int(0, u8::MAX as i128)),
            FieldType::UInt16 => int_json(st.int(0, u16::MAX as i128)),
            FieldType::UInt32(_) => int_json(st.int(0, u32::MAX as i128)),
            FieldType::UInt64(_) => int_json(st.int(0, u64::MAX as i128)),
            FieldType::Float16 => half_json(st.pick(F16_EDGES, |r| r.random::<u16>()), Width::F16),
            FieldType::BFloat16 => {
                half_json(st.pick(BF16_EDGES, |r| r.random::<u16>()), Width::BF16)
            }
            FieldType::Float32 => f32_json(st.f32()),
            FieldType::Float64 => f64_json(st.f64()),
            FieldType::String => Json::String(st.string()),
            FieldType::Binary => Json::String(base64(&st.bytes())),
            FieldType::Date => Json::String(format_date(st.date())),
            FieldType::Timestamp => {
                let (s, n) = st.timestamp();
                Json::String(format_timestamp(s, n))
            }
            FieldType::Duration => {
                let (s, n) = st.duration();
                json!({"seconds": s, "nanos": n})
            }
            FieldType::Decimal => {
                // Small and big unscaled forms, positive and negative scales.
                const EDGES: &[&str] = &[
                    "0",
                    "3.14",
                    "-2.50",
                    "1E+3",
                    "4611686018427387904",
                    "-0.000001",
                    "1234567890123456789012345678901.5",
                ];
                let unscaled = st.int(i64::MIN as i128, i64::MAX as i128);
                let scale = st.int(-5, 12) as i32;
                let random = foryjit::Decimal::from_i128(unscaled, scale).to_string();
                let edge = st.pick(EDGES, |_| "");
                Json::String(if edge.is_empty() { random } else { edge.to_owned() })
            }
            FieldType::Array(e) => {
                let n = st.len(depth, self.max_depth, true);
                Json::Array((0..n).map(|_| self.array_elem(*e, st)).collect())
            }
            FieldType::List(e) | FieldType::Set(e) => {
                let n = st.len(depth, self.max_depth, !self.is_message(&e.ty));
                Json::Array((0..n).map(|_| self.elem(e, st, depth)).collect())
            }
            FieldType::Map(k, v) => self.map(k, v, st, depth),
            FieldType::Named(name) => match self.types.get(name.as_str()) {
                Some(TypeDesc::Message(m)) => self.message(m, st, depth + 1),
                Some(TypeDesc::Enum(e)) => {
                    let names: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).collect();
                    Json::String(
                        st.pick(&names, |r| names[r.random_range(0..names.len())]).to_owned(),
                    )
                }
                Some(TypeDesc::Union(u)) => {
                    let k = st.pick(&[0usize], |r| r.random_range(0..u.cases.len()));
                    let case = &u.cases[k % u.cases.len()];
                    json!({ case.name.clone(): self.value(&case.ty, st, depth + 1) })
                }
                None => panic!("generator: unknown type {name}"),
            },
            FieldType::Any => Json::Null,
        }
    }

    fn elem(&self, e: &ElemType, st: &mut State<'_>, depth: usize) -> Json {
        if e.nullable && st.null_elem() {
            Json::Null
        } else {
            self.value(&e.ty, st, depth)
        }
    }

    fn array_elem(&self, e: ArrayElem, st: &mut State<'_>) -> Json {
        let ty = match e {
            ArrayElem::Bool => FieldType::Bool,
            ArrayElem::Int8 => FieldType::Int8,
            ArrayElem::Int16 => FieldType::Int16,
            ArrayElem::Int32 => FieldType::Int32(IntEncoding::Fixed),
            ArrayElem::Int64 => FieldType::Int64(IntEncoding::Fixed),
            ArrayElem::UInt8 => FieldType::UInt8,
            ArrayElem::UInt16 => FieldType::UInt16,
            ArrayElem::UInt32 => FieldType::UInt32(IntEncoding::Fixed),
            ArrayElem::UInt64 => FieldType::UInt64(IntEncoding::Fixed),
            ArrayElem::Float16 => FieldType::Float16,
            ArrayElem::BFloat16 => FieldType::BFloat16,
            ArrayElem::Float32 => FieldType::Float32,
            ArrayElem::Float64 => FieldType::Float64,
        };
        self.value(&ty, st, 0)
    }

    fn is_message(&self, ty: &FieldType) -> bool {
        matches!(ty, FieldType::Named(n) if matches!(self.types.get(n.as_str()), Some(TypeDesc::Message(_))))
    }

    fn map(&self, k: &ElemType, v: &ElemType, st: &mut State<'_>, depth: usize) -> Json {
        let n = st.len(depth, self.max_depth, !self.is_message(&v.ty));
        let mut seen = HashSet::new();
        let mut keys = Vec::new();
        // Keys must be unique (pyfory builds a dict); a few tries per wanted entry suffice even
        // for small key domains (bool, enums).
        for _ in 0..n * 4 {
            if keys.len() == n {
                break;
            }
            let key = self.value(&k.ty, st, depth);
            if seen.insert(key.to_string()) {
                keys.push(key);
            }
        }
        if k.ty == FieldType::String {
            let mut obj = Map::new();
            for key in keys {
                let val = self.elem(v, st, depth);
                obj.insert(key.as_str().unwrap_or_default().to_owned(), val);
            }
            Json::Object(obj)
        } else {
            Json::Array(
                keys.into_iter()
                    .map(|key| Json::Array(vec![key, self.elem(v, st, depth)]))
                    .collect(),
            )
        }
    }

    /// Compares two canonical JSON values of message `full_name`; the error names the first
    /// differing position.
    pub fn compare(&self, full_name: &str, expected: &Json, actual: &Json) -> Result<(), String> {
        self.cmp(&FieldType::Named(full_name.to_owned()), expected, actual, "")
    }

    fn cmp(&self, ty: &FieldType, e: &Json, a: &Json, path: &str) -> Result<(), String> {
        let here = || if path.is_empty() { "<root>".to_owned() } else { path.to_owned() };
        let diff = || Err(format!("at {}: expected {}, got {}", here(), short(e), short(a)));
        if e.is_null() || a.is_null() {
            return if e.is_null() && a.is_null() { Ok(()) } else { diff() };
        }
        match ty {
            FieldType::Int8
            | FieldType::Int16
            | FieldType::Int32(_)
            | FieldType::Int64(_)
            | FieldType::UInt8
            | FieldType::UInt16
            | FieldType::UInt32(_)
            | FieldType::UInt64(_) => match (int_of(e), int_of(a)) {
                (Some(x), Some(y)) if x == y => Ok(()),
                _ => diff(),
            },
            FieldType::Float16 => same_float(e, a, Width::F16).then_some(()).map_or_else(diff, Ok),
            FieldType::BFloat16 => {
                same_float(e, a, Width::BF16).then_some(()).map_or_else(diff, Ok)
            }
            FieldType::Float32 => same_float(e, a, Width::F32).then_some(()).map_or_else(diff, Ok),
            FieldType::Float64 => same_float(e, a, Width::F64).then_some(()).map_or_else(diff, Ok),
            FieldType::Array(el) => {
                let ety = match el {
                    ArrayElem::Float16 => FieldType::Float16,
                    ArrayElem::BFloat16 => FieldType::BFloat16,
                    ArrayElem::Float32 => FieldType::Float32,
                    ArrayElem::Float64 => FieldType::Float64,
                    ArrayElem::Bool => FieldType::Bool,
                    _ => FieldType::Int64(IntEncoding::Fixed),
                };
                self.cmp_seq(&ety, e, a, path)
            }
            FieldType::List(el) | FieldType::Set(el) => self.cmp_seq(&el.ty, e, a, path),
            FieldType::Map(k, v) => {
                if k.ty == FieldType::String {
                    let (Some(eo), Some(ao)) = (e.as_object(), a.as_object()) else {
                        return diff();
                    };
                    let ek: Vec<&String> = eo.keys().collect();
                    let ak: Vec<&String> = ao.keys().collect();
                    if ek != ak {
                        return Err(format!(
                            "at {}: map keys differ: expected {ek:?}, got {ak:?}",
                            here()
                        ));
                    }
                    for (key, ev) in eo {
                        self.cmp(&v.ty, ev, &ao[key], &format!("{path}[{key:?}]"))?;
                    }
                    Ok(())
                } else {
                    let (Some(ea), Some(aa)) = (e.as_array(), a.as_array()) else { return diff() };
                    if ea.len() != aa.len() {
                        return Err(format!(
                            "at {}: {} entries expected, got {}",
                            here(),
                            ea.len(),
                            aa.len()
                        ));
                    }
                    for (i, (ep, ap)) in ea.iter().zip(aa).enumerate() {
                        let (Some([ek, ev]), Some([ak, av])) =
                            (ep.as_array().map(Vec::as_slice), ap.as_array().map(Vec::as_slice))
                        else {
                            return diff();
                        };
                        self.cmp(&k.ty, ek, ak, &format!("{path}{{key #{i}}}"))?;
                        self.cmp(&v.ty, ev, av, &format!("{path}{{value #{i}}}"))?;
                    }
                    Ok(())
                }
            }
            FieldType::Named(name) => match self.types.get(name.as_str()) {
                Some(TypeDesc::Message(m)) => {
                    let (Some(eo), Some(ao)) = (e.as_object(), a.as_object()) else {
                        return diff();
                    };
                    for key in ao.keys() {
                        if !m.fields.iter().any(|f| &f.name == key) {
                            return Err(format!("at {}: unexpected key {key:?}", here()));
                        }
                    }
                    for f in &m.fields {
                        let p = if path.is_empty() {
                            f.name.clone()
                        } else {
                            format!("{path}.{}", f.name)
                        };
                        let ev = eo.get(&f.name).unwrap_or(&Json::Null);
                        let av = ao.get(&f.name).unwrap_or(&Json::Null);
                        self.cmp(&f.ty, ev, av, &p)?;
                    }
                    Ok(())
                }
                _ => {
                    if e == a {
                        Ok(())
                    } else {
                        diff()
                    }
                }
            },
            _ => {
                if e == a {
                    Ok(())
                } else {
                    diff()
                }
            }
        }
    }

    fn cmp_seq(&self, ety: &FieldType, e: &Json, a: &Json, path: &str) -> Result<(), String> {
        let (Some(ea), Some(aa)) = (e.as_array(), a.as_array()) else {
            return Err(format!("at {path}: expected {}, got {}", short(e), short(a)));
        };
        if ea.len() != aa.len() {
            return Err(format!(
                "at {path}: {} elements expected, got {}: {}",
                ea.len(),
                aa.len(),
                short(a)
            ));
        }
        for (i, (x, y)) in ea.iter().zip(aa).enumerate() {
            self.cmp(ety, x, y, &format!("{path}[{i}]"))?;
        }
        Ok(())
    }
}

fn short(j: &Json) -> String {
    let s = j.to_string();
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        format!("{cut}…")
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing values

struct State<'r> {
    rng: &'r mut StdRng,
    /// `Some(k)`: the k-th edge case; `None`: random.
    edge: Option<usize>,
    /// Positions drawn so far (shifts the edge index from one position to the next).
    counter: usize,
    max_len: usize,
}

impl State<'_> {
    fn pick<T: Copy>(&mut self, edges: &[T], random: impl FnOnce(&mut StdRng) -> T) -> T {
        self.counter += 1;
        match self.edge {
            Some(k) => edges[(k + self.counter) % edges.len()],
            None if self.rng.random_bool(0.4) => edges[self.rng.random_range(0..edges.len())],
            None => random(self.rng),
        }
    }

    fn null_field(&mut self, depth: usize, max_depth: usize) -> bool {
        if depth >= max_depth {
            return true;
        }
        match self.edge {
            Some(k) => k % 4 == 1,
            None => self.rng.random_bool(0.2 + 0.15 * depth as f64),
        }
    }

    fn null_elem(&mut self) -> bool {
        self.counter += 1;
        match self.edge {
            Some(k) => (k + self.counter).is_multiple_of(3),
            None => self.rng.random_bool(0.25),
        }
    }

    /// A container length; `big_ok` allows the long containers (elements that are not messages,
    /// which would make values slow to convert on the Python side).
    fn len(&mut self, depth: usize, max_depth: usize, big_ok: bool) -> usize {
        if depth >= max_depth {
            return 0;
        }
        let n = match self.edge {
            // the last edge cases hold long containers at the top level: 255 and 256 entries
            // (a map chunk holds at most 255) and 300
            Some(k) if big_ok && depth == 0 && k + 3 >= EDGE_COUNT => {
                [255, 256, 300][k + 3 - EDGE_COUNT]
            }
            Some(k) => k % 4,
            None if big_ok && depth == 0 && self.rng.random_bool(0.02) => {
                self.rng.random_range(128..=400)
            }
            None => {
                if self.rng.random_bool(0.2) {
                    0
                } else {
                    self.rng.random_range(1..=self.max_len)
                }
            }
        };
        // Deep inside recursive types keep containers short, so values stay small.
        if depth >= 2 {
            n.min(2)
        } else {
            n
        }
    }

    /// An integer in `lo..=hi`: an edge value that fits, or a random value of random bit length.
    fn int(&mut self, lo: i128, hi: i128) -> i128 {
        let edges = int_edges(lo, hi);
        self.pick(&edges, |r| {
            let bits = if lo < 0 { (hi + 1).ilog2() + 1 } else { (hi + 1).ilog2() };
            let width = r.random_range(1..=bits);
            let mag = (r.random::<u128>() & ((1u128 << width) - 1)) as i128;
            let v = if lo < 0 && r.random_bool(0.5) { -mag - 1 } else { mag };
            v.clamp(lo, hi)
        })
    }

    fn f64(&mut self) -> f64 {
        self.pick(F64_EDGES, |r| {
            if r.random_bool(0.5) {
                f64::from_bits(r.random())
            } else {
                // "ordinary" numbers with few digits
                (r.random_range(-1_000_000i64..1_000_000) as f64) / 1000.0
            }
        })
    }

    fn f32(&mut self) -> f32 {
        self.pick(F32_EDGES, |r| {
            if r.random_bool(0.5) {
                f32::from_bits(r.random())
            } else {
                (r.random_range(-100_000i32..100_000) as f32) / 100.0
            }
        })
    }

    fn string(&mut self) -> String {
        let edges = string_edges();
        let mut s = None;
        let picked = self.pick(&(0..edges.len()).collect::<Vec<_>>(), |r| {
            s = Some(random_string(r));
            0
        });
        s.unwrap_or_else(|| edges[picked].clone())
    }

    fn bytes(&mut self) -> Vec<u8> {
        let which = self.pick(&[0usize, 1, 2, 3, 4], |_| 5);
        match which {
            0 => vec![],
            1 => vec![0],
            2 => vec![0xff, 0x00, 0x80],
            3 => (0..=255u8).collect(),
            4 => b"hello, bytes".to_vec(),
            _ => {
                let n = if self.rng.random_bool(0.2) {
                    self.rng.random_range(100..300)
                } else {
                    self.rng.random_range(0..20)
                };
                (0..n).map(|_| self.rng.random()).collect()
            }
        }
    }

    /// Days since 1970-01-01, years 1..9999.
    fn date(&mut self) -> i64 {
        // 0001-01-01 .. 9999-12-31
        const MIN: i64 = -719_162;
        const MAX: i64 = 2_932_896;
        self.pick(&[0, -1, 1, 19_724, 19_782, MIN, MAX, 10_957, -25_508, 11_016], |r| {
            r.random_range(MIN..=MAX)
        })
    }

    /// Whole or half seconds in years 1900..2200 (what pyfory writes exactly).
    fn timestamp(&mut self) -> (i64, u32) {
        const MIN: i64 = -2_208_988_800; // 1900-01-01
        const MAX: i64 = 7_258_118_399; // 2199-12-31T23:59:59
        let edges = [
            (0, 0),
            (-1, 500_000_000),
            (-1, 0),
            (0, 500_000_000),
            (1_704_164_645, 0),
            (2_147_483_647, 0),
            (2_147_483_648, 500_000_000),
            (-2_147_483_648, 0),
            (MIN, 0),
            (MAX, 500_000_000),
            (951_782_400, 0), // 2000-02-29
        ];
        self.pick(&edges, |r| {
            (r.random_range(MIN..=MAX), if r.random_bool(0.5) { 0 } else { 500_000_000 })
        })
    }

    /// Seconds and nanos (whole microseconds); |seconds| < 9.2e12 so that pyfory's microsecond
    /// count fits in 64 bits.
    fn duration(&mut self) -> (i64, i32) {
        let edges = [
            (0, 0),
            (-1, 500_000_000),
            (1, 0),
            (-1, 0),
            (0, 1_000),
            (0, 999_999_000),
            (86_399, 999_999_000),
            (-86_400 * 365, 0),
            (63, 0),
            (64, 0),
            (-65, 123_000),
            (10_000_000_000, 123_456_000),
            // pyfory 1.7.7 computes the total microseconds in a C long long
            (-9_000_000_000_000, 0),
            (9_000_000_000_000, 999_999_000),
        ];
        self.pick(&edges, |r| {
            let s = match r.random_range(0..3) {
                0 => r.random_range(-100i64..100),
                1 => r.random_range(-10_000_000i64..10_000_000),
                _ => r.random_range(-1_000_000_000_000i64..1_000_000_000_000),
            };
            (s, r.random_range(0..1_000_000) * 1000)
        })
    }
}

/// Edge values of an integer type `lo..=hi`: extremes, 0/±1, the byte-length boundaries of its
/// varint (zigzag for signed types), and the tagged-encoding thresholds (±2^30 signed, 2^31
/// unsigned). At most [`EDGE_COUNT`] values, so that every edge case sweep covers all of them.
fn int_edges(lo: i128, hi: i128) -> Vec<i128> {
    let mut v: Vec<i128> = vec![0, 1, hi, lo];
    if lo < 0 {
        v.push(-1);
        for b in [6u32, 13, 20, 27, 34, 41, 48, 55] {
            let p = 1i128 << b;
            v.extend([p - 1, p, -p, -p - 1]);
        }
        v.extend([(1 << 30) - 1, 1 << 30, -(1 << 30), -(1 << 30) - 1, (1 << 31) - 1, 1 << 31]);
        v.extend([127, 128, -128, -129, 255, 256]);
    } else {
        for b in [7u32, 8, 14, 16, 21, 28, 35, 42, 49, 56, 63] {
            let p = 1i128 << b;
            v.extend([p - 1, p]);
        }
        v.extend([(1 << 31) - 1, 1 << 31, (1 << 30) - 1, 1 << 30]);
    }
    let mut out = Vec::new();
    for x in v {
        if (lo..=hi).contains(&x) && !out.contains(&x) {
            out.push(x);
        }
    }
    assert!(out.len() <= EDGE_COUNT, "{} integer edges for {lo}..={hi}", out.len());
    out
}

fn int_json(x: i128) -> Json {
    if let Ok(v) = i64::try_from(x) {
        json!(v)
    } else {
        json!(u64::try_from(x).unwrap_or(u64::MAX))
    }
}

fn int_of(j: &Json) -> Option<i128> {
    j.as_i64().map(i128::from).or_else(|| j.as_u64().map(i128::from))
}

const F64_EDGES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    -2.5,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -2.5e-310,
    f64::EPSILON,
    1e300,
    123_456.789,
    9_007_199_254_740_993.0,
];

const F32_EDGES: &[f32] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    12.345,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    1e-45,
    -3e-40,
    f32::EPSILON,
    16_777_217.0,
];

const F16_EDGES: &[u16] = &[
    0x0000, 0x8000, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7c00, 0xfc00,
    0x7e00, 0x2e66, 0x3555,
];

const BF16_EDGES: &[u16] = &[
    0x0000, 0x8000, 0x3f80, 0xbf80, 0x7f7f, 0xff7f, 0x0001, 0x8001, 0x007f, 0x0080, 0x7f80, 0xff80,
    0x7fc0, 0x3dcd, 0x3fc0,
];

#[derive(Clone, Copy)]
enum Width {
    F16,
    BF16,
    F32,
    F64,
}

fn float_text_json(x: f64, text: String) -> Json {
    if x.is_nan() {
        json!("NaN")
    } else if x.is_infinite() {
        json!(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        let f: f64 = text.parse().unwrap_or(x);
        Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null)
    }
}

fn f64_json(x: f64) -> Json {
    float_text_json(x, format!("{x:?}"))
}

fn f32_json(x: f32) -> Json {
    float_text_json(x as f64, format!("{x:?}"))
}

/// A float16/bfloat16 value from its bits, as the exact value's shortest f32 text.
fn half_json(bits: u16, w: Width) -> Json {
    let x = match w {
        Width::F16 => f16::from_bits(bits).to_f32(),
        _ => bf16::from_bits(bits).to_f32(),
    };
    f32_json(x)
}

fn float_of(j: &Json) -> Option<f64> {
    match j {
        Json::Number(n) => n.as_f64(),
        Json::String(s) if s == "NaN" => Some(f64::NAN),
        Json::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Json::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn same_float(e: &Json, a: &Json, w: Width) -> bool {
    let (Some(x), Some(y)) = (float_of(e), float_of(a)) else { return false };
    if x.is_nan() || y.is_nan() {
        return x.is_nan() && y.is_nan();
    }
    // Half widths compare the way the product converts JSON numbers (`runtime::json`): f64 to
    // f32, then f32 to the half width. Rounding f64 straight to half can differ by one ulp where
    // the f64 sits within an f32 ulp of a half-way point (e.g. -1.39e-13 -> bf16 0xaa1c, while
    // the product and the peers give 0xaa1d).
    match w {
        Width::F16 => f16::from_f32(x as f32).to_bits() == f16::from_f32(y as f32).to_bits(),
        Width::BF16 => bf16::from_f32(x as f32).to_bits() == bf16::from_f32(y as f32).to_bits(),
        Width::F32 => (x as f32).to_bits() == (y as f32).to_bits(),
        Width::F64 => x.to_bits() == y.to_bits(),
    }
}

fn string_edges() -> Vec<String> {
    vec![
        String::new(),
        "a".into(),
        "hello".into(),
        "café".into(),
        "ÿ\u{0}\u{7f}\u{80}".into(),
        "中文".into(),
        "a😀".into(),
        "😀".into(),
        "\u{100}".into(),
        "\u{ffff}".into(),
        "naïve 中 😀 mix".into(),
        "x".repeat(31),
        "y".repeat(32),
        "z".repeat(100),
        "é".repeat(70),
        "中".repeat(40),
        "😀".repeat(20),
        "line\nbreak\t\"quoted\"\\".into(),
    ]
}

fn random_string(r: &mut StdRng) -> String {
    let n = if r.random_bool(0.15) { r.random_range(33..120) } else { r.random_range(0..16) };
    let class = r.random_range(0..4);
    (0..n)
        .map(|_| {
            let c = match class {
                0 => r.random_range(0x20u32..0x7f),
                1 => r.random_range(0x00u32..0x100),
                2 => r.random_range(0x20u32..0xd800),
                _ => match r.random_range(0..3) {
                    0 => r.random_range(0x20u32..0x7f),
                    1 => r.random_range(0xe000u32..0x10000),
                    _ => r.random_range(0x10000u32..0x110000),
                },
            };
            char::from_u32(c).unwrap_or('?')
        })
        .collect()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `YYYY-MM-DD` of days since 1970-01-01 (proleptic Gregorian).
pub fn format_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Canonical RFC 3339 UTC text of a timestamp.
pub fn format_timestamp(seconds: i64, nanos: u32) -> String {
    let days = seconds.div_euclid(86_400);
    let s = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:09}Z",
        format_date(days),
        s / 3600,
        (s / 60) % 60,
        s % 60,
        nanos
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn base64_and_dates() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(format_date(19_724), "2024-01-02");
        assert_eq!(format_date(-719_162), "0001-01-01");
        assert_eq!(format_timestamp(-1, 500_000_000), "1969-12-31T23:59:59.500000000Z");
    }

    #[test]
    fn generates_and_compares() {
        let desc = SchemaDesc::from_idl(
            "package t; enum E [id=2] { A = 0; B = 5; } \
             message M [id=1] { float32 f = 1; optional E e = 2; map<int32, string> m = 3; list<optional M> ms = 4; }",
        )
        .unwrap();
        let g = Generator::new(&desc);
        let mut rng = StdRng::seed_from_u64(1);
        for k in 0..g.edge_count() {
            let v = g.edge("t.M", k, &mut rng).unwrap();
            g.compare("t.M", &v, &v).unwrap();
        }
        for _ in 0..50 {
            let v = g.random("t.M", &mut rng).unwrap();
            g.compare("t.M", &v, &v).unwrap();
        }
        let a = json!({"f": 0.0, "e": null, "m": [], "ms": []});
        let b = json!({"f": -0.0, "e": null, "m": [], "ms": []});
        assert!(g.compare("t.M", &a, &b).is_err());
        let n = json!({"f": "NaN", "e": "B", "m": [[1, "x"]], "ms": [null]});
        g.compare("t.M", &n, &n.clone()).unwrap();
    }
}
