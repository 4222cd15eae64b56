//! Placeholder until the selector module lands (same public API).
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    text: String,
}
impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        Ok(Selector {
            text: text.to_string(),
        })
    }
    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn metric_name(&self) -> Option<&str> {
        None
    }
    pub fn matches<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(
        &self,
        _name: &str,
        _labels: I,
    ) -> bool {
        false
    }
}
