//! `import "other.fdl";`: loading a file together with the files it imports.
//!
//! An [`IdlLoader`] turns an import path into text: [`FsLoader`] reads files (relative to the
//! importing file, then along a search path), [`MemoryLoader`] serves texts held in memory, and
//! any `Fn(Option<&str>, &str) -> io::Result<Option<IdlSource>>` closure is a loader too.
//!
//! Semantics follow the Fory IDL specification (`docs/compiler/schema-idl.md`, "Import
//! Statement") and fory-compiler:
//!
//! * paths are resolved relative to the importing file's directory first, then along the
//!   loader's search path;
//! * imported types are usable as if defined in the importing file, transitively (when `a`
//!   imports `b` and `b` imports `c`, `a` sees `c`'s types), by their path inside their package
//!   (`Address`, `Outer.Inner`) or package-qualified (`common.Address`); a name of the file
//!   itself wins over imported ones, and a name that matches types of several imported files is
//!   an error ([`IdlErrorKind::AmbiguousType`]);
//! * every file keeps its own `package`, `option enable_auto_type_id` and `option evolving`:
//!   a type's full name and auto type id are the ones its own file gives it, exactly as when
//!   that file is loaded alone;
//! * a file imported along several paths (a diamond) is parsed and registered once; circular
//!   imports are refused ([`SchemaError::ImportCycle`] names the cycle); `import public` and
//!   `import weak` are refused as in fory-compiler.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use super::{error_at, parse_unit, IdlErrorKind, IdlLimits, Pos, Unit};
use crate::registry::{Registry, TypeInfo};
use crate::{Registration, SchemaDesc, SchemaError, TypeDesc};

/// The text of an IDL file and the name that identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlSource {
    /// A stable identity of the file (a canonical path, say): two imports that reach the same
    /// file must give the same name, so that it is loaded once. Errors name files by it, and
    /// the file's own imports are resolved relative to it.
    pub name: String,
    /// The IDL text.
    pub text: String,
}

/// Finds the files that IDL text imports.
///
/// `load(importer, path)` returns the file that `import "path";` in the file named `importer`
/// refers to (`importer` is `None` for the text a load starts from when it has no name), or
/// `Ok(None)` when there is no such file. Errors other than "not found" (permissions, invalid
/// UTF-8, ...) are reported as [`SchemaError::ImportRead`].
///
/// Closures are loaders:
///
/// ```
/// use foryjit_schema::idl::{parse_with, IdlLimits, IdlSource};
/// let loader = |_importer: Option<&str>, path: &str| {
///     Ok((path == "point.fdl").then(|| IdlSource {
///         name: "point.fdl".into(),
///         text: "package geo; message Point [id=1] { int32 x = 1; }".into(),
///     }))
/// };
/// let desc = parse_with(
///     "package app; import \"point.fdl\"; message Shape [id=2] { Point origin = 1; }",
///     &loader,
///     &IdlLimits::default(),
///     None,
/// )?;
/// let names: Vec<&str> = desc.types.iter().map(|t| t.full_name()).collect();
/// assert_eq!(names, ["geo.Point", "app.Shape"]);
/// # Ok::<(), foryjit_schema::SchemaError>(())
/// ```
pub trait IdlLoader {
    /// The file `path` as imported from the file named `importer`.
    fn load(&self, importer: Option<&str>, path: &str) -> io::Result<Option<IdlSource>>;
}

impl<F> IdlLoader for F
where
    F: Fn(Option<&str>, &str) -> io::Result<Option<IdlSource>>,
{
    fn load(&self, importer: Option<&str>, path: &str) -> io::Result<Option<IdlSource>> {
        self(importer, path)
    }
}

/// Reads IDL files from the file system.
///
/// An import is looked up relative to the importing file's directory, then in each directory
/// of the search path in order (fory-compiler's `-I`); a file loaded first, by name, is looked
/// up as given (relative to the working directory) and then along the search path. Files are
/// named by their canonical path, so one file reached along two paths is loaded once.
///
/// ```no_run
/// use foryjit_schema::idl::{load_file, FsLoader, IdlLimits};
/// let loader = FsLoader::new().search_dir("schemas/common");
/// let desc = load_file("schemas/app.fdl", &loader, &IdlLimits::default(), None)?;
/// # Ok::<(), foryjit_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct FsLoader {
    search_path: Vec<PathBuf>,
}

