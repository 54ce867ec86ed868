//! Values that know their schema: [`ValueView`] reads a [`Value`] by field name with the engine's
//! type information, prints field and enum member names, and serializes with serde (see
//! [`crate::serde_value`]); the checks behind [`ForyJit::set`](crate::ForyJit::set),
//! [`ForyJit::new_struct`](crate::ForyJit::new_struct) and
//! [`ForyJit::deserialize_as`](crate::ForyJit::deserialize_as) live here too.
//!
//! ```
//! use foryjit::{ForyJit, Value};
//! let fory = ForyJit::default();
//! let schema = fory.load_idl(
//!     "package demo;
//!      enum Kind [id=1] { SMALL = 0; LARGE = 1; }
//!      message Item [id=2] { string name = 1; Kind kind = 2; list<int32> sizes = 3; }",
//! )?;
//! let item = schema.get("demo.Item").unwrap();
//! let mut value = fory.new_struct(item)?; // every field at its schema default
//! fory.set(&mut value, "name", "box")?;
//! fory.set(&mut value, "sizes", Value::list(vec![Value::from(3i32)]))?;
//! assert!(fory.set(&mut value, "name", 7i32).is_err()); // a string field refuses an int
//!
//! let view = fory.view(&value);
//! assert_eq!(view.get("name").unwrap().value().as_str(), Some("box"));
//! assert_eq!(view.get("kind").unwrap().enum_name(), Some("SMALL"));
//! assert_eq!(view.get("sizes").unwrap().index(0).unwrap().value().as_i64(), Some(3));
//! assert_eq!(format!("{view:?}"), r#"demo.Item { name: "box", kind: SMALL, sizes: [3] }"#);
//! assert_eq!(view.to_string(), r#"{"name":"box","kind":"SMALL","sizes":[3]}"#);
//! # Ok::<(), foryjit::Error>(())
//! ```

use crate::introspect::fdl_type_name;
use crate::json::{self, Canon};
use crate::TypeHandle;
use foryjit_interp::Catalog;
use foryjit_schema::typedef::{FieldKey, TypeDef};
use foryjit_schema::{Registry, ResolvedType, TypeInfo};
use foryjit_wire::{
    bf16, f16, Duration, EnumValue, StructValue, Timestamp, TypeIdx, UnionValue, Value,
};
use std::fmt;
use std::sync::Arc;

/// Why a value does not fit its schema: what [`ForyJit::set`](crate::ForyJit::set),
/// [`ForyJit::view_as`](crate::ForyJit::view_as) and
/// [`ForyJit::deserialize_as`](crate::ForyJit::deserialize_as) report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A field was set on a value that is not a struct of a registered message.
    #[error("{found} is not a struct of a registered message")]
    NotAStruct {
        /// What the value is.
        found: String,
    },
    /// The message has no field of that name.
    #[error("{type_name} has no field {field:?}")]
    NoSuchField {
        /// The message.
        type_name: String,
        /// The name asked for.
        field: String,
    },
    /// A value does not fit the type declared where it goes.
    #[error("at {path}: expected {expected}, found {found}")]
    WrongType {
        /// Where, as `field.sub[3]`.
        path: String,
        /// The declared type, in FDL syntax (`int32`, `list<string>`, `demo.Point`).
        expected: String,
        /// What was given (`string`, `null`, `struct demo.Other`).
        found: String,
    },
    /// The root value is not of the type asked for.
    #[error("expected {expected}, found {found}")]
    WrongRootType {
        /// The type asked for.
        expected: String,
        /// What the value is.
        found: String,
    },
}

/// The type of a position that holds any value.
static ANY: ResolvedType = ResolvedType::Any;

/// A borrowed [`Value`] together with its engine's schema: fields read by name, enums show
/// their member names, `Debug` shows field names, `Display` writes canonical JSON, and
/// [`serde::Serialize`] produces the canonical JSON shape in any serde format.
///
/// Get one from [`ForyJit::view`](crate::ForyJit::view) (the type comes from the value) or
/// [`ForyJit::view_as`](crate::ForyJit::view_as) (the type is checked). A view holds a snapshot
/// of the engine's types (a reference count, no lock), so it reads without going through the
/// engine and stays valid while types are registered.
#[derive(Clone)]
pub struct ValueView<'a> {
    pub(crate) cat: Arc<Catalog>,
    pub(crate) ty: ResolvedType,
    pub(crate) value: &'a Value,
}

