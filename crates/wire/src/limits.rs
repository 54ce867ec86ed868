//! Limits that bound what reading untrusted bytes (and writing user values) may cost.

/// Per-call limits shared by both tiers. Each bound is checked **before** memory is reserved.
///
/// # Writing within the read limits
///
/// An engine does not write what it would refuse to read: the writer holds itself to the
/// limits that are cheap to check while writing, and fails with the error the reader would
/// give (`LengthLimit`, `OutputLimit`, `DepthLimit`) having written nothing of the offending
/// item:
///
/// | limit | on write |
/// |---|---|
/// | `max_depth` | the same nesting count |
/// | `max_string_bytes` | encoded bytes of each string (under the engine's string policy) |
/// | `max_binary_bytes` | bytes of each binary and dense array |
/// | `max_collection_len` | elements of each list and set, entries of each map |
/// | `max_output_bytes`, `max_graph_memory_bytes` | payload size: at most the smaller of the two ([`CodecLimits::max_payload_bytes`]) |
///
/// Every payload byte apart from type metadata materializes at least one byte when read, so a
/// payload longer than `max_graph_memory_bytes` could not be read back. The writer does not
/// compute the reader's exact charge, though (each struct field, list element or map entry
/// costs a 32-byte slot): a shorter payload of many small items can still exceed the budget
/// when read. Not checked on write either: `max_shared_copy_values` (a tree read of a graph's
/// payload), `max_unbacked_container_items`, and the TypeDef limits (our own TypeDefs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecLimits {
    /// Nesting depth of structs and containers (default 50, pyfory's `max_depth`). Protects the
    /// stack: every level is a native call in both tiers.
    pub max_depth: u32,
    /// Bytes of one string (default 64 MiB).
    pub max_string_bytes: usize,
    /// Bytes of one binary or dense array (default 256 MiB).
    pub max_binary_bytes: usize,
    /// Elements of one list, set or map (default 16 Mi). Independently, a reader never
    /// preallocates more elements than the remaining input can hold.
    pub max_collection_len: usize,
    /// Values that back-references (`fe id`) may copy in one read (default 1 Mi). A `Value` is a
    /// tree, so a shared reference is materialized as a copy; this bounds the amplification a
    /// hostile payload of many references could cause.
    pub max_shared_copy_values: usize,
    /// Size of one serialized payload (default 2 GiB - 1). Writes past it (or past
    /// `max_graph_memory_bytes`, see above) fail instead of growing.
    pub max_output_bytes: usize,
    /// Fields in one received struct TypeDef (default 512, the peers' `max_type_fields`).
    /// Checked before any field is parsed, so a hostile field count allocates nothing.
    pub max_type_fields: usize,
    /// Body bytes of one received TypeDef, without its 8-byte header and size varint (default
    /// 4096, the peers' `max_type_meta_bytes`). Checked before the body is read.
    pub max_type_meta_bytes: usize,
    /// Distinct remote TypeDefs (schema versions) cached for one registered type (default 10,
    /// the peers' `max_schema_versions_per_type`). Bounds the reader-program cache when peers
    /// keep sending new versions of one type; one more version is an error.
    pub max_schema_versions_per_type: usize,
    /// Average cached versions per type across all cached types (default 3, the peers'
    /// `max_average_schema_versions_per_type`), enforced once more than a few types are cached.
    pub max_average_schema_versions_per_type: usize,
    /// Approximate bytes one root read may materialize — `Value` slots of structs, lists and
    /// maps (32 bytes each) plus string, binary and array bytes (default 128 MiB, the peers'
    /// `max_graph_memory_bytes`). Bounds what a small hostile payload can make the reader
    /// allocate, whatever the other limits allow.
    pub max_graph_memory_bytes: usize,
    /// List/set elements and map entries in one root read whose encoding took no input bytes
    /// (for example fieldless structs in compatible mode), default 8192 (the peers'
    /// `max_unbacked_container_items`; 0 = none allowed). Stops payloads that declare millions
    /// of free elements.
    pub max_unbacked_container_items: usize,
}

impl CodecLimits {
    /// The largest payload a writer produces: `max_output_bytes`, and no more than
    /// `max_graph_memory_bytes`, since a longer payload would be refused when read back.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_output_bytes.min(self.max_graph_memory_bytes)
    }
}

impl Default for CodecLimits {
    fn default() -> Self {
        CodecLimits {
            max_depth: 50,
            max_string_bytes: 64 << 20,
            max_binary_bytes: 256 << 20,
            max_collection_len: 16 << 20,
            max_shared_copy_values: 1 << 20,
            max_output_bytes: (i32::MAX) as usize,
            max_type_fields: 512,
            max_type_meta_bytes: 4096,
            max_schema_versions_per_type: 10,
            max_average_schema_versions_per_type: 3,
            max_graph_memory_bytes: 128 << 20,
            max_unbacked_container_items: 8192,
        }
    }
}
