//! A small XML reader for AWS's responses: the document as a tree of [`XmlElement`]s, looked
//! up by paths of element names.
//!
//! Built on quick-xml's pull reader (no features: no serde, no encodings but UTF-8). The
//! reader is bounded and expands nothing: a document type declaration is refused (so no
//! entity can be declared, let alone expanded), references are only the five predefined
//! entities and character references, nesting is at most [`MAX_DEPTH`] deep, and the input
//! is a byte slice whose size the caller has bounded already, so that the tree holds at most
//! as many elements as there are bytes.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The deepest nesting read: AWS's responses are a handful of levels deep.
pub const MAX_DEPTH: usize = 64;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    message: String,
}

impl XmlError {
    fn new(message: impl Into<String>) -> Self {
        XmlError {
            message: message.into(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for XmlError {}

/// An element: its local name (without a namespace prefix), its text (the text and CDATA
/// directly inside it, joined, as written: not trimmed), and its child elements in order.
/// Attributes are not kept: AWS's Query and EC2 responses carry none but namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlElement {
    name: String,
    text: String,
    children: Vec<XmlElement>,
}

impl XmlElement {
    /// Reads a document: its root element.
    pub fn parse(document: &[u8]) -> Result<XmlElement, XmlError> {
        let text = std::str::from_utf8(document)
            .map_err(|e| XmlError::new(format!("the document is not UTF-8: {e}")))?;
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;

        // The elements open, innermost last.
        let mut open: Vec<XmlElement> = Vec::new();
        let mut root: Option<XmlElement> = None;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| XmlError::new(format!("malformed XML: {e}")))?;
            match event {
                Event::Start(start) => {
                    if root.is_some() {
                        return Err(XmlError::new("content after the root element"));
                    }
                    if open.len() >= MAX_DEPTH {
                        return Err(XmlError::new(format!(
                            "elements nested more than {MAX_DEPTH} deep"
                        )));
                    }
                    open.push(XmlElement::named(start.local_name().as_ref())?);
                }
                Event::Empty(start) => {
                    if root.is_some() {
                        return Err(XmlError::new("content after the root element"));
                    }
                    let element = XmlElement::named(start.local_name().as_ref())?;
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = Some(element),
                    }
                }
                Event::End(_) => {
                    // quick-xml checks that the name matches the element open.
                    let Some(element) = open.pop() else {
                        return Err(XmlError::new("an end tag without its start"));
                    };
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = Some(element),
                    }
                }
                Event::Text(text) => {
                    let unescaped = text
                        .unescape()
                        .map_err(|e| XmlError::new(format!("malformed text: {e}")))?;
                    match open.last_mut() {
                        Some(element) => element.text.push_str(&unescaped),
                        None if unescaped.trim().is_empty() => {}
                        None => return Err(XmlError::new("text outside the root element")),
                    }
                }
                Event::CData(data) => {
                    let Some(element) = open.last_mut() else {
                        return Err(XmlError::new("CDATA outside the root element"));
                    };
                    let bytes: Cow<'_, [u8]> = data.into_inner();
                    let text = std::str::from_utf8(&bytes)
                        .map_err(|e| XmlError::new(format!("CDATA is not UTF-8: {e}")))?;
                    element.text.push_str(text);
                }
                Event::DocType(_) => {
                    return Err(XmlError::new(
                        "a document type declaration is not accepted (no entities are expanded)",
                    ))
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !open.is_empty() {
            return Err(XmlError::new("the document ends inside an element"));
        }
        root.ok_or_else(|| XmlError::new("the document has no element"))
    }

    fn named(name: &[u8]) -> Result<XmlElement, XmlError> {
        let name = std::str::from_utf8(name)
            .map_err(|e| XmlError::new(format!("an element name is not UTF-8: {e}")))?;
        Ok(XmlElement {
            name: name.to_string(),
            ..XmlElement::default()
        })
    }

    /// The element's local name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text directly inside the element (not its children's), as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The child elements, in order.
    pub fn children(&self) -> &[XmlElement] {
        &self.children
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first element at `path` below this one: child names separated by `/`
    /// (`"GetCallerIdentityResult/Arn"`), each step taking the first child of that name. An
    /// empty path is this element.
    pub fn find(&self, path: &str) -> Option<&XmlElement> {
        path.split('/')
            .filter(|step| !step.is_empty())
            .try_fold(self, |element, step| element.child(step))
    }

    /// Every element at `path`: the first match of each step but the last, then all the
    /// children of the last step's name (`"ReceiveMessageResult/Message"`: every message).
    pub fn find_all(&self, path: &str) -> Vec<&XmlElement> {
        let (parent, last) = match path.rsplit_once('/') {
            Some((parent, last)) => (self.find(parent), last),
            None => (Some(self), path),
        };
        parent
            .map(|p| p.children.iter().filter(|c| c.name == last).collect())
            .unwrap_or_default()
    }

    /// The text of the first element at `path` ([`find`](XmlElement::find)).
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.find(path).map(XmlElement::text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test panics on a broken fixture")]

    use super::*;

    #[test]
    fn paths_find_text_under_the_root() {
        let doc = br#"<?xml version="1.0"?>
            <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <GetCallerIdentityResult><Arn>arn:aws:iam::1:user/a</Arn></GetCallerIdentityResult>
            </GetCallerIdentityResponse>"#;
        let root = XmlElement::parse(doc).unwrap();
        assert_eq!(root.name(), "GetCallerIdentityResponse");
        assert_eq!(
            root.text_at("GetCallerIdentityResult/Arn"),
            Some("arn:aws:iam::1:user/a")
        );
        assert_eq!(root.text_at("GetCallerIdentityResult/Account"), None);
    }

    #[test]
    fn find_all_takes_every_repeated_element() {
        let doc = b"<R><L><M><B>1</B></M><M><B>2</B></M><X/></L></R>";
        let root = XmlElement::parse(doc).unwrap();
        let bodies: Vec<&str> = root
            .find_all("L/M")
            .iter()
            .filter_map(|m| m.text_at("B"))
            .collect();
        assert_eq!(bodies, ["1", "2"]);
    }

    #[test]
    fn prefixes_are_dropped_from_names() {
        let root = XmlElement::parse(b"<a:R xmlns:a=\"u\"><a:C>x</a:C></a:R>").unwrap();
        assert_eq!(root.text_at("C"), Some("x"));
    }

    #[test]
    fn predefined_entities_and_character_references_are_unescaped() {
        let root = XmlElement::parse(b"<R>a&amp;b&lt;&#65;&#x42;<![CDATA[<c>]]></R>").unwrap();
        assert_eq!(root.text(), "a&b<AB<c>");
    }

    #[test]
    fn text_keeps_its_spaces() {
        let root = XmlElement::parse(b"<R><Body>  two  spaces </Body></R>").unwrap();
        assert_eq!(root.text_at("Body"), Some("  two  spaces "));
    }

    #[test]
    fn a_doctype_is_refused() {
        let doc = b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"boom\">]><r>&e;</r>";
        let error = XmlElement::parse(doc).unwrap_err();
        assert!(error.to_string().contains("document type"), "{error}");
    }

    #[test]
    fn an_undeclared_entity_is_an_error() {
        assert!(XmlElement::parse(b"<r>&lol;</r>").is_err());
    }

    #[test]
    fn nesting_deeper_than_the_bound_is_an_error() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let error = XmlElement::parse(deep.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("nested"), "{error}");
        let fits = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(XmlElement::parse(fits.as_bytes()).is_ok());
    }

    #[test]
    fn mismatched_tags_are_an_error() {
        assert!(XmlElement::parse(b"<a><b></a></b>").is_err());
    }

    #[test]
    fn a_cut_document_is_an_error() {
        assert!(XmlElement::parse(b"<a><b>text</b>").is_err());
    }

    #[test]
    fn two_roots_are_an_error() {
        assert!(XmlElement::parse(b"<a/><b/>").is_err());
    }

    #[test]
    fn no_element_is_an_error() {
        assert!(XmlElement::parse(b"  ").is_err());
        assert!(XmlElement::parse(b"").is_err());
    }

    #[test]
    fn html_is_an_error() {
        let html = b"<!doctype html>\n<html lang=en><title>500</title>";
        assert!(XmlElement::parse(html).is_err());
    }
}
