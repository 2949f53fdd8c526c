//! A list of facts kept in the runs that found them.
//!
//! The objects of a large form are checked in runs, one per thread, each
//! collecting its own lists. Joining them into one list per kind would copy
//! every fact once more while the runs' lists are still held: for a form of
//! 10,000 aut-nums on two threads, that copy took about 6 MiB of a 45 MiB
//! peak. A `Facts` takes the runs' lists as they are and reads them in order.

use std::fmt;

/// Facts in the order they were found, held as the lists of the runs that found them.
#[derive(Clone)]
pub struct Facts<T> {
    /// The runs' lists, in order; none of them is empty.
    runs: Vec<Vec<T>>,
}

impl<T> Default for Facts<T> {
    fn default() -> Self {
        Facts { runs: Vec::new() }
    }
}

/// The facts a run takes before a new one is started. A list grows by
/// doubling, and each step copies every fact it holds: for 10,000 aut-nums
/// those copies were 7 M of 916 M instructions, and a list held twice its
/// size while it was copied. A small form's lists stay under this and grow
/// as a `Vec` does, so its few facts take no more room than before.
const RUN_CAPACITY: usize = 1024;

impl<T> Facts<T> {
    /// Adds a fact after the others.
    pub fn push(&mut self, fact: T) {
        match self.runs.last_mut() {
            Some(last) if last.len() < last.capacity() || last.len() < RUN_CAPACITY => last.push(fact),
            _ => {
                let mut run = Vec::with_capacity(if self.runs.is_empty() { 1 } else { RUN_CAPACITY });
                run.push(fact);
                self.runs.push(run);
            }
        }
    }

    /// The facts, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone {
        self.runs.iter().flatten()
    }

    /// How many facts there are.
    pub fn len(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        // No run is empty.
        self.runs.is_empty()
    }

    /// The first fact.
    pub fn first(&self) -> Option<&T> {
        self.runs.first().and_then(|run| run.first())
    }

    /// The last fact.
    pub fn last(&self) -> Option<&T> {
        self.runs.last().and_then(|run| run.last())
    }

    /// The fact whose key is `key`, when the facts are ordered by it: a
    /// search for the run, then one in it.
    pub fn find_sorted_by_key<K: Ord>(&self, key: &K, key_of: impl Fn(&T) -> K) -> Option<&T> {
        let run = self.runs.partition_point(|run| run.last().is_some_and(|last| key_of(last) < *key));
        let run = self.runs.get(run)?;
        run.binary_search_by(|fact| key_of(fact).cmp(key)).ok().map(|at| &run[at])
    }

    /// Puts the facts of `more` after these without copying any: its runs
    /// are taken as they are, after `shift` has been applied to each of its
    /// facts (to count objects from the form's start rather than the run's, say).
    pub fn append_shifted(&mut self, mut more: Facts<T>, shift: impl FnMut(&mut T)) {
        more.runs.iter_mut().flatten().for_each(shift);
        self.runs.append(&mut more.runs);
    }
}

impl<T> From<Vec<T>> for Facts<T> {
    fn from(list: Vec<T>) -> Self {
        let runs = if list.is_empty() { Vec::new() } else { vec![list] };
        Facts { runs }
    }
}

impl<'a, T> IntoIterator for &'a Facts<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.runs.iter().flatten()
    }
}

/// Equal when the facts are, however they are split into runs: a form's
/// findings are the same whatever the number of threads.
impl<T: PartialEq> PartialEq for Facts<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Facts<T> {}

impl<T: fmt::Debug> fmt::Debug for Facts<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(lists: &[&[usize]]) -> Facts<usize> {
        let mut facts = Facts::default();
        for (run, list) in lists.iter().enumerate() {
            facts.append_shifted(Facts::from(list.to_vec()), |fact| *fact += 100 * run);
        }
        facts
    }

    #[test]
    fn reads_runs_in_order_and_shifts_each() {
        let facts = runs(&[&[1, 2], &[], &[3]]);
        assert_eq!(facts.iter().copied().collect::<Vec<_>>(), [1, 2, 203]);
        assert_eq!(facts.len(), 3);
        assert_eq!(facts.first(), Some(&1));
        assert_eq!(facts.last(), Some(&203));
        assert!(!facts.is_empty());
        assert!(runs(&[&[], &[]]).is_empty());
        assert_eq!(runs(&[&[], &[]]).first(), None);
    }

    #[test]
    fn equal_however_split() {
        assert_eq!(runs(&[&[1, 2, 3]]), Facts::from(vec![1, 2, 3]));
        let mut pushed = Facts::default();
        [1, 2, 103].into_iter().for_each(|fact| pushed.push(fact));
        assert_eq!(runs(&[&[1, 2], &[3]]), pushed);
        assert_ne!(runs(&[&[1, 2], &[3]]), Facts::from(vec![1, 2, 3]));
        assert_ne!(runs(&[&[1, 2]]), Facts::from(vec![1, 2, 3]));
    }

    #[test]
    fn a_long_list_is_kept_in_runs_that_are_never_copied() {
        let mut facts = Facts::default();
        let mut addresses = Vec::new();
        for fact in 0..5 * RUN_CAPACITY + 3 {
            facts.push(fact);
            addresses.push(facts.last().map(|last| std::ptr::from_ref(last) as usize));
        }
        assert_eq!(facts.iter().copied().collect::<Vec<_>>(), (0..5 * RUN_CAPACITY + 3).collect::<Vec<_>>());
        assert_eq!(facts.len(), 5 * RUN_CAPACITY + 3);
        // From the second run on, no fact moves once pushed.
        let settled: Vec<_> = facts.iter().skip(RUN_CAPACITY).map(|fact| std::ptr::from_ref(fact) as usize).collect();
        assert_eq!(settled, addresses[RUN_CAPACITY..].iter().map(|at| at.unwrap_or(0)).collect::<Vec<_>>());
        assert!(facts.runs.len() >= 5 && facts.runs.iter().all(|run| !run.is_empty() && run.len() <= RUN_CAPACITY));
        for want in [0, 1, RUN_CAPACITY, 3 * RUN_CAPACITY + 7, 5 * RUN_CAPACITY + 2] {
            assert_eq!(facts.find_sorted_by_key(&want, |&fact| fact), Some(&want));
        }
        // A few facts take one small run.
        let mut few = Facts::default();
        (0..3).for_each(|fact| few.push(fact));
        assert_eq!((few.runs.len(), few.runs[0].capacity() < RUN_CAPACITY), (1, true));
    }

    #[test]
    fn finds_by_key_across_runs() {
        let facts = runs(&[&[1, 5], &[0, 7], &[], &[2]]);
        for want in [1, 5, 100, 107, 302] {
            assert_eq!(facts.find_sorted_by_key(&want, |&fact| fact), Some(&want));
        }
        for missing in [0, 2, 6, 101, 200, 303, 1000] {
            assert_eq!(facts.find_sorted_by_key(&missing, |&fact| fact), None, "{missing}");
        }
        assert_eq!(Facts::<usize>::default().find_sorted_by_key(&1, |&fact| fact), None);
    }
}
