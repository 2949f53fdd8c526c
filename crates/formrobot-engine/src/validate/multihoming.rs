//! Multihoming: each aut-num needs enough neighbouring ASes with rules both
//! ways. A rule about one aut-num's attributes, checked as soon as the
//! aut-num is (`object.rs`), on the thread that checks it.

use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::hash::FastHash;
use crate::policy::Direction;
use std::collections::HashMap;

/// The neighbouring ASes the rules of one aut-num name, in the order first
/// named, with whether an inbound and an outbound rule names each: tallied
/// while the aut-num is checked, on the thread that checks it, for
/// [`check_multihoming`]. One tally serves every object of a run in turn and
/// keeps its room, so that 10,000 aut-nums allocate once.
#[derive(Debug, Default)]
pub(super) struct NeighbourTally {
    named: Vec<Neighbour>,
    /// Where each AS number stands in `named`, once it holds more than
    /// [`NEIGHBOURS_SCANNED`]: an aut-num names a handful, but one that names
    /// thousands must not cost a scan of all of them for each.
    place_of: HashMap<u32, usize, FastHash>,
}

#[derive(Debug, Clone, Copy)]
struct Neighbour {
    asn: u32,
    inbound: bool,
    outbound: bool,
}

/// Up to this many neighbours, the tally finds one by looking at each.
const NEIGHBOURS_SCANNED: usize = 16;

impl NeighbourTally {
    /// Forgets the last object's neighbours.
    pub(super) fn clear(&mut self) {
        self.named.clear();
        if !self.place_of.is_empty() {
            self.place_of.clear();
        }
    }

    /// The AS numbers named, in the order first named.
    pub(super) fn ases(&self) -> impl Iterator<Item = u32> + '_ {
        self.named.iter().map(|neighbour| neighbour.asn)
    }

    /// Notes that a rule whose routes flow `direction` names `asn`.
    pub(super) fn note(&mut self, asn: u32, direction: Direction) {
        let found = if self.named.len() <= NEIGHBOURS_SCANNED {
            self.named.iter().position(|neighbour| neighbour.asn == asn)
        } else {
            self.place_of.get(&asn).copied()
        };
        let place = found.unwrap_or_else(|| {
            self.named.push(Neighbour { asn, inbound: false, outbound: false });
            let place = self.named.len() - 1;
            if self.named.len() > NEIGHBOURS_SCANNED {
                if self.place_of.is_empty() {
                    // Past the scanned few: every one so far goes into the index.
                    self.place_of
                        .extend(self.named.iter().enumerate().map(|(place, neighbour)| (neighbour.asn, place)));
                } else {
                    self.place_of.insert(asn, place);
                }
            }
            place
        });
        if let Some(neighbour) = self.named.get_mut(place) {
            match direction {
                Direction::Inbound => neighbour.inbound = true,
                Direction::Outbound => neighbour.outbound = true,
                Direction::Default => {}
            }
        }
    }
}

/// Each aut-num needs at least `min_neighbours` (two by default: multihomed)
/// neighbours with both an inbound and an outbound rule: the problem with the
/// checked aut-num on `line` in a form in `dialect`, whose rules named the
/// neighbours of `tally` and whose `policy_errors` rules did not parse.
pub(super) fn check_multihoming(
    dialect: Dialect,
    min_neighbours: usize,
    line: usize,
    policy_errors: usize,
    tally: &NeighbourTally,
) -> Option<Diagnostic> {
    let both = tally.named.iter().filter(|neighbour| neighbour.inbound && neighbour.outbound).count();
    if both >= min_neighbours {
        return None;
    }
    let listed = if tally.named.is_empty() {
        "none".to_owned()
    } else {
        tally
            .named
            .iter()
            .map(|neighbour| {
                let description = match (neighbour.inbound, neighbour.outbound) {
                    (true, true) => "inbound and outbound",
                    (true, false) => "inbound only",
                    (false, true) => "outbound only",
                    (false, false) => "default only",
                };
                format!("AS{} ({description})", neighbour.asn)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Name the rules the sender's own form has.
    let (inbound, outbound) = match dialect {
        Dialect::Apnic => ("as-in", "as-out"),
        Dialect::Ripe => ("import or mp-import", "export or mp-export"),
    };
    let needed = if min_neighbours == 1 {
        "the AS needs at least one neighbouring AS".to_owned()
    } else {
        format!("the AS must be multihomed: it needs at least {min_neighbours} different neighbouring ASes")
    };
    let mut message = format!(
        "{needed}, each with an inbound rule ({inbound}) and an outbound rule ({outbound}); neighbours found: {listed}"
    );
    if policy_errors > 0 {
        message.push_str(&format!(
            " ({} rule{} with syntax errors could not be counted)",
            policy_errors,
            if policy_errors == 1 { "" } else { "s" }
        ));
    }
    Some(Diagnostic::error(Some(line), Some("aut-num"), message))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tally lists the neighbours as a plain list of every rule's would:
    /// in the order first named, each with the directions that named it,
    /// also past the few it finds by looking at each, and again after a clear.
    #[test]
    fn the_tally_lists_each_neighbour_once_with_its_directions() {
        let mut tally = NeighbourTally::default();
        for count in [0_u32, 3, NEIGHBOURS_SCANNED as u32, NEIGHBOURS_SCANNED as u32 + 1, 100] {
            tally.clear();
            let mut model: Vec<(u32, bool, bool)> = Vec::new();
            let mut state = u64::from(count) + 1;
            for _ in 0..count * 3 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let asn = 64_500 + (state >> 40) as u32 % count.max(1);
                let direction =
                    [Direction::Inbound, Direction::Outbound, Direction::Default][(state >> 20) as usize % 3];
                tally.note(asn, direction);
                let place = model.iter().position(|n| n.0 == asn).unwrap_or_else(|| {
                    model.push((asn, false, false));
                    model.len() - 1
                });
                match direction {
                    Direction::Inbound => model[place].1 = true,
                    Direction::Outbound => model[place].2 = true,
                    Direction::Default => {}
                }
            }
            let tallied: Vec<(u32, bool, bool)> = tally.named.iter().map(|n| (n.asn, n.inbound, n.outbound)).collect();
            assert_eq!(tallied, model, "{count} neighbours");
        }
        let problem = check_multihoming(Dialect::Ripe, 2, 7, 1, &tally).map(|d| d.message.clone());
        let both = tally.named.iter().filter(|n| n.inbound && n.outbound).count();
        assert!(both >= 2 && problem.is_none(), "{both} neighbours both ways: {problem:?}");
        tally.clear();
        tally.note(64_501, Direction::Inbound);
        let problem = check_multihoming(Dialect::Apnic, 2, 7, 1, &tally).map(|d| (d.line, d.message.clone()));
        assert_eq!(
            problem,
            Some((
                Some(7),
                "the AS must be multihomed: it needs at least 2 different neighbouring ASes, each with an inbound rule \
                 (as-in) and an outbound rule (as-out); neighbours found: AS64501 (inbound only) (1 rule with syntax \
                 errors could not be counted)"
                    .to_owned()
            ))
        );
    }
}
