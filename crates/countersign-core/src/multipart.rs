//! `multipart/form-data`, parsed sans-IO: push bytes in, take parts out. Part headers are
//! bounded; part data streams through (the delimiter is found across any split of the input).
//!
//! ```
//! use countersign_core::multipart::{MultipartParser, Part};
//! let mut parser = MultipartParser::new("XyZ");
//! parser.push(b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nphotos/a.jpg\r\n--XyZ--\r\n");
//! let mut events = Vec::new();
//! while let Some(part) = parser.next_part()? {
//!     events.push(part);
//! }
//! assert!(matches!(&events[0], Part::Start { name, .. } if name == "key"));
//! assert!(matches!(&events[1], Part::Data(d) if &d[..] == b"photos/a.jpg"));
//! assert!(matches!(events[2], Part::End));
//! assert!(matches!(events[3], Part::Finished));
//! # Ok::<(), countersign_core::multipart::MultipartError>(())
//! ```

use std::fmt;

use bytes::{Bytes, BytesMut};
use memchr::memmem::Finder;

/// The most bytes of one part's headers.
pub const MAX_PART_HEADER_BYTES: usize = 8 * 1024;

/// What the parser hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A part begins.
    Start {
        /// The form field name (`name=` of `Content-Disposition`).
        name: String,
        /// The file name, for a file part.
        filename: Option<String>,
        /// The part's `Content-Type`, if given.
        content_type: Option<String>,
    },
    /// Some of the part's data.
    Data(Bytes),
    /// The part ended.
    End,
    /// The closing delimiter was read.
    Finished,
}

/// A body that is not `multipart/form-data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError(String);

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed multipart/form-data: {}", self.0)
    }
}

impl std::error::Error for MultipartError {}

fn error(message: impl Into<String>) -> MultipartError {
    MultipartError(message.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    AfterDelimiter,
    Headers,
    Data,
    Done,
}

/// Parses one `multipart/form-data` body.
pub struct MultipartParser {
    /// `--boundary`
    dash_boundary: Vec<u8>,
    /// `\r\n--boundary`
    delimiter: Finder<'static>,
    delimiter_len: usize,
    buffer: BytesMut,
    state: State,
}

impl fmt::Debug for MultipartParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipartParser")
            .field("state", &self.state)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl MultipartParser {
    /// A parser for the given boundary (the `boundary=` parameter of the content type).
    pub fn new(boundary: &str) -> Self {
        let dash_boundary = format!("--{boundary}").into_bytes();
        let delimiter = format!("\r\n--{boundary}").into_bytes();
        MultipartParser {
            delimiter_len: delimiter.len(),
            delimiter: Finder::new(&delimiter).into_owned(),
            dash_boundary,
            buffer: BytesMut::new(),
            state: State::Preamble,
        }
    }

    /// The boundary of a `multipart/form-data` content type, if it is one.
    pub fn boundary(content_type: &str) -> Option<&str> {
        let (kind, params) = content_type.split_once(';')?;
        if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
            return None;
        }
        params
            .split(';')
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| v.trim().trim_matches('"'))
            })
            .filter(|b| !b.is_empty() && b.len() <= 70)
    }

    /// Feeds bytes as they arrive.
    pub fn push(&mut self, input: &[u8]) {
        self.buffer.extend_from_slice(input);
    }

    /// Whether the closing delimiter was read.
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// Bytes buffered and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The next part event, or `None` when more input is needed.
    pub fn next_part(&mut self) -> Result<Option<Part>, MultipartError> {
        loop {
            match self.state {
                State::Preamble => {
                    // The first delimiter may follow a preamble; it must start a line.
                    let finder = Finder::new(&self.dash_boundary);
                    match finder.find(&self.buffer) {
                        Some(at) if at == 0 || self.buffer[..at].ends_with(b"\r\n") => {
                            let _ = self.buffer.split_to(at + self.dash_boundary.len());
                            self.state = State::AfterDelimiter;
                        }
                        Some(at) => {
                            let _ = self.buffer.split_to(at + 1);
                        }
                        None => {
                            if self.buffer.len() > MAX_PART_HEADER_BYTES {
                                return Err(error("no boundary in the first bytes"));
                            }
                            return Ok(None);
                        }
                    }
                }
                State::AfterDelimiter => {
                    if self.buffer.len() < 2 {
                        return Ok(None);
                    }
                    match &self.buffer[..2] {
                        b"\r\n" => {
                            let _ = self.buffer.split_to(2);
                            self.state = State::Headers;
                        }
                        b"--" => {
                            let _ = self.buffer.split_to(2);
                            self.state = State::Done;
                            self.buffer.clear();
                            return Ok(Some(Part::Finished));
                        }
                        _ => return Err(error("a boundary must be followed by CRLF or --")),
                    }
                }
                State::Headers => {
                    let window = &self.buffer[..self.buffer.len().min(MAX_PART_HEADER_BYTES + 4)];
                    let Some(end) = Finder::new(b"\r\n\r\n")
                        .find(window)
                        .or_else(|| window.starts_with(b"\r\n").then_some(0))
                    else {
                        if self.buffer.len() > MAX_PART_HEADER_BYTES {
                            return Err(error(format!(
                                "part headers longer than {MAX_PART_HEADER_BYTES} bytes"
                            )));
                        }
                        return Ok(None);
                    };
                    let headers = self.buffer.split_to(end).to_vec();
                    let _ = self.buffer.split_to(if end == 0 { 2 } else { 4 });
                    self.state = State::Data;
                    return parse_headers(&headers).map(Some);
                }
                State::Data => {
                    if let Some(at) = self.delimiter.find(&self.buffer) {
                        if at > 0 {
                            return Ok(Some(Part::Data(self.buffer.split_to(at).freeze())));
                        }
                        let _ = self.buffer.split_to(self.delimiter_len);
                        self.state = State::AfterDelimiter;
                        return Ok(Some(Part::End));
                    }
                    // Hand out all but what could be the start of a delimiter.
                    let safe = self.buffer.len().saturating_sub(self.delimiter_len - 1);
                    if safe == 0 {
                        return Ok(None);
                    }
                    return Ok(Some(Part::Data(self.buffer.split_to(safe).freeze())));
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// Says the input ended: an error unless the closing delimiter was read.
    pub fn finish(&mut self) -> Result<Option<Part>, MultipartError> {
        if let Some(part) = self.next_part()? {
            return Ok(Some(part));
        }
        match self.state {
            State::Done => Ok(None),
            _ => Err(error("the body ended before the closing boundary")),
        }
    }
}

/// Reads `Content-Disposition: form-data; name=…; filename=…` and `Content-Type`.
fn parse_headers(raw: &[u8]) -> Result<Part, MultipartError> {
    let text = std::str::from_utf8(raw).map_err(|_| error("part headers are not UTF-8"))?;
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let (header, value) = line
            .split_once(':')
            .ok_or_else(|| error("a part header is not name: value"))?;
        if header.trim().eq_ignore_ascii_case("content-disposition") {
            let mut params = split_params(value);
            let kind = params.next().unwrap_or_default();
            if !kind.trim().eq_ignore_ascii_case("form-data") {
                return Err(error("a part's Content-Disposition must be form-data"));
            }
            for param in params {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                match k.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(unquote(v)),
                    "filename" => filename = Some(unquote(v)),
                    _ => {}
                }
            }
        } else if header.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_string());
        }
    }
    let name = name.ok_or_else(|| error("a part has no name"))?;
    Ok(Part::Start {
        name,
        filename,
        content_type,
    })
}