impl<'a> ValueView<'a> {
    pub(crate) fn new(cat: Arc<Catalog>, ty: ResolvedType, value: &'a Value) -> Self {
        ValueView { cat, ty, value }
    }

    fn child(&self, ty: &ResolvedType, value: &'a Value) -> ValueView<'a> {
        ValueView { cat: self.cat.clone(), ty: ty.clone(), value }
    }

    pub(crate) fn registry(&self) -> &Registry {
        self.cat.registry()
    }

    /// The value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// True when the value is null.
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// The declared type of this position in FDL syntax: `int32`, `list<optional string>`,
    /// `map<string, demo.Point>`, `demo.Point`.
    ///
    /// ```
    /// # let fory = foryjit::ForyJit::default();
    /// # let p = fory.load_idl("package d; message P [id=1] { list<int64> xs = 1; }")?.get("P").unwrap();
    /// let value = fory.new_struct(p)?;
    /// let view = fory.view(&value);
    /// assert_eq!(view.type_name(), "d.P");
    /// assert_eq!(view.get("xs").unwrap().type_name(), "list<int64>");
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn type_name(&self) -> String {
        fdl_type_name(&crate::introspect::field_type(self.registry(), &self.ty))
    }

    /// The registered type of this position (a message, enum or union), if it is one.
    pub fn type_handle(&self) -> Option<TypeHandle> {
        match self.ty {
            ResolvedType::Message(t) | ResolvedType::Enum(t) | ResolvedType::Union(t) => {
                Some(TypeHandle::new(t))
            }
            _ => None,
        }
    }

    /// Field `name` of a struct (`None`: not a struct of a registered message, or no such
    /// field). For a union, the value of case `name` when that case is the one set.
    pub fn get(&self, name: &str) -> Option<ValueView<'a>> {
        match self.value {
            Value::Struct(s) => {
                let m = self.registry().message(s.ty)?;
                let ord = m.field_ordinal(name)?;
                let ty = &m.fields[ord].ty;
                Some(self.child(ty, s.fields.get(ord)?))
            }
            Value::Union(u) => {
                let case = self.registry().union(u.ty)?.case_by_id(u.case)?;
                (case.name == name).then(|| self.child(&case.ty, &u.value))
            }
            _ => None,
        }
    }

    /// The fields of a struct with their names, in declaration order (empty for anything
    /// else).
    ///
    /// ```
    /// # let fory = foryjit::ForyJit::default();
    /// # let p = fory.load_idl("package d; message P [id=1] { int32 x = 1; string s = 2; }")?.get("P").unwrap();
    /// let value = fory.new_struct(p)?;
    /// let names: Vec<String> = fory.view(&value).fields().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["x", "s"]);
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn fields(&self) -> Vec<(String, ValueView<'a>)> {
        let Value::Struct(s) = self.value else { return Vec::new() };
        let Some(m) = self.registry().message(s.ty) else { return Vec::new() };
        m.fields
            .iter()
            .zip(s.fields.iter())
            .map(|(f, v)| (f.name.clone(), self.child(&f.ty, v)))
            .collect()
    }

