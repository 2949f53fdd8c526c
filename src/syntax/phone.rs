use super::SyntaxError;
pub(super) fn check_phone(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
