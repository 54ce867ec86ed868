//! Quickstart: load a schema from Fory IDL, build a value, serialize it, read it back.
//!
//! ```sh
//! cargo run -p foryjit --example quickstart
//! ```

use foryjit::{ForyJit, StringPolicy, Value};

const IDL: &str = r#"
package shop;
enum Status [id=200] { PENDING = 0; PAID = 1; }
message Order [id=201] {
    string customer = 1;
    list<string> items = 2;
    Status status = 3;
    optional string note = 4;
}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // pyfory-identical strings; compatible mode (the peers' default).
    let fory = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    let order = fory.load_idl(IDL)?.get("shop.Order").ok_or("shop.Order missing")?;

    // Build a value field by field; `set` checks each field's type.
    let mut value = fory.new_struct(order)?;
    fory.set(&mut value, "customer", "Ada")?;
    fory.set(&mut value, "items", vec![Value::from("tea"), Value::from("cake")])?;
    if let Err(e) = fory.set(&mut value, "customer", 42) {
        println!("refused as expected: {e}");
    }
    println!("value: {:?}", fory.view(&value));

    let bytes = fory.serialize(&value)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    println!("{} bytes: {hex}", bytes.len());

    let back = fory.deserialize_as(order, &bytes)?;
    assert_eq!(back, value);
    assert_eq!(fory.get(&back, "customer"), Some(&Value::from("Ada")));
    println!("read back: {}", fory.view(&back));
    Ok(())
}
