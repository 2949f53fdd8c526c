//! The engine's one way of doing pieces of work at once (see `check::check_text_in`).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` done for each of `items` by up to `threads` threads, the calling
/// thread one of them, the results in the items' order. Each thread takes
/// the next item no thread has taken yet, so a thread that runs slower (its
/// core shared with another process, its items longer) does fewer, and the
/// work ends at about the same time on every thread. A thread the system
/// refuses (a limit on processes or memory) is simply not there: the others
/// take its items, and the result is the same, only later.
pub(crate) fn shared_among<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let take_until_none_is_left = || {
        let mut done = Vec::new();
        loop {
            // Relaxed: the counter only hands out indexes; the items are shared read-only.
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else { return done };
            done.push((index, work(item)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(items.len()))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, take_until_none_is_left).ok())
            .collect();
        let mut done = take_until_none_is_left();
        for helper in helpers {
            // A piece of work that panicked is a bug; it panics here too, as it would have on one thread.
            done.extend(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        done
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_results_in_the_items_order() {
        let items: Vec<u64> = (0..50).collect();
        for threads in [1, 2, 3, 8, 100] {
            let squares = shared_among(&items, threads, |n| n * n);
            assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>(), "{threads} threads");
        }
        assert!(shared_among(&[] as &[u64], 4, |n| *n).is_empty());
    }

    #[test]
    fn every_thread_takes_items_while_any_is_left() {
        let items: Vec<u64> = (0..64).collect();
        let threads_seen = std::sync::Mutex::new(std::collections::HashSet::new());
        let results = shared_among(&items, 2, |n| {
            threads_seen.lock().map(|mut seen| seen.insert(std::thread::current().id())).ok();
            std::thread::sleep(std::time::Duration::from_millis(2));
            *n
        });
        assert_eq!(results, items);
        let seen = threads_seen.lock().map(|seen| seen.len()).unwrap_or(0);
        assert_eq!(seen, 2, "both threads took items");
    }
}
