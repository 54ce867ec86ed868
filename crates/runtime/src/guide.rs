//! The user guide (`docs/guide.md`): concepts and interop with pyfory and the `fory` crate.
#![doc = include_str!("../../../docs/guide.md")]
