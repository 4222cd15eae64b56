//! INTERFACE CONTRACT:
//!
//! ```ignore
//! pub struct FamilyFilter { .. }
//! impl FamilyFilter {
//!     pub fn all() -> Self;                                   // parse every line
//!     pub fn names<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self; // only these exact sample names
//!     pub fn wants(&self, sample_name: &str) -> bool;
//!     pub fn keeps_all(&self) -> bool;
//! }
//! /// Keep only the lines a filter wants (plus `# TYPE` lines of wanted families), for recordings.
//! pub fn reduce(body: &str, filter: &FamilyFilter) -> String;
//! ```
