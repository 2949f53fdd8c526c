use super::SyntaxError; use crate::dialect::Dialect; use crate::date::Date;
pub(super) fn check_changed(_v: &str, _d: Dialect, _t: Date) -> Result<(), SyntaxError> { Ok(()) }
