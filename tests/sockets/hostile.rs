//! What the hostile cases share: one server of each kind for the whole binary, a case's
//! request and what it must get, and the check after each case that the server is still up,
//! still answers a valid signed request, and has not grown (a server that buffered what the
//! cases send, or leaked per request, would grow by far more than the bound).

use std::net::TcpStream;
use std::sync::LazyLock;
use std::time::Duration;

use crate::common::example_server::SharedServer;
use crate::raw::{converse, Expect, Step};
use crate::{Kind, Target, KEY};

/// How long a case waits for an answer once it has sent what it sends.
const WAIT: Duration = Duration::from_secs(3);
/// How much a shared server may grow past its size once started, in KiB.
const GROWTH_KIB: u64 = 64 * 1024;

/// A request of a case, how it is sent, and what it must get.
pub(crate) struct Case {
    steps: Vec<Step>,
    /// Whether the client then ends its side (it went away).
    close: bool,
    expect: Expect,
    /// Other connections kept open until the case is answered.
    held: Vec<TcpStream>,
}

impl Case {
    /// Sends `raw` whole and waits for the answer, keeping the write side open: hyper
    /// (without `half_close`) drops a connection whose read side ended, answered or not.
    pub(crate) fn send(raw: Vec<u8>, expect: Expect) -> Case {
        Case::steps(vec![Step::Bytes(raw)], false, expect)
    }

    /// Sends `request` as [`Case::send`] does.
    pub(crate) fn http(request: &http::Request<Vec<u8>>, expect: Expect) -> Case {
        Case::send(crate::common::raw_http(request), expect)
    }

    /// Sends `steps`, then ends the write side when `close`.
    pub(crate) fn steps(steps: Vec<Step>, close: bool, expect: Expect) -> Case {
        Case {
            steps,
            close,
            expect,
            held: Vec::new(),
        }
    }

    /// Keeps `connections` open until the case is answered.
    pub(crate) fn holding(mut self, connections: Vec<TcpStream>) -> Case {
        self.held = connections;
        self
    }
}

/// A server shared by the cases, and its size once started.
struct Shared {
    server: SharedServer,
    target: Target,
    started_kib: u64,
}

impl Shared {
    /// Starts example `kind` (with the `hostile` bucket for the S3 one) and checks it answers.
    fn start(kind: Kind) -> Shared {
        let server = SharedServer::start(kind.binary(), KEY, |command, dir| {
            kind.configure(command, dir, &[])
        });
        let target = Target {
            kind,
            addr: server.addr,
        };
        if kind == Kind::S3 {
            let created = target.send(&target.signed("PUT", "/hostile", &[], b""));
            assert_eq!(created.status, 200, "CreateBucket: {}", created.text());
        }
        let shared = Shared {
            started_kib: server.rss_kib(),
            server,
            target,
        };
        shared.assert_healthy();
        shared
    }

    /// The server is up, answers a valid signed request, and has not grown past the bound.
    fn assert_healthy(&self) {
        let kind = self.target.kind;
        assert!(self.server.alive(), "{kind:?}: the server process died");
        let probe = self.target.send(&self.target.probe());
        assert!(
            (200..300).contains(&probe.status),
            "{kind:?}: a valid request got {} {}",
            probe.status,
            probe.text()
        );
        let now = self.server.rss_kib();
        assert!(
            now < self.started_kib + GROWTH_KIB,
            "{kind:?}: VmRSS grew from {} KiB to {now} KiB",
            self.started_kib
        );
    }
}

static S3: LazyLock<Shared> = LazyLock::new(|| Shared::start(Kind::S3));
static API: LazyLock<Shared> = LazyLock::new(|| Shared::start(Kind::Api));

/// The kind a test of [`hostile!`] is named after.
pub(crate) fn kind(test: &str) -> Kind {
    match test {
        "s3" => Kind::S3,
        "api" => Kind::Api,
        other => panic!("no server kind {other}"),
    }
}

/// Sends the case that `case` makes for the shared server of `kind` (given its target and
/// the path a valid GET goes to), checks what came back, then the server's health.
pub(crate) fn run(kind: Kind, case: impl FnOnce(Target, &str) -> Case) {
    let shared: &Shared = match kind {
        Kind::S3 => &S3,
        Kind::Api => &API,
    };
    let path = match kind {
        Kind::S3 => "/",
        Kind::Api => "/whoami",
    };
    let case = case(shared.target, path);
    let outcome = converse(shared.target.addr, &case.steps, case.close, WAIT);
    if !case.expect.accepts(&outcome) {
        let sent: Vec<u8> = case
            .steps
            .iter()
            .flat_map(|s| match s {
                Step::Bytes(b) | Step::Trickle(b, _) => b.clone(),
                Step::Pause(_) => Vec::new(),
            })
            .collect();
        let shown: String = String::from_utf8_lossy(&sent).chars().take(600).collect();
        panic!(
            "{kind:?}: expected {:?}, got {}\n  request: {shown:?}",
            case.expect,
            outcome.summary()
        );
    }
    drop(case.held);
    shared.assert_healthy();
}

/// One module per case, a test in it per server kind listed (`s3`, `api`): `name [kinds]
/// (target, path) => case` makes the case's request for the shared server of that kind
/// (`target`; `path` is where a valid GET goes), sends it and checks what came back and the
/// server's health after it. The module sees its parent's items.
macro_rules! hostile {
    ($($(#[$doc:meta])* $name:ident [$($kind:ident),+] ($target:ident, $path:ident) => $case:expr;)*) => {
        $(
            $(#[$doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                $(
                    #[test]
                    fn $kind() {
                        $crate::hostile::run(
                            $crate::hostile::kind(stringify!($kind)),
                            #[allow(unused_variables)]
                            |$target: $crate::Target, $path: &str| -> $crate::hostile::Case {
                                $case
                            },
                        );
                    }
                )+
            }
        )*
    };
}
