//! # foryjit-abi
//!
//! The one definition of how foryjit's two tiers call each other. Compiled code (the Cranelift
//! tier, `foryjit-jit`) and the interpreter (`foryjit-interp`) both depend on this crate and on
//! nothing of each other:
//!
//! - [`WriteEntry`] and [`ReadEntry`]: the entry points of a compiled struct writer and reader,
//!   and [`EntrySlot`], the atomic cell a catalog keeps them in (compiled callers load it too);
//! - [`WriteEnv`], [`ReadEnv`] and [`CtxHeader`]: the `#[repr(C)]` environments compiled code is
//!   called with, which it also builds on its own stack to call a nested struct's code directly;
//!   their offsets ([`WRITE_ENV`], [`READ_ENV`], [`CTX`]) come from `offset_of!` on these types;
//! - [`Status`]: what every entry point and helper returns;
//! - [`Helper`] and [`HelperTable`]: the list of interpreter helpers compiled code calls, from
//!   which both the Rust function types (the table's fields) and the machine signatures
//!   ([`Helper::signature`], derived from those Rust types) come. Adding a helper is one entry in
//!   the [`helpers!`](crate) list plus its body in the interpreter;
//! - [`layout`]: the layout of the values compiled code reads and writes ([`foryjit_wire::layout`]).
//!
//! Sizes both tiers must agree on (how much room a flag and a varint need) live in the IR
//! (`foryjit_ir::room`), next to the programs that use them.
//!
//! ```
//! use foryjit_abi::{AbiKind, Helper, Status, WriteEntry, AbiFn};
//! // The machine signature of a helper comes from its Rust type.
//! let sig = Helper::WriteOp.signature();
//! assert_eq!(sig.params, &[AbiKind::Ptr, AbiKind::Ptr, AbiKind::I32, AbiKind::I32]);
//! assert_eq!(sig.ret, AbiKind::I32);
//! assert_eq!(<WriteEntry as AbiFn>::SIGNATURE.params.len(), 3);
//! assert!(Status::OK.is_ok() && !Status::DECLINED.is_ok());
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

use foryjit_ir::Program;
use foryjit_wire::{Buf, CodecError, CodecLimits, StringPolicy, Value};
use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::sync::atomic::{AtomicPtr, Ordering};

pub use foryjit_wire::layout;

const _: () = assert!(size_of::<usize>() == 8, "compiled code assumes a 64-bit host");

/// What an entry point or a helper returns: [`Status::OK`], [`Status::FAILED`] (the details are
/// in the environment's `error`), or [`Status::DECLINED`] (a direct helper did nothing; the
/// generic helper does the op and reports any error). An `i32` on the machine level, so that
/// compiled code can return any code it received without Rust assuming it is one of three.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub i32);

impl Status {
    /// Done. Zero, so that compiled code tests a status with one branch on zero.
    pub const OK: Status = Status(0);
    /// An error, whose details the callee left in the environment's `error`.
    pub const FAILED: Status = Status(1);
    /// A direct helper declined, having done nothing.
    pub const DECLINED: Status = Status(2);

    /// True for [`Status::OK`].
    pub fn is_ok(self) -> bool {
        self == Status::OK
    }
}

const _: () = assert!(Status::OK.0 == 0);

/// The start of both interpreter contexts (`WriteCtx` and `ReadCtx`), which compiled code reads
/// and writes: the current nesting depth and its limit (to enter a nested struct), and the
/// rules under which it may encode a string or binary value inline. The contexts themselves are
/// the interpreter's; environments point at them through this header, and the interpreter checks
/// with `offset_of!` that its contexts begin with these fields.
#[repr(C)]
#[derive(Debug)]
pub struct CtxHeader {
    /// The current nesting depth.
    pub depth: u32,
    /// The depth limit (`CodecLimits::max_depth`).
    pub max_depth: u32,
    /// The rules for inline strings and binary.
    pub inline: InlineRules,
}

/// What compiled code needs to know of the engine's options to write a string or binary value
/// itself: the length limits (clamped to `u32`; a longer value goes to the interpreter, which
/// applies the real limit) and the string policy.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlineRules {
    /// `CodecLimits::max_string_bytes`, at most `u32::MAX`.
    pub max_string_bytes: u32,
    /// `CodecLimits::max_binary_bytes`, at most `u32::MAX`.
    pub max_binary_bytes: u32,
    /// [`InlineRules::UTF8`] or [`InlineRules::PYFORY`].
    pub string_policy: u32,
    /// `CodecLimits::max_collection_len`, at most `u32::MAX`.
    pub max_collection_len: u32,
}