    /// Item `i` of a list or set.
    pub fn index(&self, i: usize) -> Option<ValueView<'a>> {
        let (elem, items) = match (&self.ty, self.value) {
            (ResolvedType::List(e), Value::List(items))
            | (ResolvedType::Set(e), Value::Set(items)) => (&e.ty, items),
            (ResolvedType::Any, Value::List(items) | Value::Set(items)) => (&ANY, items),
            _ => return None,
        };
        Some(self.child(elem, items.get(i)?))
    }

    /// The items of a list or set (empty for anything else).
    ///
    /// ```
    /// # let fory = foryjit::ForyJit::default();
    /// let ty = fory.load_idl("package d; message M [id=1] { list<optional string> l = 1; }")?.get("d.M").unwrap();
    /// let v = fory.from_json(ty, &serde_json::json!({"l": ["a", null]}))?;
    /// let items = fory.view(&v).get("l").unwrap().items();
    /// assert_eq!((items[0].value().as_str(), items[1].is_null()), (Some("a"), true));
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn items(&self) -> Vec<ValueView<'a>> {
        match (&self.ty, self.value) {
            (ResolvedType::List(e), Value::List(items))
            | (ResolvedType::Set(e), Value::Set(items)) => {
                items.iter().map(|v| self.child(&e.ty, v)).collect()
            }
            (ResolvedType::Any, Value::List(items) | Value::Set(items)) => {
                items.iter().map(|v| self.child(&ResolvedType::Any, v)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The entries of a map, in order (empty for anything else).
    ///
    /// ```
    /// # let fory = foryjit::ForyJit::default();
    /// let ty = fory.load_idl("package d; message M [id=1] { map<int32, string> m = 1; map<string, int64> n = 2; }")?
    ///     .get("d.M").unwrap();
    /// let v = fory.from_json(ty, &serde_json::json!({"m": [[1, "one"]], "n": {"k": 7}}))?;
    /// let view = fory.view(&v);
    /// let m = view.get("m").unwrap().entries();
    /// assert_eq!((m[0].0.value().as_i64(), m[0].1.value().as_str()), (Some(1), Some("one")));
    /// assert_eq!(view.get("n").unwrap().get_key("k").unwrap().value().as_i64(), Some(7));
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn entries(&self) -> Vec<(ValueView<'a>, ValueView<'a>)> {
        let Value::Map(entries) = self.value else { return Vec::new() };
        let (k, v) = match &self.ty {
            ResolvedType::Map(k, v) => (k.ty.clone(), v.ty.clone()),
            _ => (ResolvedType::Any, ResolvedType::Any),
        };
        entries.iter().map(|e| (self.child(&k, &e.key), self.child(&v, &e.value))).collect()
    }

    /// The value of a map with string keys at key `key`.
    pub fn get_key(&self, key: &str) -> Option<ValueView<'a>> {
        let Value::Map(entries) = self.value else { return None };
        let e = entries.iter().find(|e| e.key.as_str() == Some(key))?;
        let ty = match &self.ty {
            ResolvedType::Map(_, v) => &v.ty,
            _ => &ANY,
        };
        Some(self.child(ty, &e.value))
    }

    /// The member name of an enum value (`None`: not an enum, or a value the enum does not
    /// declare).
    pub fn enum_name(&self) -> Option<&str> {
        let Value::Enum(e) = self.value else { return None };
        Some(self.registry().enumeration(e.ty)?.member_by_value(e.value)?.name.as_str())
    }

    /// The case name and value of a union value.
    ///
    /// ```
    /// # let fory = foryjit::ForyJit::default();
    /// let s = fory.load_idl("package d; union U [id=1] { string text = 1; int64 n = 2; }
    ///                        message M [id=2] { U u = 1; }")?;
    /// let v = fory.from_json(s.get("d.M").unwrap(), &serde_json::json!({"u": {"n": 5}}))?;
    /// let u = fory.view(&v).get("u").unwrap();
    /// let (case, value) = u.union_case().unwrap();
    /// assert_eq!((case, value.value().as_i64()), ("n", Some(5)));
    /// assert_eq!(format!("{u:?}"), "n(5)");
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn union_case(&self) -> Option<(&str, ValueView<'a>)> {
        let Value::Union(u) = self.value else { return None };
        let case = self.registry().union(u.ty)?.case_by_id(u.case)?;
        Some((case.name.as_str(), self.child(&case.ty, &u.value)))
    }

    /// The canonical JSON of the value (as [`ForyJit::to_json`](crate::ForyJit::to_json)).
    pub fn to_json(&self) -> Result<serde_json::Value, crate::Error> {
        Ok(json::value_to_json(self.registry(), &self.ty, self.value, "")?)
    }
}

impl fmt::Debug for ValueView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reg = self.registry();
        let v = self.value;
        if v.is_null() {
            return f.write_str("null");
        }
        match (&self.ty, v) {
            (ResolvedType::Message(_) | ResolvedType::Any, Value::Struct(s)) => {
                match reg.message(s.ty) {
                    Some(m) if m.fields.len() == s.fields.len() => {
                        let mut d = f.debug_struct(&m.full_name);
                        for (name, field) in self.fields() {
                            d.field(&name, &field);
                        }
                        d.finish()
                    }
                    _ => write!(f, "{v:?}"),
                }
            }
            (ResolvedType::Enum(_) | ResolvedType::Any, Value::Enum(e)) => match self.enum_name() {
                Some(name) => f.write_str(name),
                None => write!(f, "{}({})", type_name_of(reg, e.ty), e.value),
            },
            (ResolvedType::Union(_) | ResolvedType::Any, Value::Union(u)) => {
                match self.union_case() {
                    Some((name, inner)) => f.debug_tuple(name).field(&inner).finish(),
                    None => write!(f, "{}::case{}({})", type_name_of(reg, u.ty), u.case, u.value),
                }
            }
            (ResolvedType::List(_) | ResolvedType::Any, Value::List(_)) => {
                f.debug_list().entries(self.items()).finish()
            }
            (ResolvedType::Set(_) | ResolvedType::Any, Value::Set(_)) => {
                f.debug_set().entries(self.items()).finish()
            }
            (ResolvedType::Map(..) | ResolvedType::Any, Value::Map(_)) => {
                f.debug_map().entries(self.entries()).finish()
            }
            (ResolvedType::Array(e), v) => match json::array_canon(*e, v) {
                Some(items) => {
                    let bare = is_float(&json::array_elem_type(*e));
                    f.debug_list().entries(items.iter().map(|c| CanonDebug(c, bare))).finish()
                }
                None => write!(f, "{v:?}"),
            },
            (ResolvedType::Duration, Value::Duration(d)) => {
                write!(f, "{}s+{}ns", d.seconds, d.nanos)
            }
            (_, Value::Unknown(u)) => {
                // A type this engine never registered: the writer's TypeDef names the fields.
                let Ok(def) = TypeDef::parse(&u.typedef, &Default::default()) else {
                    return write!(f, "{v:?}");
                };
                let name = format!("unknown {}", crate::introspect::ident_name(&def.ident));
                let mut d = f.debug_struct(&name);
                for (k, fv) in def.fields.iter().zip(&u.fields) {
                    let key = match &k.key {
                        FieldKey::Tag(t) => t.to_string(),
                        FieldKey::Name(n) => n.clone(),
                    };
                    d.field(&key, &Plain(fv));
                }
                d.finish()
            }
            (ResolvedType::Any, v) => match json::any_type_of(reg, v) {
                Some((_, ty)) => fmt::Debug::fmt(&self.child(&ty, v), f),
                None => write!(f, "{v:?}"),
            },
            (ty, v) => match json::canon_scalar(reg, ty, v) {
                Some(Ok(c)) => CanonDebug(&c, is_float(ty)).fmt(f),
                _ => write!(f, "{v:?}"),
            },
        }
    }
}

