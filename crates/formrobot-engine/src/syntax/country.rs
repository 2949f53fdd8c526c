//! ISO 3166-1 alpha-2 country codes (`country:`).

use super::SyntaxError;

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted for binary search.
///
/// Exceptionally or transitionally reserved codes (`UK`, `EU`, `AP`, ...) are
/// deliberately absent: the registries only accept assigned codes.
pub const COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// Alpha-3 codes people commonly write instead, with the alpha-2 code they mean.
///
/// Not the whole alpha-3 list: just enough to turn the usual mistake into a
/// precise correction; any other three-letter value still gets a general hint.
const ALPHA3_HINTS: &[(&str, &str)] = &[
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("BEL", "BE"),
    ("BGD", "BD"),
    ("BRA", "BR"),
    ("CAN", "CA"),
    ("CHE", "CH"),
    ("CHN", "CN"),
    ("DEU", "DE"),
    ("DNK", "DK"),
    ("ESP", "ES"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FRA", "FR"),
    ("GBR", "GB"),
    ("HKG", "HK"),
    ("IDN", "ID"),
    ("IND", "IN"),
    ("IRL", "IE"),
    ("ITA", "IT"),
    ("JPN", "JP"),
    ("KHM", "KH"),
    ("KOR", "KR"),
    ("LKA", "LK"),
    ("MAC", "MO"),
    ("MNG", "MN"),
    ("MYS", "MY"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NZL", "NZ"),
    ("PAK", "PK"),
    ("PHL", "PH"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRT", "PT"),
    ("RUS", "RU"),
    ("SGP", "SG"),
    ("SWE", "SE"),
    ("THA", "TH"),
    ("TWN", "TW"),
    ("USA", "US"),
    ("VNM", "VN"),
];

/// Country names (lower case) people commonly write instead of the code.
const NAME_HINTS: &[(&str, &str)] = &[
    ("australia", "AU"),
    ("austria", "AT"),
    ("bangladesh", "BD"),
    ("belgium", "BE"),
    ("cambodia", "KH"),
    ("canada", "CA"),
    ("china", "CN"),
    ("denmark", "DK"),
    ("england", "GB"),
    ("fiji", "FJ"),
    ("finland", "FI"),
    ("france", "FR"),
    ("germany", "DE"),
    ("great britain", "GB"),
    ("holland", "NL"),
    ("hong kong", "HK"),
    ("india", "IN"),
    ("indonesia", "ID"),
    ("ireland", "IE"),
    ("italy", "IT"),
    ("japan", "JP"),
    ("korea", "KR"),
    ("malaysia", "MY"),
    ("mongolia", "MN"),
    ("nepal", "NP"),
    ("netherlands", "NL"),
    ("new zealand", "NZ"),
    ("norway", "NO"),
    ("pakistan", "PK"),
    ("papua new guinea", "PG"),
    ("philippines", "PH"),
    ("poland", "PL"),
    ("portugal", "PT"),
    ("russia", "RU"),
    ("singapore", "SG"),
    ("spain", "ES"),
    ("sri lanka", "LK"),
    ("sweden", "SE"),
    ("switzerland", "CH"),
    ("taiwan", "TW"),
    ("thailand", "TH"),
    ("the netherlands", "NL"),
    ("united kingdom", "GB"),
    ("united states", "US"),
    ("usa", "US"),
    ("vietnam", "VN"),
];

/// Whether `v` (surrounding blanks ignored, either case) is an assigned ISO 3166-1 alpha-2 code.
pub fn is_country_code(v: &str) -> bool {
    match v.trim().as_bytes() {
        // Two letters in capitals, on the stack: every country attribute passes here.
        &[first, second] => std::str::from_utf8(&[first.to_ascii_uppercase(), second.to_ascii_uppercase()])
            .is_ok_and(|code| COUNTRY_CODES.binary_search(&code).is_ok()),
        _ => false,
    }
}

/// Checks a `country:` value.
pub(super) fn check_country(v: &str) -> Result<(), SyntaxError> {
    if is_country_code(v) {
        return Ok(());
    }
    let value = v.trim();
    if value.is_empty() {
        return Err(SyntaxError::new("the country is missing: write its two-letter ISO 3166 code, e.g. JP"));
    }
    Err(SyntaxError::new(format!("'{value}' {}", explain_bad_country(value))))
}

/// The rest of the message for a value that is not a code, after the quoted value.
fn explain_bad_country(value: &str) -> String {
    let upper = value.to_ascii_uppercase();
    if let Some(code) = lookup(ALPHA3_HINTS, &upper) {
        return format!("is a three-letter code: write the two-letter ISO 3166 code {code}");
    }
    if let Some(code) = lookup(NAME_HINTS, &value.to_lowercase()) {
        return format!("is not a two-letter ISO 3166 country code: write {code}");
    }
    match upper.as_str() {
        "UK" => return "is not the ISO 3166 code of the United Kingdom: write GB".to_string(),
        "EU" | "AP" => {
            return "is a region, not a country: write the two-letter ISO 3166 code of the country".to_string()
        }
        _ => {}
    }
    if upper.len() == 3 && upper.bytes().all(|b| b.is_ascii_alphabetic()) {
        return "is a three-letter code: write the two-letter ISO 3166 code, e.g. JP for Japan".to_string();
    }
    if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_alphabetic()) {
        return "is not an assigned ISO 3166 country code".to_string();
    }
    "is not a two-letter ISO 3166 country code: write the code, e.g. JP for Japan".to_string()
}

/// The code a hint table maps `key` to.
fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(v: &str) -> String {
        check_country(v).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn the_list_is_complete_sorted_and_well_formed() {
        assert_eq!(COUNTRY_CODES.len(), 249);
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(COUNTRY_CODES.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
    }

    #[test]
    fn hint_tables_point_at_assigned_codes() {
        for (_, code) in ALPHA3_HINTS.iter().chain(NAME_HINTS) {
            assert!(is_country_code(code), "{code}");
        }
    }

    #[test]
    fn accepts_assigned_codes_in_either_case() {
        for v in ["JP", "jp", "Jp", "AU", "NL", "GB", "ZW", "AD", " NZ ", "ss", "SX", "AX"] {
            assert!(check_country(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn rejects_unassigned_and_reserved_codes() {
        for v in ["UK", "EU", "AP", "XX", "ZZ", "AA", "XK", "YU", "CS"] {
            assert!(!is_country_code(v), "{v}");
            assert!(message(v).starts_with(&format!("'{v}'")), "{v}");
        }
        assert!(message("UK").contains("GB"));
    }

    #[test]
    fn explains_three_letter_codes_and_names() {
        assert_eq!(message("JPN"), "'JPN' is a three-letter code: write the two-letter ISO 3166 code JP");
        assert!(message("nld").contains("NL"));
        assert!(message("ABW").contains("three-letter"));
        assert_eq!(message("Japan"), "'Japan' is not a two-letter ISO 3166 country code: write JP");
        assert!(message("New Zealand").contains("NZ"));
        assert!(message("Atlantis").starts_with("'Atlantis' is not a two-letter ISO 3166 country code"));
    }

    #[test]
    fn rejects_empty_and_odd_values() {
        assert!(message("").contains("missing"));
        assert!(message("J").starts_with("'J'"));
        assert!(message("J P").starts_with("'J P'"));
        assert!(!is_country_code("ÄÖ"));
        assert!(!is_country_code("日本"));
    }
}
