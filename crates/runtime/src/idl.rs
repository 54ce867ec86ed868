#![doc = include_str!("../../../docs/idl.md")]

pub use foryjit_schema::idl::{
    load_file, parse, parse_resolving, parse_with, parse_with_limits, FsLoader, IdlErrorKind,
    IdlLimits, IdlLoader, IdlSource, MemoryLoader,
};
