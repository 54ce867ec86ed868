//! Many messages in one file: a length-delimited stream written with TypeDefs shared once,
//! then read back through a memory map and through `io::Read`.
//!
//! ```sh
//! cargo run -p foryjit --example streams
//! ```

use foryjit::stream::{MappedFile, StreamDecoder, StreamReader, StreamWriter};
use foryjit::ForyJit;
use std::fs::File;
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fory = ForyJit::builder().build();
    let reading = fory
        .load_idl(
            "package iot; message Reading [id=300] { string sensor = 1; float64 celsius = 2; }",
        )?
        .get("iot.Reading")
        .ok_or("iot.Reading missing")?;

    let path = std::env::temp_dir().join(format!("foryjit-example-{}.stream", std::process::id()));
    let mut writer = StreamWriter::sharing_typedefs(&fory, BufWriter::new(File::create(&path)?));
    for i in 0..1000 {
        let json = serde_json::json!({"sensor": format!("s{}", i % 7), "celsius": 20.0 + i as f64 / 100.0});
        writer.write(&fory.from_json(reading, &json)?)?;
    }
    writer.flush()?;
    let written = writer.messages();
    drop(writer);
    let size = std::fs::metadata(&path)?.len();
    println!("wrote {written} messages, {size} bytes, to {}", path.display());

    // Zero-copy over a memory map.
    let map = MappedFile::open(&path)?;
    let mut sum = 0.0;
    let mut count = 0;
    for value in StreamDecoder::sharing_typedefs(&fory, map.bytes()) {
        let value = value?;
        if let Some(c) = fory.get(&value, "celsius").and_then(|v| v.as_f64()) {
            sum += c;
        }
        count += 1;
    }
    println!("mapped: {count} messages, mean {:.3} °C", sum / count as f64);

    // Incrementally from any io::Read.
    let first = StreamReader::sharing_typedefs(&fory, File::open(&path)?)
        .next()
        .ok_or("empty stream")??;
    println!("first: {}", fory.view(&first));
    std::fs::remove_file(&path)?;
    assert_eq!(count, 1000);
    Ok(())
}
