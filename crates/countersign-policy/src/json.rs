//! A JSON tree read strictly: nesting bounded while reading, duplicate member names refused
//! (a repeated `"Effect"` must not let the last one win silently).

use std::fmt;

use crate::error::PolicyError;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose objects keep their members in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// A number, as its shortest decimal text.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Reads a document, refusing nesting deeper than `max_depth` and repeated member names.
    /// The error is a message that names the line and column.
    pub(crate) fn parse(text: &str, max_depth: usize) -> Result<Json, String> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = Seed { depth: max_depth }
            .deserialize(&mut deserializer)
            .map_err(|e| syntax_error(&e))?;
        deserializer.end().map_err(|e| syntax_error(&e))?;
        Ok(value)
    }

    /// The JSON type, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }
}

/// A string or a non-empty list of strings.
pub(crate) fn strings<'j>(value: &'j Json, place: &str) -> Result<Vec<&'j str>, PolicyError> {
    let wrong = |v: &Json| {
        PolicyError::malformed(
            place,
            format!("must be a string or a list of strings, not {}", describe(v)),
        )
    };
    match value {
        Json::String(s) => Ok(vec![s.as_str()]),
        Json::Array(items) if items.is_empty() => {
            Err(PolicyError::malformed(place, "must not be an empty list"))
        }
        Json::Array(items) => items
            .iter()
            .map(|item| match item {
                Json::String(s) => Ok(s.as_str()),
                other => Err(wrong(other)),
            })
            .collect(),
        other => Err(wrong(other)),
    }
}

/// A JSON value's type, and its text for a string.
pub(crate) fn describe(value: &Json) -> String {
    match value {
        Json::String(s) => format!("\"{}\"", s.escape_debug()),
        other => other.type_name().to_owned(),
    }
}

fn syntax_error(e: &serde_json::Error) -> String {
    // serde_json's message already ends with "at line L column C".
    format!("not valid JSON: {e}")
}

/// How many members of an object are compared one by one with each new name.
const LOOK_BACK: usize = 32;

fn repeated<E: de::Error>(name: &str) -> E {
    E::custom(format!(
        "the member \"{}\" appears twice in one object",
        name.escape_debug()
    ))
}

struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Seed {
    /// The seed for the members of a list or object that this seed is reading, or an error
    /// when this one may not open another level.
    fn nested<E: de::Error>(&self) -> Result<Seed, E> {
        match self.depth.checked_sub(1) {
            Some(depth) => Ok(Seed { depth }),
            None => Err(E::custom("nested deeper than a policy document can be")),
        }
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed { depth: inner.depth })? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let inner = self.nested()?;
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            // Policy objects are small: a look back is cheapest, and names the repeat where
            // it is. Past a few dozen members, one sort at the end keeps the check linearithmic.
            if members.len() < LOOK_BACK && members.iter().any(|(seen, _)| *seen == name) {
                return Err(repeated(&name));
            }
            let value = map.next_value_seed(Seed { depth: inner.depth })?;
            members.push((name, value));
        }
        if members.len() > LOOK_BACK {
            let mut names: Vec<&str> = members.iter().map(|(name, _)| name.as_str()).collect();
            names.sort_unstable();
            if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
                return Err(repeated(pair[0]));
            }
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn duplicate_member_is_refused() {
        let e = Json::parse(r#"{"Effect": "Allow", "Effect": "Deny"}"#, 8).unwrap_err();
        assert!(e.contains("\"Effect\" appears twice"), "{e}");
    }

    #[test]
    fn duplicate_member_of_a_large_object_is_refused() {
        let members: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let json = format!("{{{}, \"k7\": 0}}", members.join(", "));
        let e = Json::parse(&json, 8).unwrap_err();
        assert!(e.contains("\"k7\" appears twice"), "{e}");
        let unique = format!("{{{}}}", members.join(", "));
        assert!(Json::parse(&unique, 8).is_ok());
    }

    #[test]
    fn nesting_beyond_the_bound_is_refused() {
        assert!(Json::parse("[[[1]]]", 3).is_ok());
        let e = Json::parse("[[[[1]]]]", 3).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
    }

    #[test]
    fn trailing_text_is_refused() {
        let e = Json::parse("{} {}", 8).unwrap_err();
        assert!(e.contains("trailing characters"), "{e}");
    }
}
