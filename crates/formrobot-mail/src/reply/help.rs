//! The help reply: a short guide and the blank forms, drawn from `forms/`.

use super::{item, paragraph};
use formrobot_engine::dialect::Dialect;
use formrobot_engine::forms::{FormSet, TemplateDef};

/// The marker lines around the blank APNIC form, as in APNIC-038.
const APNIC_CUT_TOP: &str = "- - - - - - - - - - - - - CUT HERE - - - - - - - - - - - - - - -";
const APNIC_CUT_BOTTOM: &str = "- - - - - - - - - - - - - -  CUT HERE - - - - - - - - - - - - - - - - -";
/// Width of the attribute name column in blank forms.
const NAME_COLUMN: usize = 16;

/// The body of the help reply.
pub fn help(forms: &FormSet) -> String {
    let mut body = paragraph(
        "This is the AS number request robot. It reads the form in your mail, checks every line, \
         and answers within minutes: either with a ticket number, or with every problem it found, \
         each under the line it concerns.",
    );
    body.push_str("\nHow to ask for an AS number:\n\n");
    for (marker, text) in [
        (
            "1. ",
            "Copy ONE of the blank forms below into a new mail, including the two CUT HERE lines, \
             and fill it in. Do not change the attribute names or the #[...]# lines.",
        ),
        (
            "2. ",
            "You need two or more upstream networks: describe how you exchange routes with each of \
             them (as-in and as-out for APNIC, import and export for RIPE).",
        ),
        (
            "3. ",
            "Contacts without a NIC handle: fill in a person template for each. In the APNIC form, \
             leave nic-hdl empty and write the person's name in admin-c or tech-c exactly as in the \
             person template. In the RIPE form, write nic-hdl: AUTO-1 (AUTO-2, ... for more) and \
             refer to AUTO-1 elsewhere.",
        ),
        ("4. ", "Send it as plain text (no HTML, no base64) to this address."),
    ] {
        body.push_str(&item(marker, text));
    }
    body.push('\n');
    body.push_str(&blank_forms(forms));
    body
}

/// Every blank form: the APNIC templates between CUT HERE lines, then the RIPE objects.
pub fn blank_forms(forms: &FormSet) -> String {
    let mut text = String::new();
    let apnic: Vec<&TemplateDef> = forms.templates().iter().filter(|t| t.dialect == Dialect::Apnic).collect();
    if !apnic.is_empty() {
        text.push_str("APNIC-038 form:\n\n");
        text.push_str(APNIC_CUT_TOP);
        text.push_str("\n\n");
        for template in apnic {
            if let Some(header) = template.header_line() {
                text.push_str(&header);
                text.push_str("\n\n");
            }
            text.push_str(&blank_attributes(template));
            text.push('\n');
        }
        text.push_str("#[TEMPLATES END]#\n\nAdditional Comments:\n\n\n\n");
        text.push_str(APNIC_CUT_BOTTOM);
        text.push_str("\n\n");
    }
    let ripe: Vec<&TemplateDef> = forms.templates().iter().filter(|t| t.dialect == Dialect::Ripe).collect();
    if !ripe.is_empty() {
        text.push_str("RIPE-228 form (objects separated by an empty line):\n\n--- CUT HERE ---\n\n");
        for template in ripe {
            text.push_str(&blank_attributes(template));
            text.push('\n');
        }
        text.push_str("--- CUT HERE ---\n");
    }
    text
}

fn blank_attributes(template: &TemplateDef) -> String {
    let mut text = String::new();
    for attribute in &template.attributes {
        for _ in 0..attribute.blank_lines {
            let label = format!("{}:", attribute.name);
            match &attribute.prefilled {
                Some(value) => text.push_str(&format!("{label:<NAME_COLUMN$}{value}\n")),
                None => text.push_str(&format!("{label}\n")),
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use formrobot_engine::check::check_text;
    use formrobot_engine::date::Date;

    #[test]
    fn the_blank_apnic_form_has_the_seed_skeleton() {
        let forms = FormSet::embedded().expect("forms");
        let text = blank_forms(&forms);
        for line in [
            "#[AUT-NUM TEMPLATE V3.0]#",
            "#[PERSON TEMPLATE V4.0]#",
            "#[PERSON TEMPLATE V3.0]#",
            "#[TEMPLATES END]#",
            "Additional Comments:",
        ] {
            assert!(text.contains(line), "{line}");
        }
        let count = |line: &str| text.lines().filter(|l| *l == line).count();
        assert_eq!(count("as-in:"), 2);
        assert_eq!(count("address:"), 3 + 3 + 1 + 1, "3 per APNIC person template, 1 in the RIPE person and role");
        assert_eq!(count("source:         APNIC"), 3);
    }

    #[test]
    fn a_blank_form_sent_back_unfilled_is_all_blank() {
        let forms = FormSet::embedded().expect("forms");
        let apnic_only: String = blank_forms(&forms).split("RIPE-228 form").next().unwrap_or_default().to_owned();
        let checked = check_text(&apnic_only, &forms, Date::new(2026, 11, 23).expect("date"));
        let messages: Vec<&str> = checked.errors().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, vec!["every template in the form is still blank: fill them in before sending"]);
    }
}
