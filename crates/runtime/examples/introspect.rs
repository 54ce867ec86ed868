//! Introspection: the fields, tag ids, types and nullability of registered types, and what a
//! peer's TypeDef says about a type this engine never registered.
//!
//! ```sh
//! cargo run -p foryjit --example introspect
//! ```

use foryjit::introspect::TypeSchema;
use foryjit::{ForyJit, Value};

const IDL: &str = r#"
package zoo;
enum Diet [id=500] { HERBIVORE = 0; CARNIVORE = 1; }
message Animal [id=501] {
    string name = 1;
    optional int32 age = 2;
    Diet diet = 3;
    list<string> friends = 4;
}
union Tag [id=502] { string label = 1; int64 number = 2; }
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fory = ForyJit::builder().build();
    fory.load_idl(IDL)?;
    for ty in fory.registered_types() {
        match ty {
            TypeSchema::Message(m) => {
                println!("message {} ({:?})", m.full_name, m.registration);
                for f in &m.fields {
                    let null = if f.nullable { " nullable" } else { "" };
                    println!("  {} = {:?}: {}{null}", f.name, f.tag, f.type_name());
                }
            }
            TypeSchema::Enum(e) => {
                let names: Vec<_> =
                    e.members.iter().map(|m| format!("{}={}", m.name, m.value)).collect();
                println!("enum {}: {}", e.full_name, names.join(", "));
            }
            TypeSchema::Union(u) => {
                let cases: Vec<_> =
                    u.cases.iter().map(|c| format!("{}={}", c.name, c.id)).collect();
                println!("union {}: {}", u.full_name, cases.join(", "));
            }
            other => println!("{}", other.full_name()),
        }
    }

    // A reader without the schema still sees the writer's field list.
    let animal = fory.type_handle("zoo.Animal").ok_or("zoo.Animal missing")?;
    let json = serde_json::json!({"name": "Rex", "age": 3, "diet": "CARNIVORE", "friends": []});
    let bytes = fory.serialize(&fory.from_json(animal, &json)?)?;
    let stranger = ForyJit::builder().build();
    let Value::Unknown(unknown) = stranger.deserialize(&bytes)? else {
        return Err("expected an unknown struct".into());
    };
    let remote = stranger.describe_unknown(&unknown)?;
    println!("remote {:?} as the writer described it:", remote.ident);
    for f in &remote.fields {
        println!("  {:?}: {} (nullable: {})", f.key, f.type_name, f.nullable);
    }
    assert_eq!(remote.fields.len(), 4);
    Ok(())
}