impl InlineRules {
    /// `StringPolicy::Utf8`: every string as UTF-8.
    pub const UTF8: u32 = 0;
    /// `StringPolicy::PyforyLike`: an ASCII string as LATIN1 (same bytes); compiled code hands
    /// any other string to the interpreter, which transcodes it.
    pub const PYFORY: u32 = 1;

    /// The rules for these limits and this policy.
    pub fn new(limits: &CodecLimits, policy: StringPolicy) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        InlineRules {
            max_string_bytes: clamp(limits.max_string_bytes),
            max_binary_bytes: clamp(limits.max_binary_bytes),
            string_policy: match policy {
                StringPolicy::Utf8 => Self::UTF8,
                StringPolicy::PyforyLike => Self::PYFORY,
            },
            max_collection_len: clamp(limits.max_collection_len),
        }
    }
}

/// Offsets inside a [`CtxHeader`].
#[derive(Debug, Clone, Copy)]
pub struct CtxLayout {
    /// `depth`.
    pub depth: usize,
    /// `max_depth`.
    pub max_depth: usize,
    /// `inline.max_string_bytes`.
    pub max_string_bytes: usize,
    /// `inline.max_binary_bytes`.
    pub max_binary_bytes: usize,
    /// `inline.string_policy`.
    pub string_policy: usize,
    /// `inline.max_collection_len`.
    pub max_collection_len: usize,
}

/// The layout of [`CtxHeader`].
pub const CTX: CtxLayout = CtxLayout {
    depth: offset_of!(CtxHeader, depth),
    max_depth: offset_of!(CtxHeader, max_depth),
    max_string_bytes: offset_of!(CtxHeader, inline) + offset_of!(InlineRules, max_string_bytes),
    max_binary_bytes: offset_of!(CtxHeader, inline) + offset_of!(InlineRules, max_binary_bytes),
    string_policy: offset_of!(CtxHeader, inline) + offset_of!(InlineRules, string_policy),
    max_collection_len: offset_of!(CtxHeader, inline) + offset_of!(InlineRules, max_collection_len),
};

/// What a compiled writer is called with: built by the interpreter for a root call, or by
/// compiled code on its stack for a nested struct. Raw pointers, because compiled code copies
/// them.
#[repr(C)]
#[derive(Debug)]
pub struct WriteEnv {
    /// The interpreter's write context.
    pub ctx: *mut CtxHeader,
    /// The program the code was compiled from.
    pub prog: *const Program,
    /// The fields being written.
    pub fields: *const Value,
    /// Their count.
    pub field_count: usize,
    /// The error a helper left (none is an all-zero word: compiled code stores 0).
    pub error: Option<Box<CodecError>>,
}

/// What a compiled reader is called with; as [`WriteEnv`].
#[repr(C)]
#[derive(Debug)]
pub struct ReadEnv {
    /// The interpreter's read context.
    pub ctx: *mut CtxHeader,
    /// The program the code was compiled from.
    pub prog: *const Program,
    /// The input's first byte.
    pub data: *const u8,
    /// The input's length.
    pub data_len: usize,
    /// The fields being filled (compiled code and the helpers write through this pointer).
    pub fields: *mut Value,
    /// Their count.
    pub field_count: usize,
    /// The error a helper left (none is an all-zero word).
    pub error: Option<Box<CodecError>>,
}

/// Offsets of the fields of an environment that compiled code stores when it builds one.
#[derive(Debug, Clone, Copy)]
pub struct EnvLayout {
    /// Size of the environment.
    pub size: usize,
    /// The context pointer.
    pub ctx: usize,
    /// The program pointer.
    pub prog: usize,
    /// The fields pointer.
    pub fields: usize,
    /// The field count.
    pub field_count: usize,
    /// The error cell.
    pub error: usize,
}

/// The layout of [`WriteEnv`].
pub const WRITE_ENV: EnvLayout = EnvLayout {
    size: size_of::<WriteEnv>(),
    ctx: offset_of!(WriteEnv, ctx),
    prog: offset_of!(WriteEnv, prog),
    fields: offset_of!(WriteEnv, fields),
    field_count: offset_of!(WriteEnv, field_count),
    error: offset_of!(WriteEnv, error),
};

/// The layout of [`ReadEnv`].
pub const READ_ENV: EnvLayout = EnvLayout {
    size: size_of::<ReadEnv>(),
    ctx: offset_of!(ReadEnv, ctx),
    prog: offset_of!(ReadEnv, prog),
    fields: offset_of!(ReadEnv, fields),
    field_count: offset_of!(ReadEnv, field_count),
    error: offset_of!(ReadEnv, error),
};

