use super::SyntaxError; use crate::dialect::Dialect;
pub(super) fn check_aut_num(_v: &str, _d: Dialect) -> Result<(), SyntaxError> { Ok(()) }
