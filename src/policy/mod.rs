//! (being written by the policy helper)
/// Which routing policy grammar to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind { AsIn, AsOut, Ripe181Default, Import, Export, RpslDefault }
