//! The two MurmurHash3 variants Fory uses: x64_128 (seed 47) for schema hashes, meta-string
//! hashes and TypeDef hashes, and x86_32 (seed 0) for FDL auto type ids.

/// Lane 0 of `murmur3_x64_128(bytes, seed)` as a `u64`.
pub fn murmur3_x64_128_lane0(bytes: &[u8], seed: u32) -> u64 {
    let mut cursor = std::io::Cursor::new(bytes);
    // Reading from an in-memory cursor cannot fail.
    let h: u128 = murmur3::murmur3_x64_128(&mut cursor, seed).unwrap_or(0);
    h as u64
}

/// `murmur3_x86_32(bytes, seed)`.
pub fn murmur3_x86_32(bytes: &[u8], seed: u32) -> u32 {
    let mut cursor = std::io::Cursor::new(bytes);
    murmur3::murmur3_32(&mut cursor, seed).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_fory_examples() {
        // FDL auto id of golden.AutoId (protocol notes §17).
        assert_eq!(murmur3_x86_32(b"golden.AutoId", 0), 2714443544);
        // Struct hash of Point: low 32 bits of lane 0 of the fingerprint hash.
        let h = murmur3_x64_128_lane0(b"1,5,0,0;2,5,0,0;", 47) as u32;
        assert_eq!(h.to_le_bytes(), [0x3d, 0x37, 0x2c, 0x49]);
        // The fory crate's hash of a struct without fields (empty fingerprint).
        assert_eq!(murmur3_x64_128_lane0(b"", 47) as u32, 0x0be9_a13a);
    }
}
