//! IP address condition operators:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>.

use crate::case::*;

const OFFICE: &str = r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#;

const MIXED: &str = r#"{"Effect": "Allow", "Action": "someservice:*", "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}}"#;

cases! {
    ip_address_in_the_range {
        follows: "Conditions_IPAddress: the request must come from 203.0.113.0 to 203.0.113.255",
        identity: [OFFICE],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:SourceIp" => "203.0.113.255" },
        expect: Allow
    }
    ip_address_outside_the_range {
        follows: "Conditions_IPAddress: an address outside the range does not match",
        identity: [OFFICE],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:SourceIp" => "203.0.114.1" },
        expect: ImplicitDeny
    }
    ip_address_without_the_key {
        follows: "Conditions_IPAddress: without aws:SourceIp (a VPC endpoint request) the condition returns false",
        identity: [OFFICE],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        expect: ImplicitDeny
    }
    ip_address_single_address_means_slash_32 {
        follows: "Conditions_IPAddress: an IP address without a routing prefix takes /32",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.7"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceIp" => "203.0.113.8" },
        expect: ImplicitDeny
    }
    ip_address_ipv6_range {
        follows: "Conditions_IPAddress: mixing IPv4 and IPv6 ranges (2001:DB8:1234:5678::/64)",
        identity: [MIXED],
        who: alice(), action: "someservice:Do", on: "*",
        ctx: { "aws:SourceIp" => "2001:db8:1234:5678:9:8:7:6" },
        expect: Allow
    }
    ip_address_ipv6_outside_the_range {
        follows: "Conditions_IPAddress: an IPv6 address outside the listed ranges",
        identity: [MIXED],
        who: alice(), action: "someservice:Do", on: "*",
        ctx: { "aws:SourceIp" => "2001:db8:1234:5679::1" },
        expect: ImplicitDeny
    }
    ip_address_ipv4_in_a_mixed_list {
        follows: "Conditions_IPAddress: the IPv4 range of the mixed list",
        identity: [MIXED],
        who: alice(), action: "someservice:Do", on: "*",
        ctx: { "aws:SourceIp" => "203.0.113.1" },
        expect: Allow
    }
    not_ip_address_outside_the_range {
        follows: "Conditions_IPAddress: NotIpAddress, all addresses except the range",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OfficeOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceIp" => "198.51.100.20" },
        expect: ExplicitDeny by "OfficeOnly"
    }
    not_ip_address_inside_the_range {
        follows: "Conditions_IPAddress: NotIpAddress does not hold inside the range",
        identity: [r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceIp" => "203.0.113.20" },
        expect: Allow by "All"
    }
    ip_address_value_that_is_not_an_address {
        follows: "Conditions_IPAddress: a request value that is not an address is in no range",
        identity: [OFFICE],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:SourceIp" => "203.0.113" },
        expect: ImplicitDeny
    }
}
