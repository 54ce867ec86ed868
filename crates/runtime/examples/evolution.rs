//! Compatible-mode evolution between two versions of a schema: v2 reads v1's bytes (and back),
//! the evolution report says what matched, and strict evolution refuses a lossy read.
//!
//! ```sh
//! cargo run -p foryjit --example evolution
//! ```

use foryjit::ForyJit;

const V1: &str = "package app; message User [id=600] {
    string name = 1; int32 age = 2; string legacy = 3; }";
const V2: &str = "package app; message User [id=600] {
    string name = 1; int32 age = 2; optional string email = 4; }";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let old = ForyJit::builder().build();
    let user_v1 = old.load_idl(V1)?.get("app.User").ok_or("v1 missing")?;
    let new = ForyJit::builder().build();
    let user_v2 = new.load_idl(V2)?.get("app.User").ok_or("v2 missing")?;

    // v1 -> v2: `legacy` is skipped, `email` is null.
    let v1 =
        old.from_json(user_v1, &serde_json::json!({"name": "Ada", "age": 36, "legacy": "x"}))?;
    let read = new.deserialize(&old.serialize(&v1)?)?;
    println!("v2 reads v1: {}", new.view(&read));
    for e in new.evolution_report() {
        println!(
            "  {}: matched {:?}, skipped {:?}, defaulted {:?}",
            e.type_name, e.matched, e.skipped, e.defaulted
        );
    }

    // v2 -> v1: `email` is skipped, `legacy` (not nullable) takes its default "".
    let v2 =
        new.from_json(user_v2, &serde_json::json!({"name": "Bo", "age": 7, "email": "bo@x"}))?;
    let read = old.deserialize(&new.serialize(&v2)?)?;
    println!("v1 reads v2: {}", old.view(&read));

    // Strict evolution turns the silent loss into an error naming the field.
    let strict = ForyJit::builder().strict_evolution(true).build();
    strict.load_idl(V2)?;
    match strict.deserialize(&old.serialize(&v1)?) {
        Ok(_) => return Err("strict evolution accepted a lossy read".into()),
        Err(e) => println!("strict: {e}"),
    }
    Ok(())
}
