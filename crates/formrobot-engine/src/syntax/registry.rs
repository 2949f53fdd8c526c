//! Values that today's RIPE Database writes on aut-num, person, role and
//! mntner objects and that people copy into requests: organisation ids
//! (`org`, `sponsoring-org`), an aut-num's `status`, and the database's own
//! timestamps (`created`, `last-modified`).

use super::SyntaxError;

/// `ORG-` then letters and digits, then an optional `-SOURCE`: `ORG-EA1-RIPE`.
pub fn check_organisation_id(value: &str) -> Result<(), SyntaxError> {
    let upper = value.to_ascii_uppercase();
    let valid = upper.strip_prefix("ORG-").is_some_and(|rest| {
        let (id, source) = rest.split_once('-').unwrap_or((rest, ""));
        let letters = id.bytes().take_while(u8::is_ascii_alphabetic).count();
        let digits = &id[letters..];
        // The number is optional in the registry's own syntax (ORG-GCI-RIPE), but never starts with 0.
        (2..=4).contains(&letters)
            && !digits.starts_with('0')
            && digits.len() <= 6
            && digits.bytes().all(|b| b.is_ascii_digit())
            && source.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if valid {
        Ok(())
    } else {
        Err(SyntaxError::new(format!(
            "{} is not an organisation id: it looks like ORG- with two to four letters, usually a number, \
             then the registry, such as ORG-EA1-RIPE",
            crate::diagnostic::quote(value)
        )))
    }
}

/// An aut-num's `status`: ASSIGNED, LEGACY or OTHER.
pub fn check_aut_num_status(value: &str) -> Result<(), SyntaxError> {
    if ["ASSIGNED", "LEGACY", "OTHER"].iter().any(|s| value.eq_ignore_ascii_case(s)) {
        Ok(())
    } else {
        Err(SyntaxError::new(format!(
            "'{value}' is not an aut-num status: the registry sets it to ASSIGNED, LEGACY or OTHER; \
             leave it out of a request"
        )))
    }
}

/// `created:` and `last-modified:` as the database writes them: `2001-09-22T09:31:27Z`.
pub fn check_timestamp(value: &str) -> Result<(), SyntaxError> {
    let bytes = value.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let valid = bytes.len() == shape.len()
        && bytes.iter().zip(shape).all(|(b, s)| if *s == b'd' { b.is_ascii_digit() } else { b == s });
    if valid {
        Ok(())
    } else {
        Err(SyntaxError::new(format!(
            "'{value}' is not a database timestamp such as 2001-09-22T09:31:27Z; the registry sets it, so \
             it may be left out"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_ids() {
        for good in ["ORG-EA1-RIPE", "org-ex12-ripe", "ORG-ABCD123", "ORG-EN1-TEST", "ORG-GCI-RIPE"] {
            assert!(check_organisation_id(good).is_ok(), "{good}");
        }
        for bad in ["ORG-1-RIPE", "ORG-E1-RIPE", "ORG-EA01-RIPE", "EA1-RIPE", "ORG-EA1-RI PE", "ORG-ABCDE1"] {
            assert!(check_organisation_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_and_timestamps() {
        assert!(check_aut_num_status("ASSIGNED").is_ok() && check_aut_num_status("legacy").is_ok());
        assert!(check_aut_num_status("ALLOCATED PA").is_err());
        assert!(check_timestamp("2001-09-22T09:31:27Z").is_ok());
        for bad in ["2001-09-22", "2001-09-22 09:31:27", "2001-09-22T09:31:27+01:00"] {
            assert!(check_timestamp(bad).is_err(), "{bad}");
        }
    }
}
