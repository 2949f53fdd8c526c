//! The engine's one way of doing pieces of work at once (see `check::check_text_in`).

/// `work` done for each of `items`, the results in the items' order: the
/// last item on the calling thread, each of the others on a thread of its
/// own (the caller would only wait otherwise, and each thread that allocates
/// costs the allocator a heap of its own). An item whose thread the system
/// refuses (a limit on processes or memory) is done on the calling thread
/// instead, after the others have started: the result is the same, only later.
pub(crate) fn each_on_a_thread<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let Some((last, others)) = items.split_last() else { return Vec::new() };
    std::thread::scope(|scope| {
        let work = &work;
        let started: Vec<_> = others
            .iter()
            .map(|item| std::thread::Builder::new().spawn_scoped(scope, move || work(item)).map_err(|_| item))
            .collect();
        let last = work(last);
        let mut results: Vec<R> = started
            .into_iter()
            .map(|thread| match thread {
                // A piece of work that panicked is a bug; it panics here too, as it would have on one thread.
                Ok(running) => running.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(item) => work(item),
            })
            .collect();
        results.push(last);
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_results_in_the_items_order() {
        let items: Vec<u64> = (0..8).collect();
        assert_eq!(each_on_a_thread(&items, |n| n * n), [0, 1, 4, 9, 16, 25, 36, 49]);
        assert!(each_on_a_thread(&[] as &[u64], |n| *n).is_empty());
    }
}
