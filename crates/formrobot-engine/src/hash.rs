//! A fast hash for the engine's own small tables (attribute names, handles).
//!
//! The standard library's SipHash resists flooding by chosen keys; the engine
//! hashes short names from one submission in tables that a submission cannot
//! make degenerate beyond its own size (a few dozen names per template, keys
//! bounded by the form's length), so speed is what matters here. This is the
//! multiply-and-rotate hash rustc uses for its own tables (FxHash).

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`FxHasher`]s: `HashMap<K, V, FastHash>`.
pub(crate) type FastHash = BuildHasherDefault<FxHasher>;

/// The hasher: eight bytes at a time, one multiplication each.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in chunks.by_ref() {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u32(&mut self, number: u32) {
        self.add(u64::from(number));
    }

    fn write_u64(&mut self, number: u64) {
        self.add(number);
    }

    fn write_usize(&mut self, number: usize) {
        self.add(number as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tells_names_apart() {
        let names = ["aut-num", "as-name", "descr", "import", "export", "mp-import", "mp-export", "admin-c", "tech-c"];
        let set: HashSet<&str, FastHash> = names.iter().copied().collect();
        assert_eq!(set.len(), names.len());
        assert!(names.iter().all(|name| set.contains(name)));
        assert!(!set.contains("aut-nun"));
    }
}
