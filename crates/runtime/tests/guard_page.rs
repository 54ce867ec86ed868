//! Untrusted bytes are read only within their slice: every input is copied so that its last
//! byte is the last readable byte before a `PROT_NONE` page, then deserialized by compiled code
//! and by the interpreter. An over-read of even one byte crashes the process; every call must
//! instead return a value or a typed error (the same one in both tiers).
//!
//! Inputs: the same-schema golden payloads (written by pyfory), payloads of generated schemas
//! (every scalar kind, strings, bytes, arrays, lists, maps, enums, nested and nullable fields),
//! every truncation of each, and random single-bit flips.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

#[cfg(not(unix))]
#[test]
fn guard_page_reads() {
    println!("SKIPPED guard_page_reads: needs mmap/mprotect (unix only)");
}

#[cfg(unix)]
#[test]
fn guard_page_reads() {
    unix::run();
}

/// The guard is live: reading one byte past a placed input kills the process (checked in a child
/// process, the test binary re-run with an environment switch).
#[cfg(unix)]
#[test]
fn the_guard_page_is_armed() {
    use std::os::unix::process::ExitStatusExt;
    const SWITCH: &str = "FORYJIT_GUARD_PAGE_OVERREAD";
    if std::env::var_os(SWITCH).is_some() {
        unix::overread();
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let status = std::process::Command::new(exe)
        .args(["the_guard_page_is_armed", "--exact", "--test-threads=1"])
        .env(SWITCH, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("re-run the test binary");
    let signal = status.signal();
    assert!(
        signal == Some(libc::SIGSEGV) || signal == Some(libc::SIGBUS),
        "an over-read did not fault: {status:?}"
    );
}

#[cfg(unix)]
mod unix {
    use foryjit::{bf16, f16, EnumValue, ForyJit, StructValue, Tier, TypeIdx, Value};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Readable, writable pages followed by one `PROT_NONE` page.
    struct Guarded {
        base: *mut u8,
        readable: usize,
        total: usize,
    }

    impl Guarded {
        fn new(min_readable: usize) -> Guarded {
            // SAFETY: `sysconf` has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let page = usize::try_from(page).ok().filter(|&p| p > 0).unwrap_or(4096);
            let readable = min_readable.div_ceil(page).max(1) * page;
            let total = readable + page;
            // SAFETY: a fresh anonymous private mapping with no address hint; the result is
            // checked before use.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    total,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            assert_ne!(base, libc::MAP_FAILED, "mmap failed");
            let base = base.cast::<u8>();
            // SAFETY: `base + readable .. base + total` is the last page of the mapping above.
            let rc = unsafe {
                libc::mprotect(base.add(readable).cast(), total - readable, libc::PROT_NONE)
            };
            assert_eq!(rc, 0, "mprotect failed");
            Guarded { base, readable, total }
        }

        /// A copy of `data` ending exactly at the guard page.
        fn place(&mut self, data: &[u8]) -> &[u8] {
            assert!(data.len() <= self.readable, "input larger than the guarded buffer");
            let start = self.readable - data.len();
            // SAFETY: `start .. readable` lies in the readable, writable part of the mapping;
            // `&mut self` guarantees no slice handed out earlier is still alive; `data` cannot
            // overlap the mapping, which only this struct hands out and only as `&[u8]` tied
            // to `&mut self`.
            unsafe {
                let dst = self.base.add(start);
                std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
                std::slice::from_raw_parts(dst, data.len())
            }
        }
    }

    impl Drop for Guarded {
        fn drop(&mut self) {
            // SAFETY: unmaps exactly the mapping created in `new`; no slice of it outlives
            // `self` (they borrow it).
            unsafe {
                libc::munmap(self.base.cast(), self.total);
            }
        }
    }

    struct Engines {
        interp: ForyJit,
        jit: ForyJit,
    }

    fn engines(fdl: &str) -> Result<Engines, String> {
        let make = |tier| {
            let f = ForyJit::builder().tier(tier).build();
            f.load_idl(fdl).map(|_| f).map_err(|e| e.to_string())
        };
        Ok(Engines { interp: make(Tier::Interpreter)?, jit: make(Tier::Compiled)? })
    }

    /// Deserializes `input` flush against the guard page in both tiers; both must agree.
    fn check(e: &Engines, guard: &mut Guarded, input: &[u8], what: &dyn Fn() -> String) {
        let placed = guard.place(input);
        let a = e.jit.deserialize(placed);
        let b = e.interp.deserialize(placed);
        for r in [&a, &b] {
            if let Err(err) = r {
                assert!(err.as_codec().is_some(), "{}: untyped error {err:?}", what());
            }
        }
        let same = match (&a, &b) {
            (Ok(x), Ok(y)) => x.bit_eq(y),
            (Err(x), Err(y)) => x == y,
            _ => false,
        };
        assert!(same, "{}: compiled {a:?} vs interpreted {b:?}", what());
    }

    /// Checks a valid payload, every truncation of it and `flips` random bit flips.
    fn hammer(
        e: &Engines,
        guard: &mut Guarded,
        rng: &mut StdRng,
        bytes: &[u8],
        flips: usize,
        name: &str,
    ) -> usize {
        let mut calls = 0;
        for cut in (0..=bytes.len()).rev() {
            check(e, guard, &bytes[..cut], &|| format!("{name}: truncated to {cut}"));
            calls += 1;
        }
        let mut flipped = bytes.to_vec();
        for _ in 0..flips.min(bytes.len() * 8) {
            let (at, bit) = (rng.random_range(0..bytes.len()), rng.random_range(0..8));
            flipped[at] ^= 1 << bit;
            check(e, guard, &flipped, &|| format!("{name}: bit {bit} of byte {at} flipped"));
            // Also the flipped payload cut just after the flip.
            check(e, guard, &flipped[..at + 1], &|| format!("{name}: flip at {at} + cut"));
            flipped[at] ^= 1 << bit;
            calls += 2;
        }
        calls
    }

    fn hex(s: &str) -> Option<Vec<u8>> {
        (0..s.len())
            .step_by(2)
            .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect()
    }

    fn golden(guard: &mut Guarded, rng: &mut StdRng) -> usize {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/vectors.json");
        let text = std::fs::read_to_string(path).expect("tests/golden/vectors.json");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors.json is JSON");
        let cases = doc["cases"].as_array().expect("cases");
        let (mut used, mut calls) = (0, 0);
        for case in cases {
            let name = case["name"].as_str().unwrap_or("?");
            let same_schema =
                case["config"]["compatible"] == false && case["config"]["ref"] == false;
            let (Some(fdl), Some(bytes)) =
                (case["fdl"].as_str(), case["hex"].as_str().and_then(hex))
            else {
                continue;
            };
            if !same_schema {
                continue;
            }
            let e = match engines(fdl) {
                Ok(e) => e,
                Err(why) => {
                    println!("golden {name}: not loadable ({why}), skipped");
                    continue;
                }
            };
            calls += hammer(&e, guard, rng, &bytes, 256, &format!("golden {name}"));
            used += 1;
        }
        assert!(used >= 10, "only {used} golden cases were usable");
        println!("golden: {used} payloads, {calls} guarded reads per tier");
        calls
    }

    #[derive(Clone, Copy)]
    enum Kind {
        Bool,
        I8,
        I16,
        I32,
        FI32,
        I64,
        FI64,
        TI64,
        U8,
        U16,
        U32,
        FU32,
        U64,
        FU64,
        TU64,
        F16,
        BF16,
        F32,
        F64,
        Str,
        Bytes,
        ArrI32,
        ArrF64,
        ListI64,
        ListStr,
        MapStrI32,
        Enum,
        Inner,
        ListInner,
    }

    const KINDS: [(Kind, &str); 29] = [
        (Kind::Bool, "bool"),
        (Kind::I8, "int8"),
        (Kind::I16, "int16"),
        (Kind::I32, "int32"),
        (Kind::FI32, "fixed int32"),
        (Kind::I64, "int64"),
        (Kind::FI64, "fixed int64"),
        (Kind::TI64, "tagged int64"),
        (Kind::U8, "uint8"),
        (Kind::U16, "uint16"),
        (Kind::U32, "uint32"),
        (Kind::FU32, "fixed uint32"),
        (Kind::U64, "uint64"),
        (Kind::FU64, "fixed uint64"),
        (Kind::TU64, "tagged uint64"),
        (Kind::F16, "float16"),
        (Kind::BF16, "bfloat16"),
        (Kind::F32, "float32"),
        (Kind::F64, "float64"),
        (Kind::Str, "string"),
        (Kind::Bytes, "bytes"),
        (Kind::ArrI32, "array<int32>"),
        (Kind::ArrF64, "array<float64>"),
        (Kind::ListI64, "list<int64>"),
        (Kind::ListStr, "list<string>"),
        (Kind::MapStrI32, "map<string, int32>"),
        (Kind::Enum, "E"),
        (Kind::Inner, "Inner"),
        (Kind::ListInner, "list<Inner>"),
    ];

    fn gen_string(rng: &mut StdRng) -> String {
        const POOL: [&str; 6] = ["", "a", "café", "中文", "a😀", "a longer ascii string here"];
        POOL[rng.random_range(0..POOL.len())].repeat(rng.random_range(0..3))
    }

    fn idx(fory: &ForyJit, name: &str) -> TypeIdx {
        fory.type_handle(name).map(|h| h.index()).unwrap_or(TypeIdx(0))
    }

    fn inner(rng: &mut StdRng, fory: &ForyJit) -> Value {
        let s = if rng.random() { Value::string(gen_string(rng)) } else { Value::Null };
        Value::Struct(StructValue::new(
            idx(fory, "g.Inner"),
            vec![Value::Int32(rng.random()), s, Value::Int64(rng.random())],
        ))
    }

    fn gen_value(rng: &mut StdRng, fory: &ForyJit, k: Kind) -> Value {
        match k {
            Kind::Bool => Value::Bool(rng.random()),
            Kind::I8 => Value::Int8(rng.random()),
            Kind::I16 => Value::Int16(rng.random()),
            Kind::I32 | Kind::FI32 => Value::Int32(rng.random::<i32>() >> rng.random_range(0..32)),
            Kind::I64 | Kind::FI64 | Kind::TI64 => {
                Value::Int64(rng.random::<i64>() >> rng.random_range(0..64))
            }
            Kind::U8 => Value::UInt8(rng.random()),
            Kind::U16 => Value::UInt16(rng.random()),
            Kind::U32 | Kind::FU32 => Value::UInt32(rng.random::<u32>() >> rng.random_range(0..32)),
            Kind::U64 | Kind::FU64 | Kind::TU64 => {
                Value::UInt64(rng.random::<u64>() >> rng.random_range(0..64))
            }
            Kind::F16 => Value::Float16(f16::from_bits(rng.random())),
            Kind::BF16 => Value::BFloat16(bf16::from_bits(rng.random())),
            Kind::F32 => Value::Float32(f32::from_bits(rng.random())),
            Kind::F64 => Value::Float64(f64::from_bits(rng.random())),
            Kind::Str => Value::string(gen_string(rng)),
            Kind::Bytes => {
                Value::Binary((0..rng.random_range(0..20)).map(|_| rng.random()).collect())
            }
            Kind::ArrI32 => {
                Value::Int32Array((0..rng.random_range(0..6)).map(|_| rng.random()).collect())
            }
            Kind::ArrF64 => {
                Value::Float64Array((0..rng.random_range(0..4)).map(|_| rng.random()).collect())
            }
            Kind::ListI64 => Value::list(
                (0..rng.random_range(0..6)).map(|_| Value::Int64(rng.random())).collect(),
            ),
            Kind::ListStr => Value::list(
                (0..rng.random_range(0..4)).map(|_| Value::string(gen_string(rng))).collect(),
            ),
            Kind::MapStrI32 => Value::map(
                (0..rng.random_range(0..4))
                    .map(|i| (Value::string(format!("k{i}")), Value::Int32(rng.random())))
                    .collect(),
            ),
            Kind::Enum => Value::Enum(EnumValue {
                ty: idx(fory, "g.E"),
                value: [0u32, 7, 3][rng.random_range(0..3)],
            }),
            Kind::Inner => inner(rng, fory),
            Kind::ListInner => {
                Value::list((0..rng.random_range(0..3)).map(|_| inner(rng, fory)).collect())
            }
        }
    }

    fn generated(guard: &mut Guarded, rng: &mut StdRng) -> usize {
        let mut calls = 0;
        for s in 0..40 {
            let n = rng.random_range(1..=[4, 12, 40][s % 3]);
            let mut fdl = String::from(
                "package g;\nenum E [id=2] { A = 0; B = 7; C = 3; }\n\
                 message Inner [id=3] { int32 a = 1; optional string s = 2; fixed int64 f = 3; }\n\
                 message M [id=1] {\n",
            );
            let mut fields = Vec::with_capacity(n);
            for i in 0..n {
                let (k, ty) = KINDS[rng.random_range(0..KINDS.len())];
                // Message fields are nullable without `optional` (as in the differential test).
                let is_msg = matches!(k, Kind::Inner);
                let nullable = is_msg || rng.random_bool(0.3);
                let opt = if nullable && !is_msg { "optional " } else { "" };
                fdl.push_str(&format!("  {opt}{ty} f{i} = {};\n", i + 1));
                fields.push((k, nullable));
            }
            fdl.push_str("}\n");
            let e = engines(&fdl).unwrap_or_else(|why| panic!("{why}\n{fdl}"));
            for v in 0..3 {
                let values = fields
                    .iter()
                    .map(|&(k, nullable)| {
                        if nullable && rng.random_bool(0.3) {
                            Value::Null
                        } else {
                            gen_value(rng, &e.jit, k)
                        }
                    })
                    .collect();
                let value = Value::Struct(StructValue::new(idx(&e.jit, "g.M"), values));
                let bytes = e.interp.serialize(&value).unwrap_or_else(|err| panic!("{err}\n{fdl}"));
                calls +=
                    hammer(&e, guard, rng, &bytes, 64, &format!("schema {s} value {v}\n{fdl}"));
            }
        }
        println!("generated: 120 payloads, {calls} guarded reads per tier");
        calls
    }

    /// Reads the first byte after a placed input: must fault.
    pub fn overread() {
        let mut guard = Guarded::new(1);
        let placed = guard.place(&[1, 2, 3]);
        let end = placed.as_ptr_range().end;
        // SAFETY: deliberately not sound: `end` is the first byte of the `PROT_NONE` page, and
        // this read must kill the (child) process before it returns.
        let byte = unsafe { std::ptr::read_volatile(end) };
        println!("read {byte} past the end: the guard page is not armed");
    }

    pub fn run() {
        let mut guard = Guarded::new(64 * 1024);
        let mut rng = StdRng::seed_from_u64(0x6a4d_0001);
        let calls = golden(&mut guard, &mut rng) + generated(&mut guard, &mut rng);
        assert!(calls > 10_000, "{calls}");
    }
}
