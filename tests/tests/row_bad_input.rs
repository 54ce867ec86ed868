//! Corrupt rows: truncations and bit flips of rows of random values (`tests/schemas/row/row.fdl`,
//! fixed seed; `FORYJIT_SEED` picks another) give typed errors, never a panic or an
//! out-of-bounds read; whatever a corrupt row decodes to can be written again.

use foryjit::row::{RowErrorKind, RowField, RowView};
use foryjit::{Error, ForyJit, TypeHandle};
use foryjit_tests::row_gen::RowGen;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FDL: &str = include_str!("../schemas/row/row.fdl");

/// Reads every field of the view and of everything nested in it (errors are fine).
fn touch_all(v: &RowView<'_>) {
    for i in 0..v.num_fields() {
        let _ = v.is_null(i);
        if let Ok(f) = v.get(i) {
            touch(f);
        }
    }
}

fn touch(f: RowField<'_>) {
    match f {
        RowField::Struct(r) => touch_all(&r),
        RowField::Array(a) => a.iter().flatten().for_each(touch),
        RowField::Map(m) => {
            m.keys().iter().flatten().for_each(touch);
            m.values().iter().flatten().for_each(touch);
        }
        _ => {}
    }
}

fn check_corrupt(fory: &ForyJit, ty: TypeHandle, bytes: &[u8], what: &str) {
    let codec = fory.row_codec();
    if let Ok(v) = codec.view(ty.index(), bytes) {
        touch_all(&v);
    }
    match fory.from_row(ty, bytes) {
        Ok(value) => {
            // Accepted: it is a valid value of the type, so it writes and reads back.
            let again = fory.to_row(&value).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(fory.from_row(ty, &again).unwrap().bit_eq(&value), "{what}");
        }
        Err(Error::Row(_)) => {}
        Err(other) => panic!("{what}: not a row error: {other}"),
    }
}

#[test]
fn truncations_and_bit_flips_give_typed_errors() {
    let fory = ForyJit::default();
    let schema = fory.load_idl(FDL).unwrap();
    let types = [schema.get("rowt.All").unwrap(), schema.get("rowt.Timed").unwrap()];
    let codec = fory.row_codec();
    let seed = foryjit_tests::seed_from_env(0x0509_2026);
    let mut rng = StdRng::seed_from_u64(seed);
    let gen = RowGen::default();
    for case in 0..200 {
        let ty = types[case % 2];
        let value = gen.message(codec.registry(), ty.index(), &mut rng, 0);
        let row = fory.to_row(&value).unwrap();
        let what = format!("seed {seed:#x} case {case}");
        // Truncations: always an error, and a typed one.
        for _ in 0..16 {
            let n = rng.random_range(0..row.len());
            match fory.from_row(ty, &row[..n]) {
                Err(Error::Row(e)) => assert!(
                    matches!(e.kind, RowErrorKind::OutOfBounds { .. } | RowErrorKind::Corrupt(_)),
                    "{what}: truncated to {n}: {e}"
                ),
                other => panic!("{what}: truncated to {n}: {other:?}"),
            }
            if let Ok(v) = codec.view(ty.index(), &row[..n]) {
                touch_all(&v);
            }
        }
        // Bit flips: one to four bits.
        for _ in 0..16 {
            let mut bad = row.clone();
            for _ in 0..rng.random_range(1..=4) {
                let bit = rng.random_range(0..bad.len() * 8);
                bad[bit / 8] ^= 1 << (bit % 8);
            }
            check_corrupt(&fory, ty, &bad, &what);
        }
        // Random offset+size words in random 8-aligned places.
        for _ in 0..8 {
            let mut bad = row.clone();
            let at = rng.random_range(0..bad.len() / 8) * 8;
            let word = if rng.random_bool(0.5) {
                rng.random::<u64>()
            } else {
                (u64::from(rng.random_range(0..bad.len() as u32 + 16)) << 32)
                    | u64::from(rng.random_range(0..64u32))
            };
            bad[at..at + 8].copy_from_slice(&word.to_le_bytes());
            check_corrupt(&fory, ty, &bad, &what);
        }
    }
}
