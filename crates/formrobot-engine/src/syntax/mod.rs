//! Syntax classes: what a single attribute value must look like.
//!
//! Template definitions in `forms/` name a syntax class for every attribute;
//! this module owns the list of classes and checks a value against one. The
//! routing policy classes are parsed into syntax trees by [`crate::policy`];
//! [`SyntaxClass::policy_kind`] tells the validator which classes those are.

mod asn;
mod auth;
mod changed;
mod contact;
mod country;
mod email;
mod names;
mod phone;
mod registry;

pub use asn::apnic_as_count;
pub use auth::filtered_auth;
pub use contact::{classify_contact, parse_handle, parse_placeholder, Contact, Letters, NicHandle, Placeholder};
pub use country::is_country_code;

use crate::date::Date;
use crate::dialect::Dialect;
use crate::policy::PolicyKind;
use serde::Deserialize;

/// Everything a syntax check may depend on besides the value itself.
#[derive(Debug, Clone, Copy)]
pub struct SyntaxContext {
    /// The submission's dialect.
    pub dialect: Dialect,
    /// Today's date, for "no date in the future".
    pub today: Date,
}

/// Why a value does not fit its syntax class, in words for the person who sent it.
///
/// The message quotes the offending value (or the offending part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong, e.g. `'1996/10/02' is not a date in the form YYMMDD`.
    pub message: String,
}

impl SyntaxError {
    /// A syntax error with the given message.
    pub fn new(message: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into() }
    }
}

/// The syntax classes a template definition can name (kebab-case in `forms/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyntaxClass {
    /// Any printable text (`descr`, `address`, `remarks`).
    FreeForm,
    /// An APNIC account name (`acct-name`): one word such as `APNIC-AP`.
    AccountName,
    /// The AS's name (`as-name`).
    AsName,
    /// The `aut-num` value: a count (APNIC) or `NEW`/`NEWn`/`AS<n>` (RIPE).
    AutNum,
    /// An ISO 3166 alpha-2 country code.
    Country,
    /// An RFC 822 address with a fully qualified domain.
    #[serde(rename = "e-mail")]
    Email,
    /// A telephone or fax number in international form.
    Phone,
    /// The `nic-hdl` of a person or role: a handle or an `AUTO-n` placeholder (or blank in APNIC).
    NicHdl,
    /// A reference to a contact (`admin-c`, `tech-c`): a handle, an `AUTO-n`, or (APNIC) a full name.
    Contact,
    /// `changed:` an e-mail address and a date.
    Changed,
    /// `source:` the registry's name.
    Source,
    /// A maintainer's name (`mnt-by`, `mntner`, `referral-by`).
    MntnerName,
    /// `auth:` a password hash or a PGP key reference.
    Auth,
    /// A person's or role's name.
    PersonName,
    /// An as-set name (`member-of`).
    AsSetName,
    /// `mnt-routes:` a maintainer, optionally followed by prefix ranges or `ANY`.
    MntRoutes,
    /// An organisation id (`org`, `sponsoring-org`), such as `ORG-EA1-RIPE`.
    OrganisationId,
    /// An aut-num's `status`: `ASSIGNED`, `LEGACY` or `OTHER`.
    AutNumStatus,
    /// A database timestamp (`created`, `last-modified`): `2001-09-22T09:31:27Z`.
    Timestamp,
    /// RIPE-181 `as-in: <aut-num> <cost> <expression>`.
    AsIn,
    /// RIPE-181 `as-out: <aut-num> <expression>`.
    AsOut,
    /// RIPE-181 `default: <aut-num> <cost>`.
    Ripe181Default,
    /// RPSL `import:`.
    Import,
    /// RPSL `export:`.
    Export,
    /// RPSL `default:`.
    RpslDefault,
    /// RPSLng `mp-import:` (RFC 4012).
    MpImport,
    /// RPSLng `mp-export:` (RFC 4012).
    MpExport,
    /// RPSLng `mp-default:` (RFC 4012).
    MpDefault,
}