fn is_float(ty: &ResolvedType) -> bool {
    matches!(
        ty,
        ResolvedType::Float16
            | ResolvedType::BFloat16
            | ResolvedType::Float32
            | ResolvedType::Float64
    )
}

/// A value without a schema, `Debug` as its `Display` form.
struct Plain<'v>(&'v Value);

impl fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

/// A scalar's canonical form, as `Debug` shows it (strings quoted, numbers plain; with `.1`
/// set the text of NaN and the infinities is bare too).
struct CanonDebug<'c, 'v>(&'c Canon<'v>, bool);

impl fmt::Debug for CanonDebug<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Canon::Bool(b) => write!(f, "{b}"),
            Canon::I64(x) => write!(f, "{x}"),
            Canon::U64(x) => write!(f, "{x}"),
            Canon::F64(x) => write!(f, "{x:?}"),
            Canon::Str(s) if self.1 => f.write_str(s),
            Canon::Str(s) => write!(f, "{:?}", s.as_ref()),
        }
    }
}

/// Canonical JSON, compact; a value that does not fit its schema prints its `Debug` form.
impl fmt::Display for ValueView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => fmt::Debug::fmt(self, f),
        }
    }
}

/// The full name of registered type `t` (or `#t` when it is not registered).
pub(crate) fn type_name_of(reg: &Registry, t: TypeIdx) -> String {
    reg.get(t).map_or_else(|| format!("#{}", t.0), |i| i.full_name().to_owned())
}

