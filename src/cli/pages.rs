//! Which pages the allocator's memory comes in: small ones, unless the heap
//! is going to be large.
//!
//! mimalloc asks the kernel for transparent huge pages (2 MiB) on all the
//! memory it reserves. Each first touch of a 2 MiB stretch then takes a whole
//! huge page, however little of it is used, and every thread's heap touches
//! stretches of its own. A form of 1 MB peaked at 16.2 MiB with them and at
//! 11.6 MiB without (2.1-2.3 times the form above an empty form's peak
//! instead of 7.1), at about the same speed; a replay of 2,000 mails at 29
//! instead of 36 MiB. Only a heap of tens of MiB, the check of a registry
//! dump, is faster with them (about 6% on 11 MB: BENCHMARKS.md, "Eleventh
//! session"). So the process turns them off first thing in `main`, and
//! `check` allows them again for a form that large. (What the runtime
//! allocates before `main` may still sit on a huge page: the one
//! reservation mimalloc makes then is marked for them.)
//!
//! Both are only about speed and memory: where the kernel refuses (another
//! system, a sandbox), the process goes on with the pages it has.

/// From this size a form's check has a heap large enough for huge pages to pay.
pub const HUGE_PAGES_FROM_BYTES: u64 = 8 << 20;

/// Small pages from here on: called first thing in `main`.
pub fn start_with_small_pages() {
    set_huge_pages_disabled(true);
}

/// Huge pages from here on, for a heap known to grow large.
pub fn allow_huge_pages() {
    set_huge_pages_disabled(false);
}

#[cfg(target_os = "linux")]
fn set_huge_pages_disabled(disabled: bool) {
    // The flag is the whole process's, and mimalloc's reservations carry the
    // kernel's "huge pages wanted" mark, so clearing the flag again is enough.
    let _ = rustix::thread::disable_transparent_huge_pages(disabled);
}

#[cfg(not(target_os = "linux"))]
fn set_huge_pages_disabled(_disabled: bool) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn huge_pages_go_off_and_on_again() {
        start_with_small_pages();
        assert_eq!(rustix::thread::transparent_huge_pages_are_disabled().ok(), Some(true));
        allow_huge_pages();
        assert_eq!(rustix::thread::transparent_huge_pages_are_disabled().ok(), Some(false));
    }
}
