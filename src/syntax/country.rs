use super::SyntaxError;
pub fn is_country_code(_v: &str) -> bool { true }
pub(super) fn check_country(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
