//! The test harness itself: a server starts and answers, stops and restarts on its port, and
//! leaves no process behind.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::process::Command;

use support::RedisServer;

/// Whether a `redis-server` process listens on `port` (by its command line).
fn server_on(port: u16) -> bool {
    let out = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|line| line.starts_with("redis-server") && line.contains(&format!(":{port}")))
}

#[tokio::test]
async fn a_started_server_answers_ping() {
    let server = RedisServer::start();
    server.client().await.ping().await.unwrap();
}

#[tokio::test]
async fn a_dropped_server_leaves_no_process() {
    let server = RedisServer::start();
    let port = server.port();
    assert!(server_on(port), "no redis-server on {port}");
    drop(server);
    assert!(!server_on(port), "redis-server still runs on {port}");
}

#[tokio::test]
async fn a_stopped_server_restarts_on_its_port_and_the_client_reconnects() {
    let mut server = RedisServer::start();
    let client = server.client().await;
    client.ping().await.unwrap();
    server.stop();
    assert!(client.ping().await.is_err());
    server.restart();
    let mut answered = false;
    for _ in 0..50 {
        if client.ping().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(answered, "the client did not reconnect");
}
