//! `ProfileProvider`: static keys, which file wins, `source_profile` chains and cycles,
//! roles through the STS seam, malformed files.

use countersign_client::credentials_chain::{ProfileProvider, WebIdentityProvider};
use countersign_client::CredentialsErrorKind;

use crate::common::{FakeSts, Home};

const CREDENTIALS: &str =
    "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n\
     # the dev profile\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=dev-secret\n\
     aws_session_token = dev-token\n";

#[tokio::test]
async fn profile_default_keys_of_the_credentials_file() {
    let home = Home::new(Some(CREDENTIALS), None);
    let credentials = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDDEFAULT");
    assert_eq!(credentials.secret.expose(), "default-secret");
    assert_eq!(credentials.session_token, None);
}

#[tokio::test]
async fn profile_named_by_aws_profile() {
    let home = Home::new(Some(CREDENTIALS), None);
    let credentials = ProfileProvider::new(home.env(&[("AWS_PROFILE", "dev")]))
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDDEV");
    assert_eq!(credentials.session_token.as_deref(), Some("dev-token"));
}

#[tokio::test]
async fn profile_named_in_code_wins_over_aws_profile() {
    let home = Home::new(Some(CREDENTIALS), None);
    let credentials = ProfileProvider::new(home.env(&[("AWS_PROFILE", "dev")]))
        .profile("default")
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "AKIDDEFAULT");
}

