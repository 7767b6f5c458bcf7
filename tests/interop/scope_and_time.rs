//! Scope and time on the loopback servers: a request signed 4 minutes either side of the
//! server's clock is accepted, 6 minutes is not; a scope of another day, region or service,
//! and a request without a date or with a broken one, are refused.
use time::Duration;

use crate::api_server::*;

/// A GET of /whoami signed `minutes` off the server's clock is accepted.
fn assert_skew_accepted(minutes: i64) {
    let req = signed_with(
        &signer(),
        api(),
        "GET",
        "/whoami",
        &[],
        b"",
        Duration::minutes(minutes),
    );
    let answer = send(api(), &req);
    assert_eq!(answer.status, 200, "{minutes} min: {}", answer.body);
}

#[test]
fn clock_skew_of_4_minutes_ahead_is_accepted() {
    assert_skew_accepted(4);
}

#[test]
fn clock_skew_of_4_minutes_behind_is_accepted() {
    assert_skew_accepted(-4);
}

refused! {
    scope_date_is_not_the_x_amz_date_day: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        let r = signed(a, "GET", "/whoami", &[], b"");
        let today = now().date();
        let stamp = |d: time::Date| {
            format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
        };
        let other = today.previous_day().unwrap();
        let value = authorization(&r).replace(
            &format!("/{}/", stamp(today)),
            &format!("/{}/", stamp(other)),
        );
        malformed_authorization(a, &value)
    };
    wrong_region: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        whoami_by(a, (AKID, SECRET), ("eu-west-1", SERVICE))
    };
    wrong_service: api_with => 400 "AuthorizationHeaderMalformed", |a| {
        whoami_by(a, (AKID, SECRET), (REGION, "s3"))
    };
    clock_skew_of_6_minutes_ahead: api_with => 403 "RequestTimeTooSkewed", |a| {
        whoami_signed_by(a, &signer(), Duration::minutes(6))
    };
    clock_skew_of_6_minutes_behind: api_with => 403 "RequestTimeTooSkewed", |a| {
        whoami_signed_by(a, &signer(), Duration::minutes(-6))
    };
    no_x_amz_date_nor_date: api_with => 403 "AccessDenied", |a| {
        let mut r = signed(a, "GET", "/whoami", &[], b"");
        r.headers_mut().remove("x-amz-date");
        let value = authorization(&r).replace("host;x-amz-date", "host");
        header(&mut r, "authorization", value.as_bytes());
        raw(&r)
    };
    x_amz_date_not_a_date: api_with => 403 "AccessDenied", |a| {
        let mut r = signed(a, "GET", "/whoami", &[], b"");
        header(&mut r, "x-amz-date", b"yesterday");
        raw(&r)
    };
}
