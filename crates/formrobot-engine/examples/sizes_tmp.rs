//! Temporary: type sizes.
fn main() {
    use formrobot_engine::parse::*;
    use formrobot_engine::validate::*;
    println!("Object {} Attribute {} ObjectKind {} ContactFact {} MaintainerFact {} PolicyFact {} NicHdlFact {} ObjectSummary {} Diagnostic {} Value {}",
      std::mem::size_of::<Object>(), std::mem::size_of::<Attribute>(), std::mem::size_of::<ObjectKind>(),
      std::mem::size_of::<ContactFact>(), std::mem::size_of::<MaintainerFact>(), std::mem::size_of::<PolicyFact>(),
      std::mem::size_of::<NicHdlFact>(), std::mem::size_of::<ObjectSummary>(), std::mem::size_of::<formrobot_engine::diagnostic::Diagnostic>(), std::mem::size_of::<formrobot_engine::source::Value>());
}