// Compiled code reads the context of either environment at one offset, and stores a child's
// context and program at one offset whichever kind it builds.
const _: () = assert!(WRITE_ENV.ctx == READ_ENV.ctx && WRITE_ENV.prog == READ_ENV.prog);

/// Offset of [`ReadEnv::data`], which compiled code stores in a child's environment.
pub const READ_ENV_DATA: usize = offset_of!(ReadEnv, data);
/// Offset of [`ReadEnv::data_len`].
pub const READ_ENV_DATA_LEN: usize = offset_of!(ReadEnv, data_len);

// Compiled code initialises an environment's error cell with one pointer-sized zero store.
const _: () = assert!(size_of::<Option<Box<CodecError>>>() == size_of::<usize>());

/// Entry point of a compiled struct writer: writes the struct's body from `fields` into `buf`.
pub type WriteEntry =
    unsafe extern "C" fn(env: *mut WriteEnv, fields: *const Value, buf: *mut Buf) -> Status;

/// Entry point of a compiled struct reader: reads the struct's body from `data[*pos..len]` into
/// `fields` (initialised values, `Null`s on a fresh struct) and advances `*pos`.
pub type ReadEntry = unsafe extern "C" fn(
    env: *mut ReadEnv,
    data: *const u8,
    len: usize,
    pos: *mut usize,
    fields: *mut Value,
) -> Status;

/// The machine-level class of a parameter or result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbiKind {
    /// A pointer or `usize` (64 bits).
    Ptr,
    /// A 32-bit integer (`u32`, `i32`, [`Status`]).
    I32,
    /// A 64-bit integer.
    I64,
}

/// A Rust type that crosses the native ABI, with its machine class.
pub trait AbiValue {
    /// Its machine class.
    const KIND: AbiKind;
}

impl<T> AbiValue for *mut T {
    const KIND: AbiKind = AbiKind::Ptr;
}
impl<T> AbiValue for *const T {
    const KIND: AbiKind = AbiKind::Ptr;
}
impl AbiValue for usize {
    const KIND: AbiKind = AbiKind::Ptr;
}
impl AbiValue for u32 {
    const KIND: AbiKind = AbiKind::I32;
}
impl AbiValue for u64 {
    const KIND: AbiKind = AbiKind::I64;
}
impl AbiValue for Status {
    const KIND: AbiKind = AbiKind::I32;
}

/// A machine signature: parameter classes and the result's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The parameters, in order.
    pub params: &'static [AbiKind],
    /// The result.
    pub ret: AbiKind,
}

/// An `unsafe extern "C"` function type that crosses the native ABI: its machine signature is
/// derived from its parameter and result types, so a helper's Rust type and the signature
/// compiled code calls it with cannot disagree.
pub trait AbiFn: Copy {
    /// The machine signature.
    const SIGNATURE: Signature;
}

macro_rules! abi_fn {
    ($($p:ident),*) => {
        impl<R: AbiValue, $($p: AbiValue),*> AbiFn for unsafe extern "C" fn($($p),*) -> R {
            const SIGNATURE: Signature = Signature { params: &[$($p::KIND),*], ret: R::KIND };
        }
    };
}
abi_fn!(A, B);
abi_fn!(A, B, C);
abi_fn!(A, B, C, D);
abi_fn!(A, B, C, D, E);

/// An entry-point type that an [`EntrySlot`] can hold.
pub trait Entry: AbiFn + private::Sealed {
    /// The entry point as a data pointer (what the slot stores).
    fn into_raw(self) -> *mut ();
    /// The entry point back from what [`Entry::into_raw`] gave.
    ///
    /// # Safety
    /// `p` must come from `into_raw` of this type.
    unsafe fn from_raw(p: *mut ()) -> Self;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::WriteEntry {}
    impl Sealed for super::ReadEntry {}
}

impl Entry for WriteEntry {
    fn into_raw(self) -> *mut () {
        self as *mut ()
    }
    unsafe fn from_raw(p: *mut ()) -> Self {
        // SAFETY: per the contract, `p` is a `WriteEntry` turned into a data pointer (same size
        // on every host Cranelift supports).
        unsafe { std::mem::transmute::<*mut (), WriteEntry>(p) }
    }
}

impl Entry for ReadEntry {
    fn into_raw(self) -> *mut () {
        self as *mut ()
    }
    unsafe fn from_raw(p: *mut ()) -> Self {
        // SAFETY: as for `WriteEntry`.
        unsafe { std::mem::transmute::<*mut (), ReadEntry>(p) }
    }
}

