use super::SyntaxError; use crate::dialect::Dialect;
#[derive(Debug, Clone, PartialEq, Eq)] pub struct NicHandle { pub initials: String, pub number: Option<u32>, pub suffix: String }
#[derive(Debug, Clone, PartialEq, Eq)] pub struct Placeholder { pub number: u32, pub initials: Option<String> }
#[derive(Debug, Clone, PartialEq, Eq)] pub enum Contact { Handle(NicHandle), Auto(Placeholder), Name(String) }
pub fn parse_handle(_v: &str) -> Option<NicHandle> { None }
pub fn parse_placeholder(_v: &str) -> Result<Option<Placeholder>, SyntaxError> { Ok(None) }
pub fn classify_contact(_v: &str, _d: Dialect) -> Result<Contact, SyntaxError> { Err(SyntaxError::new("todo")) }
pub(super) fn check_nic_hdl(_v: &str, _d: Dialect) -> Result<(), SyntaxError> { Ok(()) }
pub(super) fn check_contact(_v: &str, _d: Dialect) -> Result<(), SyntaxError> { Ok(()) }
