//! Serializes or deserializes one of the standard benchmark shapes in a loop, for instruction
//! counts under callgrind (two runs of different lengths; the difference removes the setup):
//!
//! ```sh
//! cargo build --release -p foryjit --example shape_loop
//! valgrind --tool=callgrind target/release/examples/shape_loop MediaContent ser jit 20000
//! ```
//!
//! Arguments: shape (`NumericStruct`, `Sample`, `MediaContent`, and the `...List` shapes), `ser`
//! or `de`, `jit` or `interp`, iterations, and optionally `compatible`.

use foryjit::{ForyJit, Tier};

const FDL: &str = include_str!("../../../benches/data/shapes.fdl");

fn shape_json(name: &str) -> Option<&'static str> {
    Some(match name {
        "NumericStruct" => include_str!("../../../benches/data/NumericStruct.json"),
        "Sample" => include_str!("../../../benches/data/Sample.json"),
        "MediaContent" => include_str!("../../../benches/data/MediaContent.json"),
        "NumericStructList" => include_str!("../../../benches/data/NumericStructList.json"),
        "SampleList" => include_str!("../../../benches/data/SampleList.json"),
        "MediaContentList" => include_str!("../../../benches/data/MediaContentList.json"),
        _ => return None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: shape_loop SHAPE ser|de jit|interp ITERATIONS [compatible]";
    let [shape, op, tier, n, rest @ ..] = args.as_slice() else { return Err(usage.into()) };
    let json = shape_json(shape).ok_or(usage)?;
    let tier = match tier.as_str() {
        "jit" => Tier::Compiled,
        "interp" => Tier::Interpreter,
        _ => return Err(usage.into()),
    };
    let n: u64 = n.parse()?;
    let compatible = rest.first().is_some_and(|m| m == "compatible");
    let fory = ForyJit::builder().tier(tier).compatible(compatible).build();
    let ty = fory.load_idl(FDL)?.get(&format!("bench.{shape}")).ok_or("no such type")?;
    let value = fory.from_json(ty, &serde_json::from_str(json)?)?;
    let bytes = fory.serialize(&value)?;
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut sink = 0usize;
    for _ in 0..n {
        match op.as_str() {
            "ser" => {
                out.clear();
                fory.serialize_into(std::hint::black_box(&value), &mut out)?;
                sink += out.len();
            }
            "de" => sink += std::mem::size_of_val(&fory.deserialize(std::hint::black_box(&bytes))?),
            _ => return Err(usage.into()),
        }
    }
    println!("{shape} {op}: {n} iterations, {} bytes, {sink}", bytes.len());
    Ok(())
}
