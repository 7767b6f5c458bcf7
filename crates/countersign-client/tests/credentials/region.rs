//! `default_region`: the environment, then the profile; a named profile wins.

use countersign_client::credentials_chain::default_region;

use crate::common::Home;

const CONFIG: &str = "[default]\nregion = eu-north-1\n[profile dev]\nregion = ap-southeast-2\n";

#[test]
fn region_of_aws_region_first() {
    let home = Home::new(None, Some(CONFIG));
    let env = home.env(&[
        ("AWS_REGION", "sa-east-1"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
    ]);
    assert_eq!(
        default_region(&env, None).unwrap().as_deref(),
        Some("sa-east-1")
    );
}

#[test]
fn region_of_aws_default_region_before_the_profile() {
    let home = Home::new(None, Some(CONFIG));
    let env = home.env(&[("AWS_DEFAULT_REGION", "us-west-2")]);
    assert_eq!(
        default_region(&env, None).unwrap().as_deref(),
        Some("us-west-2")
    );
}

#[test]
fn region_of_the_profile_of_aws_profile() {
    let home = Home::new(None, Some(CONFIG));
    let env = home.env(&[("AWS_PROFILE", "dev")]);
    assert_eq!(
        default_region(&env, None).unwrap().as_deref(),
        Some("ap-southeast-2")
    );
}

#[test]
fn region_of_a_named_profile_wins_over_the_environment() {
    let home = Home::new(None, Some(CONFIG));
    let env = home.env(&[("AWS_REGION", "sa-east-1")]);
    assert_eq!(
        default_region(&env, Some("dev")).unwrap().as_deref(),
        Some("ap-southeast-2")
    );
}

#[test]
fn region_none_when_nothing_says() {
    let home = Home::new(None, None);
    assert_eq!(default_region(&home.env(&[]), None).unwrap(), None);
}
