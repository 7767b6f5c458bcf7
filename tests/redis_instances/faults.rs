//! Redis stopped during traffic, started again, started again empty, and slow: requests are
//! refused with 503 `ServiceUnavailable` (never accepted unchecked, never hung), and service
//! resumes without restarting the instances.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::admin::Admin;
use crate::instances::{self, DEVELOPMENT_KEY};
use crate::raw::{get, Answer};
use crate::redis_support::RedisServer;

/// How long the tests wait for an instance to see Redis back.
const RECOVERY: Duration = Duration::from_secs(10);

#[track_caller]
fn assert_unavailable(answer: &Answer) {
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.code(), Some("ServiceUnavailable"), "{answer:?}");
    assert!(answer.body.starts_with("<?xml"), "{answer:?}");
}

/// Polls until `GET /` by the development key answers `status`; whether it did in time.
fn eventually_status(addr: std::net::SocketAddr, secret: &str, status: u16) -> bool {
    let started = Instant::now();
    while started.elapsed() < RECOVERY {
        if get(addr, "/", DEVELOPMENT_KEY, secret).status == status {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn requests_while_redis_is_stopped_during_traffic_are_refused_with_503_and_service_resumes_when_it_is_back(
) {
    let mut redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 2);
    let secret = all[0].secret.clone();
    for instance in &all {
        assert_eq!(
            get(instance.addr, "/", DEVELOPMENT_KEY, &secret).status,
            200
        );
    }
    // Traffic to both instances, each answer with when its request was sent.
    let running = Arc::new(AtomicBool::new(true));
    let traffic = {
        let (running, secret) = (Arc::clone(&running), secret.clone());
        let addrs: Vec<_> = all.iter().map(|i| i.addr).collect();
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            while running.load(Ordering::Relaxed) {
                for addr in &addrs {
                    let sent = Instant::now();
                    answers.push((sent, get(*addr, "/", DEVELOPMENT_KEY, &secret)));
                }
            }
            answers
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    redis.stop();
    let stopped = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    running.store(false, Ordering::Relaxed);
    let answers = traffic.join().unwrap();
    // Every request needs Redis (its replay check at least): accepted while it ran, refused
    // with 503 once it stopped; never anything else.
    let after: Vec<_> = answers.iter().filter(|(sent, _)| *sent > stopped).collect();
    assert!(!after.is_empty(), "no traffic after Redis stopped");
    for (_, answer) in &after {
        assert_unavailable(answer);
    }
    for (_, answer) in &answers {
        assert!(answer.status == 200 || answer.status == 503, "{answer:?}");
    }
    // Redis back on its port; it was started empty, so the key is restored as an operator
    // restores a Redis from its persistence.
    redis.restart();
    Admin::new(&redis).put(
        DEVELOPMENT_KEY,
        &secret,
        "arn:aws:iam::000000000000:user/developer",
    );
    for instance in &all {
        assert!(
            eventually_status(instance.addr, &secret, 200),
            "{} did not resume",
            instance.url
        );
    }
}

#[test]
fn a_redis_restarted_empty_leaves_every_key_refused_as_unknown() {
    let mut redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 2);
    let secret = all[0].secret.clone();
    for instance in &all {
        assert_eq!(
            get(instance.addr, "/", DEVELOPMENT_KEY, &secret).status,
            200
        );
    }
    redis.restart();
    // SECURITY.md, "Shared state on Redis": a Redis restarted with an empty dataset has no
    // keys: every key is refused as unknown (403), once the instances are connected again.
    for instance in &all {
        assert!(
            eventually_status(instance.addr, &secret, 403),
            "{} never refused the key",
            instance.url
        );
        let answer = get(instance.addr, "/", DEVELOPMENT_KEY, &secret);
        assert_eq!(answer.code(), Some("InvalidAccessKeyId"), "{answer:?}");
    }
}

/// Pauses every client of `redis` for `ms` milliseconds (`CLIENT PAUSE ms ALL`): a Redis that
/// answers nothing meanwhile.
fn pause(redis: &RedisServer, ms: u64) {
    let mut stream = TcpStream::connect(("127.0.0.1", redis.port())).unwrap();
    write!(stream, "CLIENT PAUSE {ms} ALL\r\n").unwrap();
    let mut reply = [0u8; 5];
    std::io::Read::read_exact(&mut stream, &mut reply).unwrap();
    assert_eq!(&reply, b"+OK\r\n");
}

#[test]
fn requests_while_redis_is_slow_answer_503_within_the_command_timeout() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let all = instances::start(&redis, dir.path(), 2);
    let secret = all[0].secret.clone();
    for instance in &all {
        assert_eq!(
            get(instance.addr, "/", DEVELOPMENT_KEY, &secret).status,
            200
        );
    }
    pause(&redis, 4000);
    for instance in &all {
        let started = Instant::now();
        let answer = get(instance.addr, "/", DEVELOPMENT_KEY, &secret);
        let took = started.elapsed();
        assert_unavailable(&answer);
        // The examples' command timeout is one second; room for a loaded machine.
        assert!(took < Duration::from_millis(2500), "took {took:?}");
    }
    for instance in &all {
        assert!(
            eventually_status(instance.addr, &secret, 200),
            "{} did not resume",
            instance.url
        );
    }
}