/// What a value is, for errors: `struct demo.Point`, `enum demo.Color`, `int32`, `null`.
pub(crate) fn describe_value(reg: &Registry, v: &Value) -> String {
    match v {
        Value::Struct(s) => format!("struct {}", type_name_of(reg, s.ty)),
        Value::Enum(e) => format!("enum {}", type_name_of(reg, e.ty)),
        Value::Union(u) => format!("union {}", type_name_of(reg, u.ty)),
        Value::Unknown(u) => match TypeDef::parse(&u.typedef, &Default::default()) {
            Ok(def) => format!("unknown struct {}", crate::introspect::ident_name(&def.ident)),
            Err(_) => "unknown struct".to_owned(),
        },
        other => other.kind_name().to_owned(),
    }
}

/// The resolved type of a root value: its registered type, or the built-in type an `any`
/// position would give it.
pub(crate) fn type_of_value(reg: &Registry, v: &Value) -> ResolvedType {
    match v {
        Value::Struct(s) => ResolvedType::Message(s.ty),
        Value::Enum(e) => ResolvedType::Enum(e.ty),
        Value::Union(u) => ResolvedType::Union(u.ty),
        other => json::any_type_of(reg, other).map_or(ResolvedType::Any, |(_, t)| t),
    }
}

/// A mismatch found by [`conform`], with its path segments innermost first.
pub(crate) struct Misfit {
    rev_path: Vec<String>,
    expected: String,
    found: String,
}

impl Misfit {
    fn new(reg: &Registry, ty: &ResolvedType, v: &Value) -> Misfit {
        Misfit {
            rev_path: Vec::new(),
            expected: fdl_type_name(&crate::introspect::field_type(reg, ty)),
            found: describe_value(reg, v),
        }
    }

    fn at(mut self, seg: impl FnOnce() -> String) -> Misfit {
        self.rev_path.push(seg());
        self
    }

    /// The error, with the path starting at `root` (a field name, or empty).
    pub(crate) fn into_error(self, root: &str) -> ValueError {
        let mut path = root.to_owned();
        for seg in self.rev_path.into_iter().rev() {
            path.push_str(&seg);
        }
        if root.is_empty() {
            path = path.trim_start_matches('.').to_owned();
        }
        if path.is_empty() {
            path.push_str("<root>");
        }
        ValueError::WrongType { path, expected: self.expected, found: self.found }
    }
}

/// Checks that `v` fits type `ty` all the way down (`null_ok`: this position may be null).
/// References (`Value::Ref`, graph values) and `any` positions take anything.
pub(crate) fn conform(
    reg: &Registry,
    ty: &ResolvedType,
    null_ok: bool,
    v: &Value,
) -> Result<(), Misfit> {
    let bad = || Err(Misfit::new(reg, ty, v));
    match (ty, v) {
        (_, Value::Null) => {
            if null_ok {
                Ok(())
            } else {
                bad()
            }
        }
        (_, Value::Ref(_)) | (ResolvedType::Any, _) => Ok(()),
        (ResolvedType::Duration, Value::Duration(_)) => Ok(()),
        (ResolvedType::Array(e), v) => {
            if json::array_elem_fits(*e, v) {
                Ok(())
            } else {
                bad()
            }
        }
        (ResolvedType::List(e), Value::List(items)) | (ResolvedType::Set(e), Value::Set(items)) => {
            for (i, it) in items.iter().enumerate() {
                conform(reg, &e.ty, e.nullable || e.tracking_ref, it)
                    .map_err(|m| m.at(|| format!("[{i}]")))?;
            }
            Ok(())
        }
        (ResolvedType::Map(k, val), Value::Map(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                conform(reg, &k.ty, k.nullable, &e.key)
                    .map_err(|m| m.at(|| format!("{{key #{i}}}")))?;
                conform(reg, &val.ty, val.nullable || val.tracking_ref, &e.value)
                    .map_err(|m| m.at(|| format!("{{#{i}}}")))?;
            }
            Ok(())
        }
        (ResolvedType::Message(t), Value::Struct(s)) => {
            let Some(m) = reg.message(*t) else { return bad() };
            if s.ty != *t || s.fields.len() != m.fields.len() {
                return bad();
            }
            for (f, fv) in m.fields.iter().zip(s.fields.iter()) {
                conform(reg, &f.ty, f.nullable || f.tracking_ref, fv)
                    .map_err(|m| m.at(|| format!(".{}", f.name)))?;
            }
            Ok(())
        }
        (ResolvedType::Union(t), Value::Union(u)) if u.ty == *t => {
            let Some(case) = reg.union(*t).and_then(|x| x.case_by_id(u.case)) else {
                return bad();
            };
            conform(reg, &case.ty, true, &u.value).map_err(|m| m.at(|| format!(".{}", case.name)))
        }
        (ResolvedType::Enum(t), Value::Enum(e)) => {
            let known = reg.enumeration(*t).and_then(|x| x.member_by_value(e.value)).is_some();
            if e.ty == *t && known {
                Ok(())
            } else {
                bad()
            }
        }
        (ty, v) if !json::is_composite(ty) => match json::canon_scalar(reg, ty, v) {
            Some(Ok(_)) => Ok(()),
            _ => bad(),
        },
        _ => bad(),
    }
}

