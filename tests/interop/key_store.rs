//! The key store behind the loopback servers: an unknown access key is refused, a store that
//! is down answers 503 and one that fails 500.

use crate::api_server::*;

refused! {
    unknown_access_key: api_with => 403 "InvalidAccessKeyId", |a| {
        whoami_by(a, ("AKIDUNKNOWN", SECRET), (REGION, SERVICE))
    };
    key_store_unavailable: api_with => 503 "ServiceUnavailable", |a| {
        whoami_by(a, ("AKIDUNAVAILABLE", SECRET), (REGION, SERVICE))
    };
    key_store_failing: api_with => 500 "InternalError", |a| {
        whoami_by(a, ("AKIDBROKEN", SECRET), (REGION, SERVICE))
    };
}