/// An atomic cell holding a compiled entry point, or nothing while the interpreter serves the
/// type. `#[repr(transparent)]` over an `AtomicPtr`: compiled callers load it with one atomic
/// pointer load (null: call the interpreter).
#[repr(transparent)]
pub struct EntrySlot<F: Entry> {
    ptr: AtomicPtr<()>,
    _f: PhantomData<F>,
}

impl<F: Entry> Default for EntrySlot<F> {
    fn default() -> Self {
        EntrySlot { ptr: AtomicPtr::new(std::ptr::null_mut()), _f: PhantomData }
    }
}

impl<F: Entry> std::fmt::Debug for EntrySlot<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EntrySlot").field(&self.ptr.load(Ordering::Relaxed)).finish()
    }
}

impl<F: Entry> EntrySlot<F> {
    /// The entry point, if one is installed.
    pub fn load(&self) -> Option<F> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: only `store` writes non-null values, each from an `F`.
        (!p.is_null()).then(|| unsafe { F::from_raw(p) })
    }

    /// Installs `f`; later loads see it.
    ///
    /// # Safety
    /// Whoever loads the slot calls `f` as the code of the program the slot belongs to: `f`
    /// must implement that program, and its code must stay valid for as long as the slot can
    /// be loaded.
    pub unsafe fn store(&self, f: F) {
        self.ptr.store(f.into_raw(), Ordering::Release);
    }

    /// True when an entry point is installed.
    pub fn is_set(&self) -> bool {
        !self.ptr.load(Ordering::Acquire).is_null()
    }

    /// The slot's address, for compiled code that loads it (atomically, as a pointer).
    pub fn addr(&self) -> *const EntrySlot<F> {
        self
    }
}

