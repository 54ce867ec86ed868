//! Mirror code for the peer systems of the shapes benchmark, one module per system.
//!
//! Every peer value is built from the same shape JSON as the foryjit values and the fory
//! mirror structs:
//!
//! - [`serde_shapes`]: serde-derived structs (`rmp-serde`), read with `serde_json::from_value`;
//! - [`prost_shapes`]: hand-written `prost::Message` structs, converted from the serde structs;
//! - [`reflect_shapes`]: the proto3 descriptor built in code and a JSON → `DynamicMessage` walk;
//! - [`avro_shapes`]: hand-written Avro schemas and a JSON → Avro `Value` walk;
//! - `rmpv::Value`: [`rmpv_value`], the dynamic reading of the `rmp-serde` bytes;
//! - `serde_json::Value`: the shape JSON itself.

pub mod avro_shapes;
pub mod prost_shapes;
pub mod reflect_shapes;
pub mod serde_shapes;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A serde struct of shape `name`, read from the shape JSON.
pub fn serde_from_json<S: DeserializeOwned>(name: &str, json: &serde_json::Value) -> S {
    serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("{name}: shape JSON does not fit the serde struct: {e}"))
}

/// The `rmp-serde` encoding of `record`: struct-map ("named") MessagePack, field names as keys.
pub fn msgpack_named<S: Serialize>(record: &S) -> Vec<u8> {
    rmp_serde::to_vec_named(record).expect("rmp-serde encodes the shape")
}

/// The `rmpv::Value` of a shape: the dynamic reading of its `rmp-serde` struct-map encoding
/// (maps keyed by field name, `float32` fields as MessagePack float32, enums as their names).
pub fn rmpv_value<S: Serialize>(record: &S) -> rmpv::Value {
    let bytes = msgpack_named(record);
    rmpv::decode::read_value(&mut bytes.as_slice()).expect("rmpv reads rmp-serde bytes")
}