impl FsLoader {
    /// A loader with an empty search path.
    pub fn new() -> Self {
        FsLoader::default()
    }

    /// Appends a directory to the search path.
    pub fn search_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.search_path.push(dir.into());
        self
    }

    /// The search path, in lookup order.
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search_path
    }
}

impl IdlLoader for FsLoader {
    fn load(&self, importer: Option<&str>, path: &str) -> io::Result<Option<IdlSource>> {
        let first = match importer {
            Some(f) => Path::new(f).parent().unwrap_or(Path::new("")).join(path),
            None => PathBuf::from(path),
        };
        let candidates =
            std::iter::once(first).chain(self.search_path.iter().map(|d| d.join(path)));
        for candidate in candidates {
            if !candidate.is_file() {
                continue;
            }
            let canonical = candidate.canonicalize()?;
            let text = std::fs::read_to_string(&canonical)?;
            return Ok(Some(IdlSource { name: canonical.to_string_lossy().into_owned(), text }));
        }
        Ok(None)
    }
}

/// Serves IDL texts held in memory (bundled with `include_str!`, fetched from a schema
/// registry, ...), by `/`-separated path.
///
/// An import is looked up relative to the importing file's directory, then from the root;
/// `.` and `..` segments are resolved, so `import "../common/types.fdl";` in `models/user.fdl`
/// finds `common/types.fdl`.
///
/// ```
/// use foryjit_schema::idl::{load_file, IdlLimits, MemoryLoader};
/// let loader = MemoryLoader::new()
///     .file("common/types.fdl", "package common; enum Status [id=100] { ACTIVE = 0; }")
///     .file(
///         "models/user.fdl",
///         "package models; import \"../common/types.fdl\";
///          message User [id=200] { Status status = 1; }",
///     );
/// let desc = load_file("models/user.fdl", &loader, &IdlLimits::default(), None)?;
/// assert_eq!(desc.types[1].full_name(), "models.User");
/// # Ok::<(), foryjit_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    files: HashMap<String, String>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> Self {
        MemoryLoader::default()
    }

    /// Adds (or replaces) the file at `path`.
    pub fn file(mut self, path: &str, text: impl Into<String>) -> Self {
        self.files.insert(normalize(path), text.into());
        self
    }
}

/// `a/./b/../c` → `a/c`; leading `..` that leave the root are dropped.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

impl IdlLoader for MemoryLoader {
    fn load(&self, importer: Option<&str>, path: &str) -> io::Result<Option<IdlSource>> {
        let relative = importer.map(|f| match f.rfind('/') {
            Some(p) => normalize(&format!("{}/{path}", &f[..p])),
            None => normalize(path),
        });
        let candidates = relative.into_iter().chain(std::iter::once(normalize(path)));
        for name in candidates {
            if let Some(text) = self.files.get(&name) {
                return Ok(Some(IdlSource { name, text: text.clone() }));
            }
        }
        Ok(None)
    }
}

/// Parses IDL `text` and every file it imports (through `loader`; `None` refuses imports) into
/// one schema: the imported files' types first, each file after the files it imports.
///
/// With `registered`, names the files do not define may refer to types registered there:
/// by full name (`pkg.Type`), or relative to the importing file's package (`Type` in a file of
/// package `pkg`). See [`IdlLoader`] for the import rules.
pub fn parse_with(
    text: &str,
    loader: &dyn IdlLoader,
    limits: &IdlLimits,
    registered: Option<&Registry>,
) -> Result<SchemaDesc, SchemaError> {
    let mut graph = Graph::new(Some(loader), limits);
    graph.add(None, text)?;
    graph.finish(registered)
}

