//! The request context: the condition keys of one request and their values, single or
//! several (`aws:SourceIp`, `aws:CurrentTime`, `aws:PrincipalTag/team`, `s3:prefix`, ...).
//!
//! ```
//! use countersign_policy::Context;
//! let mut context = Context::new();
//! context.insert("aws:SourceIp", "203.0.113.7");
//! context.insert_many("aws:TagKeys", ["team", "cost-center"]);
//! assert_eq!(context.get("AWS:SOURCEIP"), Some(&["203.0.113.7"][..]));
//! assert_eq!(context.get("aws:TagKeys").map(<[_]>::len), Some(2));
//! assert_eq!(context.get("aws:username"), None);
//! ```
//!
//! Key names are compared without regard to ASCII case, as IAM compares them. A key that is
//! not in the context is absent, whatever its name: an unknown key in a policy is evaluated as
//! AWS evaluates a key the request does not carry. A key given an empty list of values is
//! absent too (IAM's "empty data set").

use crate::pattern::Lookup;
use crate::principal::Principal;

/// The condition keys of one request, borrowed from the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context<'a> {
    entries: Vec<(&'a str, Values<'a>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Values<'a> {
    One(&'a str),
    Many(Vec<&'a str>),
}

impl<'a> Context<'a> {
    /// An empty context.
    pub const fn new() -> Context<'a> {
        Context {
            entries: Vec::new(),
        }
    }

    /// Sets a single-valued key, replacing any value it had.
    pub fn insert(&mut self, key: &'a str, value: &'a str) -> &mut Context<'a> {
        self.set(key, Values::One(value));
        self
    }

    /// Sets a multivalued key, replacing any values it had; no values at all remove it.
    pub fn insert_many(
        &mut self,
        key: &'a str,
        values: impl IntoIterator<Item = &'a str>,
    ) -> &mut Context<'a> {
        let values: Vec<&'a str> = values.into_iter().collect();
        if values.is_empty() {
            self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        } else {
            self.set(key, Values::Many(values));
        }
        self
    }

    /// The same context with a single-valued key set, for building one in an expression.
    pub fn with(mut self, key: &'a str, value: &'a str) -> Context<'a> {
        self.insert(key, value);
        self
    }

    /// The same context with a multivalued key set.
    pub fn with_many(
        mut self,
        key: &'a str,
        values: impl IntoIterator<Item = &'a str>,
    ) -> Context<'a> {
        self.insert_many(key, values);
        self
    }

    /// The values of a key, or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[&'a str]> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, values)| match values {
                Values::One(value) => std::slice::from_ref(value),
                Values::Many(values) => values.as_slice(),
            })
    }

    fn set(&mut self, key: &'a str, values: Values<'a>) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some(entry) => *entry = (key, values),
            None => self.entries.push((key, values)),
        }
    }
}

/// The context of one evaluation: the caller's keys, then the keys that the principal
/// itself answers (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
/// `aws:username`, `aws:userid`) when the caller did not give them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'r> {
    pub(crate) context: &'r Context<'r>,
    pub(crate) principal: &'r Principal<'r>,
}

impl<'r> Scope<'r> {
    /// The values of a key: the caller's, or the principal's own.
    pub(crate) fn values(&self, key: &str) -> Option<&[&'r str]> {
        self.context.get(key).or_else(|| self.derived(key))
    }

    fn derived(&self, key: &str) -> Option<&[&'r str]> {
        let p = self.principal;
        let name = key
            .get(..4)
            .filter(|prefix| prefix.eq_ignore_ascii_case("aws:"))?;
        let key = &key[name.len()..];
        if key.eq_ignore_ascii_case("PrincipalType") {
            return p.kind().principal_type_values();
        }
        // Each field of a `Principal` is a `&'r str` it holds, so a one-element list of it can
        // be borrowed from the principal without copying.
        let field = if key.eq_ignore_ascii_case("PrincipalArn") {
            p.principal_arn_field()
        } else if key.eq_ignore_ascii_case("PrincipalAccount") {
            p.account_field()
        } else if key.eq_ignore_ascii_case("username") {
            p.name_field()
        } else if key.eq_ignore_ascii_case("userid") {
            p.user_id_field()
        } else {
            None
        };
        field.map(std::slice::from_ref)
    }
}

impl Lookup for Scope<'_> {
    fn single(&self, key: &str) -> Option<&str> {
        match self.values(key)? {
            [one] => Some(one),
            _ => None,
        }
    }
}
