//! S3's XML: a small writer for responses, and a reader for the request documents
//! (`<Delete>`, `<CompleteMultipartUpload>`, `<CreateBucketConfiguration>`, `<Tagging>`,
//! `<CORSConfiguration>`) that refuses a DOCTYPE and expands no entity but the five
//! predefined ones and character references.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quick_xml::events::Event;
use quick_xml::Reader;

/// S3's namespace.
pub(crate) const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Why a request document is not one S3 takes (400 `MalformedXML`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MalformedXml(pub(crate) String);

impl MalformedXml {
    fn new(detail: impl std::fmt::Display) -> Self {
        MalformedXml(detail.to_string())
    }
}

/// The headers of an XML response.
pub(crate) fn xml_headers() -> [(&'static str, &'static str); 1] {
    [("content-type", "application/xml")]
}

/// A 200 response carrying an XML document.
pub(crate) fn xml_response(document: String) -> Response {
    (StatusCode::OK, xml_headers(), Body::from(document)).into_response()
}

/// Escapes text for element content: the five XML specials, and control characters as
/// character references (so that a `\r` in a key survives a parser's line-end normalization).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Builds an XML document element by element.
#[derive(Debug)]
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// A document whose root element carries S3's namespace.
    pub(crate) fn new(root: &str) -> Self {
        XmlWriter {
            out: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">"
            ),
        }
    }

    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>`, escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text.as_ref()));
        self.close(name)
    }

    /// `leaf` when there is a value.
    pub(crate) fn leaf_opt(&mut self, name: &str, text: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    pub(crate) fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.out
    }
}

/// The leaf elements of a request document: `(name, text)` pairs directly under the root,
/// and one list of pairs (its leaves) per record element: `<Object>` and `<Part>` under the
/// root, `<Tag>` under `<Tagging><TagSet>`.
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub(crate) top: Vec<(String, String)>,
    pub(crate) records: Vec<Vec<(String, String)>>,
}

impl Document {
    /// The text of a leaf directly under the root.
    pub(crate) fn top(&self, name: &str) -> Option<&str> {
        field(&self.top, name)
    }
}

/// The text of a leaf in a record.
pub(crate) fn field<'a>(record: &'a [(String, String)], name: &str) -> Option<&'a str> {
    record
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Parses a document whose root is `root` and whose repeated elements (at any depth, not
/// inside another) are `record`s made of leaf elements. Namespaces are ignored; text is
/// unescaped, never trimmed.
pub(crate) fn parse(bytes: &[u8], root: &str, record: &str) -> Result<Document, MalformedXml> {
    let source = std::str::from_utf8(bytes).map_err(MalformedXml::new)?;
    let mut reader = Reader::from_str(source);
    reader.config_mut().trim_text(false);
    let mut parser = Parser {
        root,
        record,
        stack: Vec::new(),
        text: String::new(),
        current: Vec::new(),
        record_depth: None,
        saw_root: false,
        document: Document::default(),
    };
    loop {
        match reader.read_event().map_err(MalformedXml::new)? {
            Event::Start(start) => parser.start(start.local_name().as_ref())?,
            Event::Empty(start) => {
                parser.start(start.local_name().as_ref())?;
                parser.end();
            }
            Event::Text(t) => parser
                .text
                .push_str(&t.unescape().map_err(MalformedXml::new)?),
            Event::CData(c) => parser
                .text
                .push_str(&String::from_utf8_lossy(&c.into_inner())),
            Event::End(_) => parser.end(),
            // No S3 document has one; refused whole, its entities are never expanded (nor
            // an external one fetched), however they nest.
            Event::DocType(_) => {
                return Err(MalformedXml::new(
                    "a DOCTYPE is not allowed: no entity is declared in an S3 document",
                ))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !parser.saw_root || !parser.stack.is_empty() {
        return Err(MalformedXml::new("the document is incomplete"));
    }
    Ok(parser.document)
}

struct Parser<'a> {
    root: &'a str,
    record: &'a str,
    /// The open elements: name, and whether a child element was seen.
    stack: Vec<(String, bool)>,
    text: String,
    current: Vec<(String, String)>,
    /// The depth of the record element open (the root's is 1), if one is.
    record_depth: Option<usize>,
    saw_root: bool,
    document: Document,
}

impl Parser<'_> {
    fn start(&mut self, name: &[u8]) -> Result<(), MalformedXml> {
        let name = String::from_utf8_lossy(name).into_owned();
        if let Some(parent) = self.stack.last_mut() {
            parent.1 = true;
        } else if name != self.root {
            return Err(MalformedXml::new(format!(
                "the root element must be {}, not {name}",
                self.root
            )));
        } else if self.saw_root {
            return Err(MalformedXml::new("more than one root element"));
        } else {
            self.saw_root = true;
        }
        if self.record_depth.is_none() && !self.stack.is_empty() && name == self.record {
            self.current.clear();
            self.record_depth = Some(self.stack.len() + 1);
        }
        self.stack.push((name, false));
        self.text.clear();
        Ok(())
    }

    fn end(&mut self) {
        let Some((name, had_children)) = self.stack.pop() else {
            return;
        };
        let text = std::mem::take(&mut self.text);
        // The depth of the element that closes.
        let depth = self.stack.len() + 1;
        match self.record_depth {
            // A record closes.
            Some(record) if record == depth => {
                self.record_depth = None;
                let record = std::mem::take(&mut self.current);
                self.document.records.push(record);
            }
            // A leaf of a record.
            Some(record) if record + 1 == depth && !had_children => {
                self.current.push((name, text));
            }
            Some(_) => {}
            // A leaf directly under the root.
            None if depth == 2 && !had_children => self.document.top.push((name, text)),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_under_the_root_and_deeper() {
        let parts = parse(
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part>\
              <Part><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>",
            "CompleteMultipartUpload",
            "Part",
        )
        .map_err(|e| e.0);
        let parts = parts.as_ref().map(|d| d.records.len());
        assert_eq!(parts, Ok(2));
        let tagging = parse(
            b"<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>\
              <Tag><Key>a &amp; b</Key><Value></Value></Tag><Tag><Key>c</Key><Value>d</Value></Tag>\
              </TagSet></Tagging>",
            "Tagging",
            "Tag",
        );
        let records = tagging.map(|d| d.records);
        let expected = vec![
            vec![
                ("Key".to_string(), "a & b".to_string()),
                ("Value".into(), String::new()),
            ],
            vec![
                ("Key".to_string(), "c".to_string()),
                ("Value".into(), "d".into()),
            ],
        ];
        assert_eq!(records, Ok(expected));
    }

    #[test]
    fn a_doctype_is_refused_whatever_it_declares() {
        for document in [
            &b"<!DOCTYPE Delete [<!ENTITY k \"v\">]><Delete><Object><Key>k</Key></Object></Delete>"
                [..],
            b"<!DOCTYPE Delete SYSTEM \"http://127.0.0.1:1/x.dtd\"><Delete/>",
            b"<?xml version=\"1.0\"?><!DOCTYPE Delete><Delete/>",
        ] {
            let parsed = parse(document, "Delete", "Object").map(|d| d.records.len());
            assert!(
                matches!(&parsed, Err(MalformedXml(m)) if m.contains("DOCTYPE")),
                "{parsed:?}"
            );
        }
    }

    #[test]
    fn an_undeclared_entity_is_malformed() {
        let parsed = parse(
            b"<Delete><Object><Key>&x;</Key></Object></Delete>",
            "Delete",
            "Object",
        );
        assert!(parsed.is_err());
    }

    #[test]
    fn leaves_under_the_root_are_its_top() {
        let document = parse(
            b"<Delete><Quiet>true</Quiet><Object><Key>k</Key></Object></Delete>",
            "Delete",
            "Object",
        );
        let top = document.map(|d| (d.top("Quiet").map(str::to_string), d.records.len()));
        assert_eq!(top, Ok((Some("true".to_string()), 1)));
    }
}