/// [`parse_with`] for a file named by `path`, read through `loader` (as `load(None, path)`).
pub fn load_file(
    path: &str,
    loader: &dyn IdlLoader,
    limits: &IdlLimits,
    registered: Option<&Registry>,
) -> Result<SchemaDesc, SchemaError> {
    let source = loader
        .load(None, path)
        .map_err(|e| SchemaError::FileRead { path: path.into(), message: e.to_string() })?
        .ok_or_else(|| SchemaError::FileNotFound(path.into()))?;
    let mut graph = Graph::new(Some(loader), limits);
    graph.add(Some(source.name), &source.text)?;
    graph.finish(registered)
}

/// Parses one text without imports (an `import` is an error), resolving names it does not
/// define against `registered`: by full name (`pkg.Type`), or relative to the text's package.
///
/// ```
/// use foryjit_schema::idl::{parse_resolving, IdlLimits};
/// use foryjit_schema::{Registry, SchemaDesc};
/// let mut reg = Registry::default();
/// reg.register(SchemaDesc::from_idl("package geo; message Point [id=1] { int32 x = 1; }")?)?;
/// let desc = parse_resolving(
///     "package geo; message Line [id=2] { Point a = 1; geo.Point b = 2; }",
///     &IdlLimits::default(),
///     Some(&reg),
/// )?;
/// reg.register(desc)?;
/// # Ok::<(), foryjit_schema::SchemaError>(())
/// ```
pub fn parse_resolving(
    text: &str,
    limits: &IdlLimits,
    registered: Option<&Registry>,
) -> Result<SchemaDesc, SchemaError> {
    let mut graph = Graph::new(None, limits);
    graph.add(None, text)?;
    graph.finish(registered)
}

/// How errors name text given directly, without a file name.
const ROOT: &str = "<text>";

struct File {
    /// The loader's name of the file; `None` for text given directly.
    name: Option<String>,
    unit: Unit,
    /// Files this one imports (indices into `Graph::files`).
    deps: Vec<usize>,
}

impl File {
    fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(ROOT)
    }
}

/// A file being loaded: parsed, its imports loaded up to `next`.
struct Pending {
    name: Option<String>,
    unit: Unit,
    next: usize,
    deps: Vec<usize>,
}

impl Pending {
    fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(ROOT)
    }
}

struct Graph<'l> {
    loader: Option<&'l dyn IdlLoader>,
    limits: &'l IdlLimits,
    /// Files in post-order: every file after the files it imports.
    files: Vec<File>,
    by_name: HashMap<String, usize>,
    /// Files parsed so far (a file reached along several paths counts once).
    reads: usize,
    /// Types declared by the files parsed so far.
    types: usize,
}

fn in_file(name: Option<&str>, error: SchemaError) -> SchemaError {
    match name {
        Some(file) => SchemaError::InFile { file: file.to_owned(), error: Box::new(error) },
        None => error,
    }
}

impl<'l> Graph<'l> {
    fn new(loader: Option<&'l dyn IdlLoader>, limits: &'l IdlLimits) -> Self {
        Graph { loader, limits, files: Vec::new(), by_name: HashMap::new(), reads: 0, types: 0 }
    }

    /// Parses one file of the load; counts it against [`IdlLimits::max_files`].
    fn parse(&mut self, name: Option<String>, text: &str) -> Result<Pending, SchemaError> {
        self.reads += 1;
        if self.reads > self.limits.max_files {
            return Err(SchemaError::Limit {
                what: "IDL files",
                value: self.reads,
                limit: self.limits.max_files,
            });
        }
        let unit = parse_unit(text, self.limits).map_err(|e| in_file(name.as_deref(), e))?;
        // `max_types` bounds the whole load, which bounds the work of resolving names across
        // files (each file looks through the types of the files it reaches).
        self.types += unit.types.len();
        if self.types > self.limits.max_types {
            return Err(SchemaError::Limit {
                what: "IDL types",
                value: self.types,
                limit: self.limits.max_types,
            });
        }
        if self.loader.is_none() {
            if let Some((_, pos)) = unit.imports.first() {
                let e = error_at(*pos, IdlErrorKind::ImportNotSupported);
                return Err(in_file(name.as_deref(), e));
            }
        }
        Ok(Pending { name, unit, next: 0, deps: Vec::new() })
    }