impl SyntaxClass {
    /// The routing policy grammar for this class, if it is a policy class.
    pub fn policy_kind(self) -> Option<PolicyKind> {
        match self {
            SyntaxClass::AsIn => Some(PolicyKind::AsIn),
            SyntaxClass::AsOut => Some(PolicyKind::AsOut),
            SyntaxClass::Ripe181Default => Some(PolicyKind::Ripe181Default),
            SyntaxClass::Import => Some(PolicyKind::Import),
            SyntaxClass::Export => Some(PolicyKind::Export),
            SyntaxClass::RpslDefault => Some(PolicyKind::RpslDefault),
            SyntaxClass::MpImport => Some(PolicyKind::MpImport),
            SyntaxClass::MpExport => Some(PolicyKind::MpExport),
            SyntaxClass::MpDefault => Some(PolicyKind::MpDefault),
            _ => None,
        }
    }

    /// Whether each source line of an RPSL value is a value of its own.
    ///
    /// RIPE-228's own example continues `phone:` with a second number and
    /// `address:` with further address lines, so for these classes a
    /// continuation line is another value rather than more of the same one.
    pub fn is_line_oriented(self) -> bool {
        matches!(self, SyntaxClass::FreeForm | SyntaxClass::Phone | SyntaxClass::Email)
    }
}

/// Checks one value against a non-policy syntax class.
///
/// Policy classes are accepted here unchecked; the validator parses them with
/// [`crate::policy::parse`], which also yields the neighbours they name.
pub fn check(class: SyntaxClass, value: &str, context: &SyntaxContext) -> Result<(), SyntaxError> {
    match class {
        SyntaxClass::FreeForm => Ok(()),
        SyntaxClass::AccountName => names::check_account_name(value),
        SyntaxClass::AsName => names::check_as_name(value, context.dialect),
        SyntaxClass::AutNum => asn::check_aut_num(value, context.dialect),
        SyntaxClass::Country => country::check_country(value),
        SyntaxClass::Email => email::check_email(value),
        SyntaxClass::Phone => phone::check_phone(value),
        SyntaxClass::NicHdl => contact::check_nic_hdl(value, context.dialect),
        SyntaxClass::Contact => contact::check_contact(value, context.dialect),
        SyntaxClass::Changed => changed::check_changed(value, context.dialect, context.today),
        SyntaxClass::Source => names::check_source(value, context.dialect),
        SyntaxClass::MntnerName => names::check_mntner_name(value),
        SyntaxClass::Auth => auth::check_auth(value),
        SyntaxClass::PersonName => names::check_person_name(value),
        SyntaxClass::AsSetName => names::check_as_set_name(value),
        SyntaxClass::MntRoutes => names::check_mnt_routes(value),
        SyntaxClass::OrganisationId => registry::check_organisation_id(value),
        SyntaxClass::AutNumStatus => registry::check_aut_num_status(value),
        SyntaxClass::Timestamp => registry::check_timestamp(value),
        SyntaxClass::AsIn
        | SyntaxClass::AsOut
        | SyntaxClass::Ripe181Default
        | SyntaxClass::Import
        | SyntaxClass::Export
        | SyntaxClass::RpslDefault
        | SyntaxClass::MpImport
        | SyntaxClass::MpExport
        | SyntaxClass::MpDefault => Ok(()),
    }
}

/// Reads an AS number as people write it (`AS4711`, either case), for
/// callers outside the forms, such as the Resource Request API.
pub fn as_number(value: &str) -> Result<u32, SyntaxError> {
    let word = value.trim();
    crate::grammar::asn::parse_as_number(word).ok_or_else(|| {
        SyntaxError::new(format!(
            "{} is not an AS number: write AS and a number up to 4294967295, e.g. AS64496",
            crate::diagnostic::quote(word)
        ))
    })
}
