//! What a GetObject or HeadObject reads of an object: all of it, the bytes a `Range` names,
//! or one part (`partNumber`), with the checksum that goes with what is read.

use axum::http::StatusCode;

use crate::body::parse_range;
use crate::error::S3Error;
use crate::meta::{BodyChecksum, ObjectMeta};
use crate::multipart;

/// The bytes a read answers with.
#[derive(Debug)]
pub(crate) struct Selection<'m> {
    /// First and last byte (inclusive), answered 206 with `Content-Range`; `None` for the
    /// whole object, answered 200.
    pub(crate) range: Option<(u64, u64)>,
    /// The checksum of exactly these bytes, if there is one: the object's for all of it,
    /// a part's for that part, none for a range.
    pub(crate) checksum: Option<&'m BodyChecksum>,
    /// `x-amz-mp-parts-count`: the object's count of parts, when a part of a multipart
    /// object is read.
    pub(crate) parts_count: Option<usize>,
}

/// What `range` (a `Range` header) or `part_number` (the `partNumber` parameter) selects of
/// the object `meta`. Both at once are 400 `InvalidRequest`, as in S3; a part number past the
/// object's parts is 416 `InvalidPartNumber`. An object put whole has one part, itself.
pub(crate) fn select<'m>(
    range: Option<&str>,
    part_number: Option<&str>,
    meta: &'m ObjectMeta,
) -> Result<Selection<'m>, S3Error> {
    let Some(number) = part_number else {
        let range = parse_range(range, meta.size)?;
        return Ok(Selection {
            checksum: meta.checksum.as_ref().filter(|_| range.is_none()),
            range,
            parts_count: None,
        });
    };
    if range.is_some() {
        return Err(S3Error::invalid_request(
            "Cannot specify both Range header and partNumber query parameter",
        ));
    }
    let number = multipart::part_number(Some(number))?;
    let beyond = || {
        S3Error::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidPartNumber",
            "The requested partnumber is not satisfiable",
        )
    };
    if meta.parts.is_empty() {
        if number != 1 {
            return Err(beyond());
        }
        return Ok(Selection {
            // An empty object has no byte to name.
            range: meta.size.checked_sub(1).map(|last| (0, last)),
            checksum: meta.checksum.as_ref(),
            parts_count: None,
        });
    }
    let mut start = 0u64;
    for part in &meta.parts {
        if part.number == number {
            // Parts are never empty but the only one: an empty one is read as all of nothing.
            return Ok(Selection {
                range: part.size.checked_sub(1).map(|last| (start, start + last)),
                checksum: part.checksum.as_ref(),
                parts_count: Some(meta.parts.len()),
            });
        }
        start += part.size;
    }
    Err(beyond())
}