/// Splits header parameters on `;` outside quotes.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            '\\' if quoted && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        escaped = false;
    }
    parts.push(&value[start..]);
    parts.into_iter()
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part's name, file name and data.
    type Parsed = (String, Option<String>, Vec<u8>);

    fn parse(body: &[u8], step: usize) -> Result<Vec<Parsed>, MultipartError> {
        let mut parser = MultipartParser::new("b0und");
        let mut parts = Vec::new();
        let mut feed = body.chunks(step.max(1));
        loop {
            match parser.next_part()? {
                Some(Part::Start { name, filename, .. }) => {
                    parts.push((name, filename, Vec::new()))
                }
                Some(Part::Data(d)) => parts
                    .last_mut()
                    .ok_or_else(|| error("data before start"))?
                    .2
                    .extend_from_slice(&d),
                Some(Part::End) => {}
                Some(Part::Finished) => return Ok(parts),
                None => match feed.next() {
                    Some(piece) => parser.push(piece),
                    None => {
                        parser.finish()?;
                        return Ok(parts);
                    }
                },
            }
        }
    }

    #[test]
    fn fields_and_a_file_at_every_split() {
        let body = b"preamble\r\n--b0und\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuser/${filename}\r\n\
--b0und\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\nContent-Type: text/plain\r\n\r\n\
line one\r\n--b0un not yet\r\n--b0und--\r\nepilogue";
        for step in 1..40 {
            let parts = parse(body, step).unwrap_or_else(|e| panic!("step {step}: {e}"));
            assert_eq!(parts.len(), 2);
            assert_eq!(
                parts[0],
                ("key".to_string(), None, b"user/${filename}".to_vec())
            );
            assert_eq!(parts[1].1.as_deref(), Some("a \"b\".txt"));
            assert_eq!(parts[1].2, b"line one\r\n--b0un not yet");
        }
    }

    #[test]
    fn refusals() {
        for bad in [
            &b"--b0und\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b0und--"[..],
            b"--b0und\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b0und--",
            b"--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed",
            b"--b0undXX",
        ] {
            assert!(parse(bad, 3).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let huge = format!("--b0und\r\nX-Pad: {}\r\n\r\n", "x".repeat(10_000));
        assert!(parse(huge.as_bytes(), 100).is_err());
        assert_eq!(
            MultipartParser::boundary("multipart/form-data; boundary=\"abc\""),
            Some("abc")
        );
        assert_eq!(MultipartParser::boundary("text/plain; boundary=abc"), None);
    }
}
