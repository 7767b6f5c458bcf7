//! The global condition keys with the `aws:` prefix, as IAM's page "AWS global condition
//! context keys" lists them
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>):
//! the properties of the principal, of the role session, of the network, of the resource and
//! of the request. The page's cross-service keys (`ec2:SourceInstanceArn`,
//! `lambda:SourceFunctionArn`, ...) have other prefixes and are not checked. Key names are
//! compared without regard to case, as IAM compares them.

/// The keys named in full.
pub(crate) const GLOBAL_KEYS: &[&str] = &[
    // The principal.
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    // The role session.
    "aws:AssumedRoot",
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:ChatbotSourceArn",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:SourceIdentity",
    // The network.
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
    // The resource.
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    // The request.
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:IsMcpServiceAction",
    "aws:referer",
    "aws:RequestedRegion",
    "aws:TagKeys",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:UserAgent",
];

/// The keys that take a tag key after the slash (`aws:PrincipalTag/team`).
pub(crate) const GLOBAL_KEY_PREFIXES: &[&str] =
    &["aws:PrincipalTag/", "aws:ResourceTag/", "aws:RequestTag/"];
