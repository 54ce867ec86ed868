//! serde: a schema-aware view serializes to canonical JSON (or any serde format), and a
//! `ValueSeed` reads any self-describing serde format straight into a Fory value.
//!
//! ```sh
//! cargo run -p foryjit --example serde_json
//! ```

use foryjit::ForyJit;
use serde::de::DeserializeSeed;

const IDL: &str = r#"
package media;
enum Kind [id=400] { PHOTO = 0; VIDEO = 1; }
message Clip [id=401] {
    string title = 1;
    Kind kind = 2;
    bytes thumbnail = 3;
    map<string, int64> tags = 4;
}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fory = ForyJit::builder().build();
    let clip = fory.load_idl(IDL)?.get("media.Clip").ok_or("media.Clip missing")?;

    // JSON text -> Fory value, without a serde_json::Value in between.
    let text =
        r#"{"title": "sunset", "kind": "VIDEO", "thumbnail": "AAEC", "tags": {"views": 12}}"#;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = fory.value_seed(clip).deserialize(&mut de)?;
    let bytes = fory.serialize(&value)?;
    println!("fory bytes: {}", bytes.len());

    // Fory value -> JSON text through the view's Serialize.
    let json = serde_json::to_string(&fory.view(&value))?;
    println!("json: {json}");

    // The same value through MessagePack gives the same Fory bytes.
    let packed = rmp_serde::to_vec(&fory.view(&value))?;
    let mut de = rmp_serde::Deserializer::new(&packed[..]);
    let again = fory.value_seed(clip).deserialize(&mut de)?;
    assert_eq!(fory.serialize(&again)?, bytes);
    println!("messagepack: {} bytes, same Fory bytes after the round trip", packed.len());

    // The JSON API without serde.
    assert_eq!(fory.to_json(clip, &value)?, serde_json::from_str::<serde_json::Value>(&json)?);
    Ok(())
}