    /// Parses the file `name` and what it imports, depth first without recursion (an import
    /// chain may be as long as [`IdlLimits::max_files`] allows); returns the file's index.
    fn add(&mut self, name: Option<String>, text: &str) -> Result<usize, SchemaError> {
        let mut stack = vec![self.parse(name, text)?];
        while let Some(top) = stack.last_mut() {
            if let Some((path, pos)) = top.unit.imports.get(top.next).cloned() {
                top.next += 1;
                let importer = top.name.clone();
                let label = top.label().to_owned();
                let Some(loader) = self.loader else {
                    let e = error_at(pos, IdlErrorKind::ImportNotSupported);
                    return Err(in_file(importer.as_deref(), e));
                };
                let source = loader
                    .load(importer.as_deref(), &path)
                    .map_err(|e| SchemaError::ImportRead {
                        importer: label.clone(),
                        path: path.clone(),
                        message: e.to_string(),
                    })?
                    .ok_or_else(|| SchemaError::ImportNotFound {
                        importer: label,
                        path: path.clone(),
                        line: pos.line,
                        column: pos.column,
                    })?;
                if let Some(start) =
                    stack.iter().position(|f| f.name.as_deref() == Some(source.name.as_str()))
                {
                    let mut cycle: Vec<String> =
                        stack[start..].iter().map(|f| f.label().to_owned()).collect();
                    cycle.push(source.name);
                    return Err(SchemaError::ImportCycle { cycle });
                }
                if let Some(&done) = self.by_name.get(&source.name) {
                    if let Some(top) = stack.last_mut() {
                        top.deps.push(done);
                    }
                    continue;
                }
                let pending = self.parse(Some(source.name), &source.text)?;
                stack.push(pending);
                continue;
            }
            let Some(done) = stack.pop() else { break };
            let idx = self.files.len();
            if let Some(n) = &done.name {
                self.by_name.insert(n.clone(), idx);
            }
            self.files.push(File { name: done.name, unit: done.unit, deps: done.deps });
            match stack.last_mut() {
                Some(parent) => parent.deps.push(idx),
                None => return Ok(idx),
            }
        }
        // Not reached: the loop returns when it finishes the root.
        Ok(self.files.len().saturating_sub(1))
    }

    /// Resolves every file against the files it imports (transitively) and `registered`, and
    /// joins them into one schema.
    fn finish(self, registered: Option<&Registry>) -> Result<SchemaDesc, SchemaError> {
        let mut types: Vec<TypeDesc> = Vec::new();
        // Where each full name and each (kind, id) was defined.
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut ids: HashMap<(u8, u32), (usize, String)> = HashMap::new();
        for (i, file) in self.files.iter().enumerate() {
            let visible = self.visible(i);
            let package = file.unit.package.clone().unwrap_or_default();
            let ext = |name: &str, pos: Pos| -> Result<Option<(String, bool)>, SchemaError> {
                if let Some(found) = visible.get(name) {
                    if found.len() > 1 {
                        let mut candidates: Vec<&str> =
                            found.iter().map(|(n, _)| n.as_str()).collect();
                        candidates.sort_unstable();
                        return Err(error_at(
                            pos,
                            IdlErrorKind::AmbiguousType {
                                name: super::shorten(name),
                                candidates: candidates.join(", "),
                            },
                        ));
                    }
                    return Ok(found.first().cloned());
                }
                let Some(reg) = registered else { return Ok(None) };
                let qualified = (!package.is_empty()).then(|| format!("{package}.{name}"));
                let hit = std::iter::once(name.to_owned()).chain(qualified).find_map(|n| {
                    reg.by_name(&n).and_then(|idx| reg.get(idx)).map(|t| (n, t.clone()))
                });
                Ok(hit.map(|(n, t)| (n, matches!(*t, TypeInfo::Message(_)))))
            };
            let desc = file.unit.finish(&ext).map_err(|e| in_file(file.name.as_deref(), e))?;
            for t in desc.types {
                let full = t.full_name().to_owned();
                if let Some(&first) = names.get(&full) {
                    return Err(SchemaError::TypeClash {
                        clash: format!("type {full}"),
                        first: self.files[first].label().to_owned(),
                        second: file.label().to_owned(),
                    });
                }
                names.insert(full.clone(), i);
                if let Registration::Id(id) = t.registration() {
                    let kind = match &t {
                        TypeDesc::Message(_) => 0,
                        TypeDesc::Enum(_) => 1,
                        TypeDesc::Union(_) => 2,
                    };
                    if let Some((first, other)) = ids.get(&(kind, *id)) {
                        return Err(SchemaError::TypeClash {
                            clash: format!("type id {id} ({other}, {full})"),
                            first: self.files[*first].label().to_owned(),
                            second: file.label().to_owned(),
                        });
                    }
                    ids.insert((kind, *id), (i, full));
                }
                types.push(t);
            }
        }
        let package = self.files.last().and_then(|f| f.unit.package.clone()).unwrap_or_default();
        Ok(SchemaDesc { package, types })
    }

