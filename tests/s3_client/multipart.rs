//! Multipart uploads of a file: 40 MiB in five parts, four in flight, the progress reported
//! up to the whole; and an upload whose part is refused, aborted so that no upload is left.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use countersign::client::s3::{MultipartOptions, PutOptions};
use countersign::client::{Credentials, CredentialsFuture, ProvideCredentials};
use futures_util::StreamExt;

use crate::server::{pattern, Server, KEY};

over_http_and_https!(
    a_40_mib_file_uploads_in_parts,
    a_refused_part_aborts_the_upload,
);

const MIB: usize = 1024 * 1024;

async fn a_40_mib_file_uploads_in_parts(server: &Server) {
    let s3 = server.client();
    let bucket = server.bucket("multipart").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forty");
    let body = pattern(40 * MIB, 6);
    std::fs::write(&path, &body).unwrap();

    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = Arc::clone(&seen);
    let options = MultipartOptions::new()
        .part_size(8 * MIB as u64)
        .concurrency(4)
        .object(PutOptions::new().content_type("application/x-forty"))
        .progress(move |done, total| progress.lock().unwrap().push((done, total)));
    let uploaded = s3
        .upload_file(&bucket, "forty", &path, &options)
        .await
        .unwrap();
    let etag = uploaded.etag.expect("an ETag");
    assert!(etag.trim_matches('"').ends_with("-5"), "{etag}");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 5, "{seen:?}");
    let total = 40 * MIB as u64;
    assert!(seen.iter().all(|&(_, t)| t == total), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert_eq!(seen.last(), Some(&(total, total)));

    let mut object = s3.get_object_stream(&bucket, "forty", None).await.unwrap();
    assert_eq!(object.head().content_length, total);
    assert_eq!(
        object.head().content_type.as_deref(),
        Some("application/x-forty")
    );
    let mut offset = 0;
    while let Some(piece) = object.next().await {
        let piece = piece.unwrap();
        assert!(
            piece[..] == body[offset..offset + piece.len()],
            "the bytes differ in [{offset}, {})",
            offset + piece.len()
        );
        offset += piece.len();
    }
    assert_eq!(offset, body.len());
    assert!(s3
        .list_multipart_uploads(&bucket, None)
        .await
        .unwrap()
        .is_empty());
}

/// The server's key, but for one call of the provider, answered with a wrong secret.
#[derive(Debug)]
struct WrongOnce {
    calls: AtomicUsize,
    wrong_at: usize,
}

impl ProvideCredentials for WrongOnce {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let secret = if call == self.wrong_at {
            "not-the-secret"
        } else {
            KEY.secret
        };
        let credentials = Credentials::new(KEY.access_key_id, secret);
        Box::pin(std::future::ready(Ok(credentials)))
    }
}

async fn a_refused_part_aborts_the_upload(server: &Server) {
    // The first call creates the upload; the third, the first attempt of a part, signs with
    // a wrong secret, which the server refuses (not retried); the abort signs with the right
    // one again.
    let provider = Arc::new(WrongOnce {
        calls: AtomicUsize::new(0),
        wrong_at: 3,
    });
    let s3 = server.client_with(server.signing_with(Arc::clone(&provider)));
    let bucket = server.bucket("aborted").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twelve");
    // Parts of 5 MiB, which the server reads whole before refusing one.
    std::fs::write(&path, pattern(12 * MIB, 7)).unwrap();
    let options = MultipartOptions::new()
        .part_size(5 * MIB as u64)
        .concurrency(2);

    let error = s3
        .upload_file(&bucket, "twelve", &path, &options)
        .await
        .unwrap_err();
    let refused = error.service_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(refused.code, "SignatureDoesNotMatch", "{refused}");
    assert_eq!(refused.status, 403);

    let uploads = server
        .client()
        .list_multipart_uploads(&bucket, None)
        .await
        .unwrap();
    assert!(uploads.is_empty(), "left in progress: {uploads:?}");
    let head = server.client().head_object(&bucket, "twelve").await;
    assert!(head.is_err(), "{head:?}");
}
