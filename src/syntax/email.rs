use super::SyntaxError;
pub(super) fn check_email(_v: &str) -> Result<(), SyntaxError> { Ok(()) }
