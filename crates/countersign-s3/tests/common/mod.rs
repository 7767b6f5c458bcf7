//! What the tests that drive the test server share: its key's signing, and reading the
//! elements of its XML answers.

use countersign_client::{Credentials, Signing};
use countersign_s3::TestServer;

/// The signing of the server's key.
pub(crate) fn signing(server: &TestServer) -> Signing {
    let credentials = Credentials::new(server.access_key_id(), server.secret_access_key());
    Signing::new(credentials, server.region(), "s3").s3()
}

/// The text between `<name>` and `</name>`, each time it comes.
pub(crate) fn elements<'a>(document: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    document
        .split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split_once(close.as_str()).map(|(text, _)| text))
        .collect()
}
