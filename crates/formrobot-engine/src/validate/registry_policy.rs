//! The registry's own policy, as configuration (`[policy]`): how many
//! neighbours make a request multihomed, a maintainer every aut-num must name
//! (a sponsoring LIR's), and the countries the registry serves. The defaults
//! are the rules the forms have always had (two neighbours, no required
//! maintainer, any country). The engine takes the policy as data.

use super::{Disposition, Validation};
use crate::diagnostic::Diagnostic;
use crate::syntax::is_country_code;
use serde::Deserialize;
use std::collections::HashSet;

/// What the registry asks of every request beyond the form's own rules
/// (the `[policy]` table of the configuration; its keys are these fields).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryPolicy {
    /// How many distinct neighbouring ASes, each with an inbound and an outbound rule, an AS needs.
    pub min_neighbours: usize,
    /// A maintainer every aut-num must name in `mnt-by:` (e.g. `SERVPERSO-MNT`).
    pub required_mnt_by: Option<String>,
    /// The ISO 3166 country codes the registry serves; empty: any.
    pub service_region: Vec<String>,
}

impl Default for RegistryPolicy {
    fn default() -> RegistryPolicy {
        RegistryPolicy { min_neighbours: 2, required_mnt_by: None, service_region: Vec::new() }
    }
}

impl RegistryPolicy {
    /// What is wrong with the policy itself, in words for `check-config`.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.min_neighbours == 0 {
            problems.push("[policy] min_neighbours must be at least 1".to_owned());
        }
        if let Some(name) = &self.required_mnt_by {
            let valid = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && name.as_bytes()[0].is_ascii_alphabetic();
            if !valid {
                problems
                    .push(format!("[policy] required_mnt_by '{name}' is not a maintainer name such as SERVPERSO-MNT"));
            }
        }
        for code in &self.service_region {
            if !is_country_code(code) {
                problems.push(format!("[policy] service_region: '{code}' is not an ISO 3166 country code such as NL"));
            }
        }
        problems
    }
}

/// Checks the required maintainer and the service region.
pub(super) fn check_registry_policy(validation: &Validation, policy: &RegistryPolicy, found: &mut Vec<Diagnostic>) {
    let checked = || validation.objects.iter().filter(|o| o.disposition == Disposition::Checked);
    if let Some(required) = &policy.required_mnt_by {
        // Gathered in one pass, so that a form of many aut-nums is not scanned once for each.
        let maintained: HashSet<usize> = validation
            .maintainers
            .iter()
            .filter(|fact| fact.attribute == "mnt-by" && fact.name.eq_ignore_ascii_case(required))
            .map(|fact| fact.object)
            .collect();
        for aut_num in checked().filter(|o| &*o.class == "aut-num") {
            if !maintained.contains(&aut_num.index) {
                found.push(Diagnostic::error(
                    Some(aut_num.line),
                    Some("mnt-by"),
                    format!(
                        "this registry assigns AS numbers through its sponsoring LIR: the aut-num must be \
                         maintained by {required}; add 'mnt-by: {required}'"
                    ),
                ));
            }
        }
    }
    if !policy.service_region.is_empty() {
        // The codes are trimmed and upper case already (`CountryFact`).
        let served = |code: &str| policy.service_region.iter().any(|s| s.eq_ignore_ascii_case(code));
        // Collected from the checked objects only, and only when there is a service region.
        for fact in &validation.countries {
            if !served(&fact.code) {
                found.push(Diagnostic::error(
                    Some(fact.line),
                    Some("country"),
                    format!(
                        "{} is outside this registry's service region ({}): the request must come \
                         from a network in the region",
                        fact.code,
                        policy.service_region.join(", ")
                    ),
                ));
            }
        }
        if validation.countries.is_empty() {
            found.push(Diagnostic::warning(
                None,
                None,
                format!(
                    "no country is given, so the service region ({}) could not be checked; a hostmaster will ask",
                    policy.service_region.join(", ")
                ),
            ));
        }
    }
}
