//! Rows are read only within their slice: each row (and every truncation and single-bit flip of
//! it) is copied so that its last byte is the last readable byte before a `PROT_NONE` page, then
//! read with `from_row` and with a view touching every field, element, key and value. An
//! over-read of even one byte crashes the process; every read must instead return a value or a
//! typed error.

#[cfg(not(unix))]
#[test]
fn row_guard_page_reads() {
    println!("SKIPPED row_guard_page_reads: needs mmap/mprotect (unix only)");
}

#[cfg(unix)]
#[test]
fn row_guard_page_reads() {
    unix::run();
}

#[cfg(unix)]
mod unix {
    use foryjit::row::{RowField, RowView};
    use foryjit::ForyJit;

    const FDL: &str = include_str!("../../../tests/schemas/row/row.fdl");

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
            // `&mut self` guarantees no slice handed out earlier is still alive, and `data`
            // cannot overlap the mapping, which is only handed out as `&[u8]` tied to `&mut self`.
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

    fn touch_row(v: &RowView<'_>) {
        for i in 0..v.num_fields() {
            if let Ok(f) = v.get(i) {
                touch(f);
            }
        }
    }

    fn touch(f: RowField<'_>) {
        match f {
            RowField::Struct(r) => touch_row(&r),
            RowField::Array(a) => a.iter().flatten().for_each(touch),
            RowField::Map(m) => {
                m.keys().iter().flatten().for_each(touch);
                m.values().iter().flatten().for_each(touch);
            }
            _ => {}
        }
    }

    pub fn run() {
        let fory = ForyJit::default();
        let schema = fory.load_idl(FDL).unwrap();
        let all = schema.get("rowt.All").unwrap();
        let codec = fory.row_codec();
        let values = [
            serde_json::json!({"flag": true, "tiny": -1, "small": 2, "medium": 3, "big": 4,
                "single": 1.5, "double": 2.5, "text": "héllo wörld", "blob": "AAECAwQFBgcICQ==",
                "day": "2020-01-02", "at": "2024-01-02T03:04:05.123456Z", "shorts": [1, 2, 3],
                "names": ["a", null, "bcdefghij"], "counts": {"k": 5, "z": null},
                "inner": {"a": 7, "s": "in"}, "inners": [{"a": 1, "s": null}, {"a": 2, "s": "x"}],
                "nested": [[1, 2], [], [3]], "maybe": 9, "floats": [0.5, 1.0],
                "groups": [[3, ["x", "yy"]], [-1, []]]}),
            serde_json::json!({"flag": false, "tiny": 0, "small": 0, "medium": 0, "big": 0,
                "single": 0.0, "double": 0.0, "text": "", "blob": "", "day": "1970-01-01",
                "at": "1970-01-01T00:00:00Z", "shorts": [], "names": [], "counts": {},
                "inner": null, "inners": [], "nested": [], "maybe": null, "floats": [],
                "groups": []}),
        ];
        let mut guard = Guarded::new(1 << 16);
        let mut inputs = 0usize;
        for json in &values {
            let row = fory.to_row(&fory.from_json(all, json).unwrap()).unwrap();
            let mut variants: Vec<Vec<u8>> = (0..=row.len()).map(|n| row[..n].to_vec()).collect();
            for bit in 0..row.len() * 8 {
                let mut b = row.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                variants.push(b);
            }
            for input in &variants {
                let placed = guard.place(input);
                match fory.from_row(all, placed) {
                    Ok(_) | Err(foryjit::Error::Row(_)) => {}
                    Err(e) => panic!("not a row error: {e}"),
                }
                if let Ok(v) = codec.view(all.index(), placed) {
                    touch_row(&v);
                }
                inputs += 1;
            }
        }
        assert!(inputs > 1000);
    }
}
