use super::SyntaxError;
pub(super) fn check_auth(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