#[tokio::test]
async fn profile_files_named_by_the_environment() {
    let home = Home::new(None, None);
    let credentials = home.path().join("creds.ini");
    let config = home.path().join("conf.ini");
    std::fs::write(
        &credentials,
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n",
    )
    .unwrap();
    std::fs::write(
        &config,
        "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s\n",
    )
    .unwrap();
    let env = home.env(&[
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    let got = ProfileProvider::new(env.clone())
        .profile("other")
        .credentials()
        .await
        .unwrap();
    assert_eq!(got.access_key_id, "AKIDOTHER");
    let got = ProfileProvider::new(env)
        .profile("cfg")
        .credentials()
        .await
        .unwrap();
    assert_eq!(got.access_key_id, "AKIDCFG");
}

#[tokio::test]
async fn profile_config_file_sections_are_profile_name_and_default() {
    let home = Home::new(
        None,
        Some(
            "[default]\naws_access_key_id = AKIDCFGDEFAULT\naws_secret_access_key = s\n\
              [dev]\naws_access_key_id = AKIDNOTAPROFILE\naws_secret_access_key = s\n\
              [profile dev]\naws_access_key_id = AKIDCFGDEV\naws_secret_access_key = s\n",
        ),
    );
    let got = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap();
    assert_eq!(got.access_key_id, "AKIDCFGDEFAULT");
    let got = ProfileProvider::new(home.env(&[]))
        .profile("dev")
        .credentials()
        .await
        .unwrap();
    assert_eq!(got.access_key_id, "AKIDCFGDEV");
}

#[tokio::test]
async fn profile_credentials_file_wins_over_config_file() {
    let home = Home::new(
        Some("[dev]\naws_access_key_id = AKIDFROMCREDENTIALS\naws_secret_access_key = s1\n"),
        Some("[profile dev]\naws_access_key_id = AKIDFROMCONFIG\naws_secret_access_key = s2\n"),
    );
    let got = ProfileProvider::new(home.env(&[]))
        .profile("dev")
        .credentials()
        .await
        .unwrap();
    assert_eq!(got.access_key_id, "AKIDFROMCREDENTIALS");
    assert_eq!(got.secret.expose(), "s1");
}

#[tokio::test]
async fn profile_missing_default_is_not_found() {
    let home = Home::new(None, None);
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[tokio::test]
async fn profile_missing_named_profile_is_invalid() {
    let home = Home::new(Some(CREDENTIALS), None);
    let error = ProfileProvider::new(home.env(&[]))
        .profile("nope")
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("no profile [nope]"), "{error}");
}

#[tokio::test]
async fn profile_missing_profile_of_aws_profile_is_invalid() {
    let home = Home::new(Some(CREDENTIALS), None);
    let error = ProfileProvider::new(home.env(&[("AWS_PROFILE", "nope")]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
}

#[tokio::test]
async fn profile_without_credentials_is_not_found() {
    let home = Home::new(None, Some("[default]\nregion = eu-west-1\n"));
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[tokio::test]
async fn profile_access_key_without_secret_is_invalid() {
    let home = Home::new(Some("[default]\naws_access_key_id = AKID\n"), None);
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("aws_secret_access_key"), "{error}");
}

#[tokio::test]
async fn profile_malformed_credentials_file_names_the_file_and_line() {
    let home = Home::new(
        Some("[default]\naws_access_key_id = AKID\naws_secret_access_key\n"),
        None,
    );
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    let text = error.to_string();
    assert!(
        text.contains(home.credentials_file().to_str().unwrap()),
        "{text}"
    );
    assert!(text.contains("line 3"), "{text}");
}

#[tokio::test]
async fn profile_malformed_config_file_names_the_file_and_line() {
    let home = Home::new(
        Some(CREDENTIALS),
        Some("# config\n\n[profile dev\nregion = x\n"),
    );
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    let text = error.to_string();
    assert!(
        text.contains(home.config_file().to_str().unwrap()),
        "{text}"
    );
    assert!(text.contains("line 3"), "{text}");
}

const ROLES: &str =
    "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n\
     [profile middle]\nrole_arn = arn:aws:iam::111111111111:role/middle\nsource_profile = base\n\
     [profile top]\nrole_arn = arn:aws:iam::222222222222:role/top\nsource_profile = middle\n\
     external_id = ext\nduration_seconds = 900\n";

#[tokio::test]
async fn profile_role_without_sts_is_invalid_and_says_it_is_not_supported() {
    let home = Home::new(None, Some(ROLES));
    let error = ProfileProvider::new(home.env(&[]))
        .profile("top")
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(
        error
            .message()
            .contains("arn:aws:iam::222222222222:role/top"),
        "{error}"
    );
    assert!(error.message().contains("not supported"), "{error}");
}

#[tokio::test]
async fn profile_source_profile_chain_assumes_each_role_from_the_inside_out() {
    let home = Home::new(None, Some(ROLES));
    let sts = FakeSts::new();
    let credentials = ProfileProvider::new(home.env(&[]))
        .profile("top")
        .assume_role(sts.clone())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIA-top");
    assert_eq!(
        sts.calls(),
        vec![
            (
                "AKIDBASE".to_string(),
                "arn:aws:iam::111111111111:role/middle".to_string()
            ),
            (
                "ASIA-middle".to_string(),
                "arn:aws:iam::222222222222:role/top".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn profile_source_profile_cycle_is_invalid() {
    let home = Home::new(
        None,
        Some(
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
              [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n\
              [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n",
        ),
    );
    let sts = FakeSts::new();
    let error = ProfileProvider::new(home.env(&[]))
        .profile("a")
        .assume_role(sts.clone())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("a -> b -> c -> a"), "{error}");
    assert!(sts.calls().is_empty());
}

#[tokio::test]
async fn profile_that_is_its_own_source_with_keys_is_not_a_cycle() {
    let home = Home::new(
        None,
        Some(
            "[profile self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n\
              role_arn = arn:aws:iam::1:role/self\nsource_profile = self\n",
        ),
    );
    let sts = FakeSts::new();
    let credentials = ProfileProvider::new(home.env(&[]))
        .profile("self")
        .assume_role(sts.clone())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIA-self");
    assert_eq!(
        sts.calls(),
        vec![(
            "AKIDSELF".to_string(),
            "arn:aws:iam::1:role/self".to_string()
        )]
    );
}

#[tokio::test]
async fn profile_that_is_its_own_source_without_keys_is_a_cycle() {
    let home = Home::new(
        None,
        Some("[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n"),
    );
    let error = ProfileProvider::new(home.env(&[]))
        .profile("self")
        .assume_role(FakeSts::new())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("cycle"), "{error}");
}

#[tokio::test]
async fn profile_missing_source_profile_is_invalid() {
    let home = Home::new(
        None,
        Some("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = gone\n"),
    );
    let error = ProfileProvider::new(home.env(&[]))
        .profile("a")
        .assume_role(FakeSts::new())
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("[gone]"), "{error}");
}

#[tokio::test]
async fn profile_web_identity_without_sts_is_invalid() {
    let home = Home::new(
        None,
        Some(
            "[default]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = /tmp/token\n",
        ),
    );
    let error = ProfileProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("web identity"), "{error}");
    assert!(error.message().contains("not supported"), "{error}");
}

#[tokio::test]
async fn profile_web_identity_reads_the_token_file_for_sts() {
    let home = Home::new(None, None);
    let token = home.path().join("token");
    std::fs::write(&token, "eyJ.token.sig\n").unwrap();
    std::fs::write(
        home.config_file(),
        format!(
            "[default]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = {}\n",
            token.display()
        ),
    )
    .unwrap();
    let sts = FakeSts::new();
    let credentials = ProfileProvider::new(home.env(&[]))
        .assume_role(sts.clone())
        .credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id, "ASIA-WEB");
    assert_eq!(
        sts.calls(),
        vec![(
            "web:arn:aws:iam::1:role/web".to_string(),
            "eyJ.token.sig".to_string()
        )]
    );
}

#[tokio::test]
async fn web_identity_of_the_environment_unset_is_not_found() {
    let home = Home::new(None, None);
    let error = WebIdentityProvider::new(home.env(&[]))
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
}

#[tokio::test]
async fn web_identity_of_the_environment_without_sts_is_invalid() {
    let home = Home::new(None, None);
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::1:role/eks"),
    ]);
    let error = WebIdentityProvider::new(env)
        .credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Invalid);
    assert!(error.message().contains("not supported"), "{error}");
}