/// `v` converted to the scalar type `ty` when that loses nothing (an `Int32` for an `int64`
/// field, a `Float32` for a `float64` one, an `Int64` of 5 for an `int8` one); otherwise `v`.
pub(crate) fn coerce(ty: &ResolvedType, v: Value) -> Value {
    fn int<T: TryFrom<i128>>(v: &Value, f: impl Fn(T) -> Value) -> Option<Value> {
        let x: i128 = match *v {
            Value::UInt64(x) => x.into(),
            _ => v.as_i64()?.into(),
        };
        T::try_from(x).ok().map(f)
    }
    let exact_f64 = |v: &Value| match *v {
        Value::Float16(_) | Value::BFloat16(_) | Value::Float32(_) | Value::Float64(_) => {
            v.as_f64()
        }
        _ => None,
    };
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let same_variant = matches!(
        (ty, &v),
        (ResolvedType::Float16, Value::Float16(_))
            | (ResolvedType::BFloat16, Value::BFloat16(_))
            | (ResolvedType::Float32, Value::Float32(_))
            | (ResolvedType::Float64, Value::Float64(_))
    );
    if same_variant {
        // Kept bit for bit (NaN payloads included).
        return v;
    }
    let converted = match ty {
        ResolvedType::Int8 => int(&v, Value::Int8),
        ResolvedType::Int16 => int(&v, Value::Int16),
        ResolvedType::Int32(_) => int(&v, Value::Int32),
        ResolvedType::Int64(_) => int(&v, Value::Int64),
        ResolvedType::UInt8 => int(&v, Value::UInt8),
        ResolvedType::UInt16 => int(&v, Value::UInt16),
        ResolvedType::UInt32(_) => int(&v, Value::UInt32),
        ResolvedType::UInt64(_) => int(&v, Value::UInt64),
        ResolvedType::Float64 => exact_f64(&v).map(Value::Float64),
        ResolvedType::Float32 => {
            exact_f64(&v).filter(|&x| same(x as f32 as f64, x)).map(|x| Value::Float32(x as f32))
        }
        ResolvedType::Float16 => exact_f64(&v)
            .filter(|&x| same(f16::from_f64(x).to_f64(), x))
            .map(|x| Value::Float16(f16::from_f64(x))),
        ResolvedType::BFloat16 => exact_f64(&v)
            .filter(|&x| same(bf16::from_f64(x).to_f64(), x))
            .map(|x| Value::BFloat16(bf16::from_f64(x))),
        _ => None,
    };
    converted.unwrap_or(v)
}

/// The deepest nesting of messages and unions [`default_value`] fills.
const MAX_DEFAULT_DEPTH: usize = 512;

/// The schema default of a non-null position of type `ty`: zero, empty, the first enum member,
/// the first union case holding its own default, a struct of defaults. `stack` holds the
/// messages being filled, so a type that reaches itself (through a `ref` field or a union)
/// ends in `Null` instead of recursing, and so does a chain of nested messages deeper than
/// [`MAX_DEFAULT_DEPTH`] (no writer accepts a value that deep; this bounds the recursion for
/// any registered schema).
pub(crate) fn default_value(reg: &Registry, ty: &ResolvedType, stack: &mut Vec<TypeIdx>) -> Value {
    fill(reg, ty, stack, &mut true)
}

