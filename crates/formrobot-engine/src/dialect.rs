//! The two form dialects formrobot understands.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which registry's form conventions a submission follows.
///
/// The dialect is detected once per submission (see [`crate::parse`]) and then
/// decides which template definitions apply and how several syntax classes
/// behave (date formats, the `source:` value, handle suffixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// APNIC-038: `#[AUT-NUM TEMPLATE V3.0]#` headers, one attribute per line.
    Apnic,
    /// RIPE-228: RPSL objects separated by empty lines, with continuation lines.
    Ripe,
}

impl Dialect {
    /// The value the `source:` attribute must carry in this dialect.
    pub fn source_name(self) -> &'static str {
        match self {
            Dialect::Apnic => "APNIC",
            Dialect::Ripe => "RIPE",
        }
    }

    /// The suffix the registry appends to NIC handles it assigns (`JD1-AP`, `MK16-RIPE`).
    pub fn handle_suffix(self) -> &'static str {
        match self {
            Dialect::Apnic => "AP",
            Dialect::Ripe => "RIPE",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Apnic => "APNIC-038",
            Dialect::Ripe => "RIPE-228",
        })
    }
}
