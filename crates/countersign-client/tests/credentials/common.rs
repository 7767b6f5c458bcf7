//! Helpers: profile files in a temporary directory, and a fake STS that records its calls.
#![allow(dead_code, unreachable_pub)] // shared by the modules, each using part of it

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_client::credentials_chain::{
    AssumeRole, AssumeRoleRequest, Environment, WebIdentityRequest,
};
use countersign_client::{Credentials, CredentialsFuture};

/// A home directory with `.aws/credentials` and `.aws/config` (either may be absent).
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new(credentials: Option<&str>, config: Option<&str>) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        if let Some(text) = credentials {
            std::fs::write(aws.join("credentials"), text).unwrap();
        }
        if let Some(text) = config {
            std::fs::write(aws.join("config"), text).unwrap();
        }
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn credentials_file(&self) -> PathBuf {
        self.dir.path().join(".aws").join("credentials")
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join(".aws").join("config")
    }

    /// An environment with this home and the `extra` variables.
    pub fn env(&self, extra: &[(&str, &str)]) -> Environment {
        let mut vars: Vec<(String, String)> = vec![(
            "HOME".to_string(),
            self.dir.path().to_str().unwrap().to_string(),
        )];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Environment::from_vars(vars)
    }
}

/// What the fake STS was asked: `assume_role` as (source key id, role ARN), and web
/// identity as (`web:` role ARN, token).
#[derive(Debug, Default)]
pub struct FakeSts {
    pub calls: Mutex<Vec<(String, String)>>,
}

impl FakeSts {
    pub fn new() -> Arc<FakeSts> {
        Arc::new(FakeSts::default())
    }

    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().unwrap().clone()
    }
}

impl AssumeRole for FakeSts {
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        request: &'a AssumeRoleRequest,
    ) -> CredentialsFuture<'a> {
        self.calls
            .lock()
            .unwrap()
            .push((source.access_key_id.clone(), request.role_arn.clone()));
        let id = format!("ASIA-{}", request.role_arn.rsplit('/').next().unwrap());
        Box::pin(std::future::ready(Ok(
            Credentials::new(id, "role-secret").with_session_token("role-token")
        )))
    }

    fn assume_role_with_web_identity<'a>(
        &'a self,
        request: &'a WebIdentityRequest,
    ) -> CredentialsFuture<'a> {
        self.calls
            .lock()
            .unwrap()
            .push((format!("web:{}", request.role_arn), request.token.clone()));
        Box::pin(std::future::ready(Ok(Credentials::new(
            "ASIA-WEB",
            "web-secret",
        ))))
    }
}
