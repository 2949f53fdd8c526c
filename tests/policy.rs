//! `[policy]`: the registry's own rules as configuration, through `formrobot check --config`.

mod common;

use common::{formrobot, Scratch};
use serde_json::Value;
use std::fs;

const TODAY: &str = "--today=2026-11-23";

/// `check --json` on fixture form `form` under a configuration holding `policy`.
fn check(scratch: &Scratch, policy: &str, form: &str) -> (Option<i32>, Value, String) {
    let config = scratch.path("robot.toml");
    fs::write(&config, format!("[policy]\n{policy}")).expect("config");
    let output = formrobot(
        &["--config", config.to_str().expect("UTF-8"), TODAY, "check", "--json", &format!("fixtures/forms/{form}")],
        None,
    );
    let value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), value, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn messages(value: &Value, key: &str) -> Vec<String> {
    value[key].as_array().map_or_else(Vec::new, |all| {
        all.iter().map(|problem| problem["message"].as_str().unwrap_or_default().to_owned()).collect()
    })
}

#[test]
fn the_defaults_keep_todays_rules() {
    let scratch = Scratch::new("policy-defaults");
    let (code, value, _) = check(&scratch, "", "apnic-single-homed.txt");
    assert_eq!(code, Some(1));
    assert!(messages(&value, "errors")[0].starts_with("the AS must be multihomed: it needs at least 2"), "{value}");
    assert_eq!(check(&scratch, "", "ripe-valid-full.txt").0, Some(0));
}

#[test]
fn min_neighbours_sets_how_many_neighbours_an_as_needs() {
    let scratch = Scratch::new("policy-neighbours");
    assert_eq!(check(&scratch, "min_neighbours = 1\n", "apnic-single-homed.txt").0, Some(0), "one neighbour is enough");
    let (code, value, _) = check(&scratch, "min_neighbours = 3\n", "ripe-valid-full.txt");
    assert_eq!(code, Some(1));
    assert!(messages(&value, "errors")[0].contains("at least 3 different neighbouring ASes"), "{value}");
}

#[test]
fn required_mnt_by_names_the_sponsoring_maintainer() {
    let scratch = Scratch::new("policy-mnt");
    let (code, value, _) = check(&scratch, "required_mnt_by = \"SERVPERSO-MNT\"\n", "ripe-valid-full.txt");
    assert_eq!(code, Some(1));
    let errors = messages(&value, "errors");
    assert_eq!(errors.len(), 1, "{value}");
    assert!(errors[0].contains("maintained by SERVPERSO-MNT; add 'mnt-by: SERVPERSO-MNT'"), "{value}");
    assert_eq!(value["errors"][0]["attribute"], "mnt-by");
    assert_eq!(check(&scratch, "required_mnt_by = \"examplenet-mnt\"\n", "ripe-valid-full.txt").0, Some(0));
}

#[test]
fn service_region_rejects_a_country_outside_naming_it() {
    let scratch = Scratch::new("policy-region");
    let (code, value, _) = check(&scratch, "service_region = [\"NZ\", \"FJ\"]\n", "apnic-valid-full.txt");
    assert_eq!(code, Some(1));
    let errors = messages(&value, "errors");
    assert!(
        !errors.is_empty()
            && errors.iter().all(|e| e.starts_with("AU is outside this registry's service region (NZ, FJ)")),
        "{value}"
    );
    assert_eq!(check(&scratch, "service_region = [\"AU\", \"NZ\"]\n", "apnic-valid-full.txt").0, Some(0));
    // A RIPE-228 form names no country: it is accepted, with a warning for the hostmaster.
    let (code, value, _) = check(&scratch, "service_region = [\"NO\"]\n", "ripe-valid-full.txt");
    assert_eq!(code, Some(0));
    assert!(messages(&value, "warnings").iter().any(|w| w.contains("could not be checked")), "{value}");
}

#[test]
fn a_policy_that_makes_no_sense_is_refused_before_anything_runs() {
    let scratch = Scratch::new("policy-bad");
    let (code, _, stderr) = check(&scratch, "min_neighbours = 0\nservice_region = [\"XX\"]\n", "ripe-valid-full.txt");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("min_neighbours must be at least 1") && stderr.contains("'XX' is not an ISO 3166"),
        "{stderr}"
    );
    let (code, _, stderr) = check(&scratch, "min_neighbors = 2\n", "ripe-valid-full.txt");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown field"), "{stderr}");
}