/// A non-nullable position left null: the default is not complete.
fn forced_null(complete: &mut bool) -> Value {
    *complete = false;
    Value::Null
}

/// [`default_value`]; `complete` is cleared when a non-nullable position had to stay null (a
/// cycle, an enum without members, too deep), so that a union can prefer a case whose default
/// is complete.
fn fill(reg: &Registry, ty: &ResolvedType, stack: &mut Vec<TypeIdx>, complete: &mut bool) -> Value {
    if stack.len() >= MAX_DEFAULT_DEPTH {
        return forced_null(complete);
    }
    match ty {
        ResolvedType::Bool => Value::Bool(false),
        ResolvedType::Int8 => Value::Int8(0),
        ResolvedType::Int16 => Value::Int16(0),
        ResolvedType::Int32(_) => Value::Int32(0),
        ResolvedType::Int64(_) => Value::Int64(0),
        ResolvedType::UInt8 => Value::UInt8(0),
        ResolvedType::UInt16 => Value::UInt16(0),
        ResolvedType::UInt32(_) => Value::UInt32(0),
        ResolvedType::UInt64(_) => Value::UInt64(0),
        ResolvedType::Float16 => Value::Float16(f16::ZERO),
        ResolvedType::BFloat16 => Value::BFloat16(bf16::ZERO),
        ResolvedType::Float32 => Value::Float32(0.0),
        ResolvedType::Float64 => Value::Float64(0.0),
        ResolvedType::String => Value::string(""),
        ResolvedType::Binary => Value::Binary(Vec::new().into()),
        ResolvedType::Date => Value::Date(0),
        ResolvedType::Timestamp => Value::Timestamp(Timestamp { seconds: 0, nanos: 0 }),
        ResolvedType::Duration => Value::Duration(Duration { seconds: 0, nanos: 0 }),
        ResolvedType::Decimal => Value::Decimal(foryjit_wire::Decimal::from_i128(0, 0)),
        ResolvedType::Array(e) => json::dense_array(*e, Vec::new()).unwrap_or(Value::Null),
        ResolvedType::List(_) => Value::list(Vec::new()),
        ResolvedType::Set(_) => Value::set(Vec::new()),
        ResolvedType::Map(..) => Value::map(Vec::new()),
        ResolvedType::Enum(t) => match reg.enumeration(*t).and_then(|e| e.members.first()) {
            Some(m) => Value::Enum(EnumValue { ty: *t, value: m.value }),
            None => forced_null(complete),
        },
        ResolvedType::Union(t) => match reg.union(*t) {
            Some(u) if !u.cases.is_empty() && !stack.contains(t) => {
                // The first case whose own default is complete (else the first case).
                stack.push(*t);
                let mut chosen: Option<(u32, Value)> = None;
                let mut found = false;
                for case in &u.cases {
                    let mut ok = true;
                    let value = fill(reg, &case.ty, stack, &mut ok);
                    if ok {
                        chosen = Some((case.id, value));
                        found = true;
                        break;
                    }
                    chosen.get_or_insert((case.id, value));
                }
                stack.pop();
                if !found {
                    *complete = false;
                }
                match chosen {
                    Some((case, value)) => {
                        Value::Union(Box::new(UnionValue { ty: *t, case, value }))
                    }
                    None => forced_null(complete),
                }
            }
            _ => forced_null(complete),
        },
        ResolvedType::Message(t) => match reg.get(*t).map(|i| &**i) {
            Some(TypeInfo::Message(m)) if !stack.contains(t) => {
                stack.push(*t);
                let mut fields = Vec::with_capacity(m.fields.len());
                for f in &m.fields {
                    // A null is written for a `ref` field as for a nullable one.
                    let own_cycle = matches!(f.ty, ResolvedType::Message(x) if stack.contains(&x));
                    fields.push(if f.nullable || (f.tracking_ref && own_cycle) {
                        Value::Null
                    } else {
                        fill(reg, &f.ty, stack, complete)
                    });
                }
                stack.pop();
                Value::Struct(StructValue::new(*t, fields))
            }
            _ => forced_null(complete),
        },
        ResolvedType::Any => Value::Null,
    }
}