    /// The types file `i` sees through its imports: name as it may be written → (full name,
    /// is a message), one entry per distinct type.
    fn visible(&self, i: usize) -> HashMap<String, Vec<(String, bool)>> {
        let mut reach: Vec<usize> = Vec::new();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut todo: Vec<usize> = self.files[i].deps.clone();
        while let Some(f) = todo.pop() {
            if f != i && seen.insert(f) {
                reach.push(f);
                todo.extend(self.files[f].deps.iter().copied());
            }
        }
        let mut out: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        for f in reach {
            let unit = &self.files[f].unit;
            for ty in &unit.types {
                let full = unit.full_name(&ty.local);
                let entry = (full.clone(), ty.is_message());
                let mut keys = vec![ty.local.clone()];
                if full != ty.local {
                    keys.push(full);
                }
                for key in keys {
                    let list = out.entry(key).or_default();
                    if !list.iter().any(|(n, _)| *n == entry.0) {
                        list.push(entry.clone());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn limits() -> IdlLimits {
        IdlLimits::default()
    }

    fn names(desc: &SchemaDesc) -> Vec<&str> {
        desc.types.iter().map(|t| t.full_name()).collect()
    }

    const COMMON: &str = "package common;
        enum Status [id=100] { PENDING = 0; ACTIVE = 1; }
        message Address [id=101] { string street = 1; string city = 2; }";

    #[test]
    fn relative_imports_and_spec_example() {
        let loader = MemoryLoader::new().file("common/types.fdl", COMMON).file(
            "models/user.fdl",
            "package models; import \"../common/types.fdl\";
             message User [id=200] { string id = 1; Address home = 2; Status status = 3;
                                     common.Address work = 4; }",
        );
        let desc = load_file("models/user.fdl", &loader, &limits(), None).unwrap();
        assert_eq!(names(&desc), ["common.Status", "common.Address", "models.User"]);
        let TypeDesc::Message(user) = &desc.types[2] else { panic!() };
        let tys: Vec<&crate::FieldType> = user.fields.iter().map(|f| &f.ty).collect();
        assert_eq!(tys[1], &crate::FieldType::named("common.Address"));
        assert_eq!(tys[2], &crate::FieldType::named("common.Status"));
        assert_eq!(tys[3], &crate::FieldType::named("common.Address"));
        // Message fields from other files are nullable, as local ones; enums are not.
        assert!(user.fields[1].nullable && !user.fields[2].nullable);
    }

    #[test]
    fn same_schema_in_one_file_or_two() {
        // Auto ids, named registration and nested types come out the same.
        for option in ["", "option enable_auto_type_id = false;"] {
            let one = parse_with_one(&format!(
                "package p; {option} message A {{ message In {{ int32 x = 1; }} In i = 1; }}
                 message B {{ A a = 1; A.In i = 2; list<A> l = 3; }}"
            ));
            let loader = MemoryLoader::new()
                .file(
                    "a.fdl",
                    format!("package p; {option} message A {{ message In {{ int32 x = 1; }} In i = 1; }}"),
                )
                .file(
                    "b.fdl",
                    format!(
                        "package p; {option} import \"a.fdl\";
                         message B {{ A a = 1; A.In i = 2; list<A> l = 3; }}"
                    ),
                );
            let two = load_file("b.fdl", &loader, &limits(), None).unwrap();
            assert_eq!(one.types, two.types, "{option}");
        }
    }

    fn parse_with_one(text: &str) -> SchemaDesc {
        crate::idl::parse(text).unwrap()
    }

    #[test]
    fn diamond_is_read_once_and_transitive_types_are_visible() {
        let reads = RefCell::new(Vec::<String>::new());
        let mem = MemoryLoader::new()
            .file("base.fdl", "package base; message Id [id=1] { int64 v = 1; }")
            .file("left.fdl", "package left; import \"base.fdl\"; message L [id=2] { Id id = 1; }")
            .file(
                "right.fdl",
                "package right; import \"base.fdl\"; message R [id=3] { base.Id id = 1; }",
            )
            .file(
                "top.fdl",
                "package top; import \"left.fdl\"; import \"right.fdl\";
                 message T [id=4] { L l = 1; R r = 2; Id id = 3; }",
            );
        let loader = |importer: Option<&str>, path: &str| {
            let found = mem.load(importer, path)?;
            if let Some(f) = &found {
                reads.borrow_mut().push(f.name.clone());
            }
            Ok(found)
        };
        let desc = load_file("top.fdl", &loader, &limits(), None).unwrap();
        assert_eq!(names(&desc), ["base.Id", "left.L", "right.R", "top.T"]);
        // The loader is asked along both paths (only it knows that they lead to one file), but
        // the file is parsed and its types come out once.
        assert_eq!(*reads.borrow(), ["top.fdl", "left.fdl", "base.fdl", "right.fdl", "base.fdl"]);
    }

    #[test]
    fn cycles_are_refused_with_the_cycle() {
        let loader = MemoryLoader::new()
            .file("a.fdl", "package a; import \"b.fdl\"; message A [id=1] {}")
            .file("b.fdl", "package b; import \"c.fdl\"; message B [id=2] {}")
            .file("c.fdl", "package c; import \"b.fdl\"; message C [id=3] {}")
            .file("self.fdl", "import \"self.fdl\";");
        let err = load_file("a.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(
            err,
            SchemaError::ImportCycle {
                cycle: vec!["b.fdl".into(), "c.fdl".into(), "b.fdl".into()]
            }
        );
        assert_eq!(err.to_string(), "import cycle: b.fdl -> c.fdl -> b.fdl");
        let err = load_file("self.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "import cycle: self.fdl -> self.fdl");
    }

    #[test]
    fn missing_and_unreadable_files_name_the_importer() {
        let loader = MemoryLoader::new().file("dir/a.fdl", "package a;\n  import \"gone.fdl\";");
        let err = load_file("dir/a.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(
            err,
            SchemaError::ImportNotFound {
                importer: "dir/a.fdl".into(),
                path: "gone.fdl".into(),
                line: 2,
                column: 3
            }
        );
        assert_eq!(err.to_string(), "dir/a.fdl:2:3: imported file \"gone.fdl\" not found");
        let err = load_file("nope.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err, SchemaError::FileNotFound("nope.fdl".into()));
        assert_eq!(err.to_string(), "IDL file \"nope.fdl\" not found");
        let failing = |_: Option<&str>, _: &str| -> io::Result<Option<IdlSource>> {
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "denied"))
        };
        let err = parse_with("import \"x.fdl\";", &failing, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "<text>: cannot read imported file \"x.fdl\": denied");
    }

    #[test]
    fn errors_inside_imported_files_name_the_file() {
        let loader = MemoryLoader::new()
            .file("bad.fdl", "message A {\n  Nope n = 1; }")
            .file("main.fdl", "import \"bad.fdl\";");
        let err = load_file("main.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "bad.fdl: IDL error at 2:3: unknown type Nope");
        // Names are visible only through imports: `b` cannot use `a`'s types without importing.
        let loader = MemoryLoader::new()
            .file("a.fdl", "package a; message A [id=1] {}")
            .file("b.fdl", "package b; message B [id=2] { A a = 1; }")
            .file("main.fdl", "import \"a.fdl\"; import \"b.fdl\";");
        let err = load_file("main.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "b.fdl: IDL error at 1:31: unknown type A");
    }

    #[test]
    fn duplicates_across_files_and_ambiguous_names() {
        let loader = MemoryLoader::new()
            .file("x1.fdl", "package x; message M [id=1] {}")
            .file("x2.fdl", "package x; message M [id=2] {}")
            .file("dup.fdl", "import \"x1.fdl\"; import \"x2.fdl\";");
        let err = load_file("dup.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "type x.M is defined in both x1.fdl and x2.fdl");
        let loader = MemoryLoader::new()
            .file("a.fdl", "package a; message M [id=7] {}")
            .file("b.fdl", "package b; message N [id=7] {}")
            .file("ids.fdl", "import \"a.fdl\"; import \"b.fdl\";");
        let err = load_file("ids.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(err.to_string(), "type id 7 (a.M, b.N) is defined in both a.fdl and b.fdl");
        // Same simple name in two packages: fine until used unqualified.
        let loader = MemoryLoader::new()
            .file("a.fdl", "package a; message M [id=1] {}")
            .file("b.fdl", "package b; message M [id=2] {}")
            .file("ok.fdl", "package c; import \"a.fdl\"; import \"b.fdl\"; message U [id=3] { a.M x = 1; b.M y = 2; }")
            .file("amb.fdl", "package c; import \"a.fdl\"; import \"b.fdl\"; message U [id=3] { M x = 1; }")
            .file("own.fdl", "package c; import \"a.fdl\"; message M [id=4] {} message U [id=3] { M x = 1; }");
        assert_eq!(names(&load_file("ok.fdl", &loader, &limits(), None).unwrap()).len(), 3);
        let err = load_file("amb.fdl", &loader, &limits(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "amb.fdl: IDL error at 1:63: type M is ambiguous: a.M, b.M; qualify it with its package"
        );
        // The file's own type wins over an imported one.
        let desc = load_file("own.fdl", &loader, &limits(), None).unwrap();
        let TypeDesc::Message(u) = &desc.types[2] else { panic!() };
        assert_eq!(u.fields[0].ty, crate::FieldType::named("c.M"));
    }

    #[test]
    fn import_syntax() {
        let loader = MemoryLoader::new().file("a.fdl", "package a; enum E [id=1] { X = 0; }");
        // Single quotes; imports after types; no package.
        let desc =
            parse_with("message M [id=2] { E e = 1; }\nimport 'a.fdl';", &loader, &limits(), None)
                .unwrap();
        assert_eq!(names(&desc), ["a.E", "M"]);
        for (text, modifier) in
            [("import public \"a.fdl\";", "public"), ("import weak \"a.fdl\";", "weak")]
        {
            let err = parse_with(text, &loader, &limits(), None).unwrap_err();
            assert_eq!(
                err,
                SchemaError::Idl {
                    line: 1,
                    column: 8,
                    kind: IdlErrorKind::UnsupportedImportModifier(modifier)
                }
            );
        }
        let err = parse_with("import a.fdl;", &loader, &limits(), None).unwrap_err();
        assert!(err.to_string().contains("expected a quoted import path"), "{err}");
        // Without a loader, `import` is refused where it stands.
        let err = crate::idl::parse("package p;\nimport \"a.fdl\";").unwrap_err();
        assert_eq!(
            err,
            SchemaError::Idl { line: 2, column: 1, kind: IdlErrorKind::ImportNotSupported }
        );
        let err = parse_resolving("import \"a.fdl\";", &limits(), None).unwrap_err();
        assert!(err.to_string().contains("import needs a loader"), "{err}");
    }

    #[test]
    fn file_count_is_bounded() {
        // A chain of 10 distinct files, each importing the next.
        let mut loader = MemoryLoader::new();
        for k in 0..10 {
            loader = loader.file(&format!("f{k}.fdl"), format!("import \"f{}.fdl\";", k + 1));
        }
        loader = loader.file("f10.fdl", "");
        let small = IdlLimits { max_files: 5, ..IdlLimits::default() };
        assert_eq!(
            load_file("f0.fdl", &loader, &small, None).unwrap_err(),
            SchemaError::Limit { what: "IDL files", value: 6, limit: 5 }
        );
        assert!(load_file("f0.fdl", &loader, &limits(), None).unwrap().types.is_empty());
        // The longest chain the default limit allows loads on a test thread's stack.
        let n = IdlLimits::default().max_files;
        let mut loader = MemoryLoader::new();
        for k in 0..n {
            let next =
                if k + 1 < n { format!("import \"f{}.fdl\";", k + 1) } else { String::new() };
            loader = loader
                .file(&format!("f{k}.fdl"), format!("{next} message M{k} [id={}] {{}}", k + 1));
        }
        assert_eq!(load_file("f0.fdl", &loader, &limits(), None).unwrap().types.len(), n);
        // `max_types` counts the types of every file of the load.
        let few = IdlLimits { max_types: 100, ..IdlLimits::default() };
        assert_eq!(
            load_file("f0.fdl", &loader, &few, None).unwrap_err(),
            SchemaError::Limit { what: "IDL types", value: 101, limit: 100 }
        );
    }

    #[test]
    fn names_resolve_against_registered_types() {
        let mut reg = Registry::default();
        reg.register(crate::idl::parse(COMMON).unwrap()).unwrap();
        // By full name, and relative to the text's package.
        let desc = parse_resolving(
            "package app; message P [id=1] { common.Address a = 1; common.Status s = 2; }",
            &limits(),
            Some(&reg),
        )
        .unwrap();
        let TypeDesc::Message(p) = &desc.types[0] else { panic!() };
        assert!(p.fields[0].nullable && !p.fields[1].nullable, "message vs enum kinds");
        let desc = parse_resolving(
            "package common; message Q [id=102] { Address a = 1; }",
            &limits(),
            Some(&reg),
        )
        .unwrap();
        reg.register(desc).unwrap();
        // Not by a bare name from another package.
        let err = parse_resolving(
            "package app; message R [id=2] { Address a = 1; }",
            &limits(),
            Some(&reg),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "IDL error at 1:33: unknown type Address");
        // A ref to a registered enum is refused as for a local one.
        let err =
            parse_resolving("message R [id=2] { ref common.Status s = 1; }", &limits(), Some(&reg))
                .unwrap_err();
        assert!(err.to_string().contains("ref is only valid for message types"), "{err}");
    }

    #[test]
    fn fs_loader_relative_then_search_path() {
        let root = std::env::temp_dir().join(format!("foryjit-idl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("app/sub")).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(
            root.join("lib/money.fdl"),
            "package lib; message Money [id=1] { int64 c = 1; }",
        )
        .unwrap();
        std::fs::write(root.join("app/sub/local.fdl"), "package app; enum K [id=2] { A = 0; }")
            .unwrap();
        std::fs::write(
            root.join("app/main.fdl"),
            "package app; import \"sub/local.fdl\"; import \"money.fdl\"; import \"sub/../sub/local.fdl\";
             message Main [id=3] { Money m = 1; K k = 2; }",
        )
        .unwrap();
        let main = root.join("app/main.fdl");
        let main = main.to_str().unwrap();
        let err = load_file(main, &FsLoader::new(), &limits(), None).unwrap_err();
        assert!(
            matches!(err, SchemaError::ImportNotFound { ref path, .. } if path == "money.fdl"),
            "{err}"
        );
        let loader = FsLoader::new().search_dir(root.join("lib"));
        let desc = load_file(main, &loader, &limits(), None).unwrap();
        assert_eq!(names(&desc), ["app.K", "lib.Money", "app.Main"]);
        // The root file by a relative name, found on the search path.
        let loader = FsLoader::new().search_dir(root.join("nowhere")).search_dir(root.join("app"));
        assert_eq!(
            load_file("main.fdl", &loader.clone().search_dir(root.join("lib")), &limits(), None)
                .unwrap()
                .types
                .len(),
            3
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
