use super::SyntaxError; use crate::dialect::Dialect;
pub(super) fn check_account_name(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_as_name(_v: &str, _d: Dialect) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_source(_v: &str, _d: Dialect) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_mntner_name(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_person_name(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_as_set_name(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_mnt_routes(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
