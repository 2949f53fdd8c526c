//! The console's text contrast (issue 13: WCAG AA, 4.5:1 for text): every
//! pair of text and background colours its stylesheet uses, read from the
//! stylesheet itself, checked with WCAG 2's formula. A colour changed in the
//! CSS to one too light fails here.

use std::collections::HashMap;

const CSS: &str = include_str!("../src/console/assets/console.css");

/// The top bar's background (`header.top`), checked against the stylesheet below.
const BAR: &str = "#0e2a47";

/// `--name: #rrggbb` custom properties.
fn variables() -> HashMap<String, String> {
    CSS.split(['{', '}', ';'])
        .filter_map(|declaration| {
            let (name, value) = declaration.trim().split_once(':')?;
            let name = name.trim().strip_prefix("--")?;
            let value = value.trim();
            (value.len() == 7 && value.starts_with('#')).then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The colour a `color`/`background` value names: `#rrggbb` or `var(--name)`.
fn resolve(value: &str, variables: &HashMap<String, String>) -> Option<String> {
    let value = value.trim();
    if let Some(name) = value.strip_prefix("var(--").and_then(|rest| rest.strip_suffix(')')) {
        return variables.get(name).cloned();
    }
    (value.len() == 7 && value.starts_with('#')).then(|| value.to_owned())
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn every_rule_with_a_text_colour_and_a_background_passes_wcag_aa() {
    let variables = variables();
    assert!(variables.contains_key("text") && variables.contains_key("muted"), "{variables:?}");
    let mut checked = 0;
    for rule in CSS.split('}') {
        let Some((selector, body)) = rule.split_once('{') else { continue };
        let property = |name: &str| {
            body.split(';').find_map(|d| {
                let (key, value) = d.split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
        };
        // A rule without its own background stands on the page's white, or,
        // inside the top bar (the logout form is in it), on the bar's blue.
        let selector_text = selector.trim();
        let stands_on = if selector_text.starts_with("header.top") || selector_text.starts_with("form.logout") {
            BAR
        } else {
            "#ffffff"
        };
        let background = property("background")
            .and_then(|v| resolve(&v, &variables))
            .or_else(|| (property("background").as_deref() == Some("transparent")).then(|| stands_on.to_owned()))
            .unwrap_or(stands_on.to_owned());
        let Some(colour) = property("color").and_then(|v| resolve(&v, &variables)) else { continue };
        let ratio = contrast(&colour, &background);
        assert!(ratio >= 4.5, "{}: {colour} on {background} is {ratio:.2}:1", selector.trim());
        checked += 1;
    }
    // Muted text also stands on the tinted panels it is used in.
    for panel in ["#f6f7f8", "error-bg", "warn-bg", "ok-bg"] {
        let background = resolve(panel, &variables).or_else(|| variables.get(panel).cloned()).expect("a colour");
        let ratio = contrast(&variables["muted"], &background);
        assert!(ratio >= 4.5, "muted text on {panel} is {ratio:.2}:1");
    }
    assert!(checked >= 15, "only {checked} rules with a text colour were found");
    assert!(CSS.contains("header.top {") && CSS.contains(&format!("background: {BAR};")), "the bar's colour");
}