/// Defines the helper list: for each helper, its [`Helper`] variant, its [`HelperTable`] field,
/// its documentation and its Rust type, from which its machine signature is derived.
macro_rules! helpers {
    ($( $(#[doc = $doc:literal])* $variant:ident => $field:ident: $ty:ty; )*) => {
        /// The interpreter helpers compiled code calls. Each has a symbol (under which compiled
        /// code imports it), a machine signature derived from its Rust type, and a field in
        /// [`HelperTable`] that holds its address.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Helper {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Helper {
            /// Every helper.
            pub const ALL: &'static [Helper] = &[$(Helper::$variant),*];

            /// The symbol compiled code imports the helper under (a prefix never resolved
            /// through the dynamic linker).
            pub fn symbol(self) -> &'static str {
                match self {
                    $( Helper::$variant => concat!("fj_abi_", stringify!($field)), )*
                }
            }

            /// The machine signature, derived from the helper's Rust type.
            pub fn signature(self) -> Signature {
                match self {
                    $( Helper::$variant => <$ty as AbiFn>::SIGNATURE, )*
                }
            }
        }

        /// The addresses of the helpers, typed: the interpreter fills it with its functions and
        /// the compiler binds each [`Helper::symbol`] to [`HelperTable::address`].
        #[derive(Debug, Clone, Copy)]
        pub struct HelperTable {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl HelperTable {
            /// The address of helper `h`.
            pub fn address(&self, h: Helper) -> *const u8 {
                match h {
                    $( Helper::$variant => self.$field as *const u8, )*
                }
            }
        }
    };
}

helpers! {
    /// Runs write ops `op..op + count` of the current program, stopping at the first error.
    WriteOp => write_op:
        unsafe extern "C" fn(env: *mut WriteEnv, buf: *mut Buf, op: u32, count: u32) -> Status;
    /// Writes a non-nullable string, binary or dense-array field op with the interpreter's blob
    /// encoder; [`Status::DECLINED`] (nothing written) for anything else.
    WriteBlob => write_blob:
        unsafe extern "C" fn(env: *mut WriteEnv, buf: *mut Buf, op: u32, count: u32) -> Status;
    /// After a nested struct's compiled writer, called directly with `child` built on the
    /// caller's stack, failed: moves its error into `env`, named by field op `op` and, when
    /// `elem` is not 0, by list element `elem - 1`; returns [`Status::FAILED`].
    WriteNestedFailed => write_nested_failed:
        unsafe extern "C" fn(env: *mut WriteEnv, child: *mut WriteEnv, op: u32, elem: u32)
            -> Status;
    /// Writes the head of a list-of-structs field op (of `fields` fields each) whose elements
    /// compiled code then writes itself, and enters the list's level of depth; or declines.
    WriteListHead => write_list_head:
        unsafe extern "C" fn(env: *mut WriteEnv, buf: *mut Buf, op: u32, fields: u32) -> Status;
    /// Writes the flag and type meta of a struct field op with type meta (of `fields` fields)
    /// before compiled code calls the child's writer; or declines.
    WriteStructHead => write_struct_head:
        unsafe extern "C" fn(env: *mut WriteEnv, buf: *mut Buf, op: u32, fields: u32) -> Status;
    /// Runs read ops `op..op + count` of the current program at `*pos`, stopping at the first
    /// error.
    ReadOp => read_op:
        unsafe extern "C" fn(env: *mut ReadEnv, pos: *mut usize, op: u32, count: u32) -> Status;
    /// Reads a varint at `*pos` (`wide` 0: varuint32, else PVL varuint64) near the end of the
    /// input; sets `*pos` to `usize::MAX` when it is malformed or truncated.
    ReadVarint => read_varint:
        unsafe extern "C" fn(data: *const u8, len: usize, pos: *mut usize, wide: u32) -> u64;
    /// Reads a string, binary, array or plain struct field op with the interpreter's body
    /// reader; or declines.
    ReadField => read_field:
        unsafe extern "C" fn(env: *mut ReadEnv, pos: *mut usize, op: u32, count: u32) -> Status;
    /// Before a nested struct's compiled reader is called directly: places the struct (of
    /// `fields` fields) in field op `op`'s slot and returns its fields; null declines.
    ReadNestedAlloc => read_nested_alloc:
        unsafe extern "C" fn(env: *mut ReadEnv, pos: *mut usize, op: u32, fields: u32)
            -> *mut Value;
    /// Copies `len` bytes from `src` to `dst` (non-overlapping) and returns `dst`: the body of
    /// a string or binary value compiled code writes inline.
    CopyBytes => copy_bytes:
        unsafe extern "C" fn(dst: *mut u8, src: *const u8, len: usize) -> *mut u8;
    /// 1 when the `len` bytes at `src` are all ASCII, else 0: the pyfory string policy's first
    /// question, asked before compiled code writes a string as LATIN1.
    IsAscii => is_ascii: unsafe extern "C" fn(src: *const u8, len: usize) -> u32;
    /// After a nested struct's compiled reader, called directly, failed: moves its error into
    /// `env`, named by field op `op`; returns [`Status::FAILED`].
    ReadNestedFailed => read_nested_failed:
        unsafe extern "C" fn(env: *mut ReadEnv, child: *mut ReadEnv, op: u32, count: u32)
            -> Status;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_rust_types() {
        use AbiKind::*;
        assert_eq!(<WriteEntry as AbiFn>::SIGNATURE.params, &[Ptr, Ptr, Ptr]);
        assert_eq!(<ReadEntry as AbiFn>::SIGNATURE.params, &[Ptr, Ptr, Ptr, Ptr, Ptr]);
        assert_eq!(
            Helper::ReadVarint.signature(),
            Signature { params: &[Ptr, Ptr, Ptr, I32], ret: I64 }
        );
        assert_eq!(Helper::ReadNestedAlloc.signature().ret, Ptr);
        let symbols: std::collections::HashSet<_> =
            Helper::ALL.iter().map(|h| h.symbol()).collect();
        assert_eq!(symbols.len(), Helper::ALL.len());
    }

    #[test]
    fn environments_are_word_aligned_records() {
        assert_eq!(WRITE_ENV.ctx, 0);
        assert_eq!(READ_ENV.ctx, 0);
        assert_eq!(WRITE_ENV.prog, 8);
        assert_eq!(WRITE_ENV.size, 40);
        assert_eq!(READ_ENV.size, 56);
        assert_eq!(CTX.depth, 0);
        assert_eq!(CTX.max_depth, 4);
        assert_eq!((CTX.max_string_bytes, CTX.max_binary_bytes, CTX.string_policy), (8, 12, 16));
        let rules = InlineRules::new(&CodecLimits::default(), StringPolicy::PyforyLike);
        assert_eq!(rules.string_policy, InlineRules::PYFORY);
    }

    #[test]
    fn slots_hold_what_was_stored() {
        unsafe extern "C" fn w(_: *mut WriteEnv, _: *const Value, _: *mut Buf) -> Status {
            Status::DECLINED
        }
        let slot = EntrySlot::<WriteEntry>::default();
        assert!(slot.load().is_none() && !slot.is_set());
        // SAFETY: the slot is only loaded below, and `w` is a static function.
        unsafe { slot.store(w as WriteEntry) };
        let f = slot.load().unwrap();
        // SAFETY: `w` ignores its arguments.
        let s = unsafe { f(std::ptr::null_mut(), std::ptr::null(), std::ptr::null_mut()) };
        assert_eq!(s, Status::DECLINED);
    }
}
