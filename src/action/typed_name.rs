//! What the operator types to confirm an action: the domain's name, or, on a config marked
//! `production = true`, `NAME/DOMAIN` (the context's name, else the config file's stem).
//!
//! One field holding both names, not two fields: at 3 a.m. the operator reads back one string
//! that says where and what (`prod-eu/orders`), there is no second field to Tab into or to
//! leave holding an old value, and a domain name typed alone out of habit — the thing that
//! works on staging — is refused on production because it lacks the `prod-eu/` part.

/// The confirmation a session asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedName {
    /// The production config's name, when the config is marked `production = true`.
    production: Option<String>,
}

impl TypedName {
    /// The domain's name alone.
    pub fn plain() -> TypedName {
        TypedName::default()
    }

    /// `NAME/DOMAIN`, for a config marked `production = true`.
    pub fn production(name: &str) -> TypedName {
        TypedName {
            production: Some(name.to_string()),
        }
    }

    /// The production config's name, if it is one.
    pub fn production_name(&self) -> Option<&str> {
        self.production.as_deref()
    }

    /// The exact text that confirms an action on `domain`.
    pub fn expected(&self, domain: &str) -> String {
        match &self.production {
            Some(name) => format!("{name}/{domain}"),
            None => domain.to_string(),
        }
    }

    /// Whether `typed` confirms an action on `domain` (surrounding blanks ignored).
    pub fn accepts(&self, domain: &str, typed: &str) -> bool {
        typed.trim() == self.expected(domain)
    }

    /// The prompt's words before "to roll it back" and the like: `the domain name (orders)`, or
    /// `PRODUCTION prod: the context and domain names as prod/orders`.
    pub fn ask(&self, domain: &str) -> String {
        match &self.production {
            Some(name) => format!(
                "PRODUCTION {name}: the context and domain names as {}",
                self.expected(domain)
            ),
            None => format!("the domain name ({domain})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_wants_both_names() {
        let p = TypedName::production("prod");
        assert!(p.accepts("orders", " prod/orders\n"));
        assert!(!p.accepts("orders", "orders"));
        assert!(!p.accepts("orders", "orders/prod"));
        assert!(!p.accepts("orders", "staging/orders"));
        let plain = TypedName::plain();
        assert!(plain.accepts("orders", "orders\n"));
        assert!(!plain.accepts("orders", "prod/orders"));
        assert_eq!(p.expected("orders"), "prod/orders");
    }
}
