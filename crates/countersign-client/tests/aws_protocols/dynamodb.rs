//! DynamoDB on awsJson 1.0: create a table, put, get and query items, and its errors.

use countersign_client::{AwsJsonClient, CallError, JsonVersion};
use serde_json::json;

use crate::moto::{moto, unique};

fn dynamodb(moto: &crate::moto::Moto) -> AwsJsonClient {
    AwsJsonClient::new(
        moto.signing("dynamodb"),
        moto.endpoint(),
        JsonVersion::V1_0,
        "DynamoDB_20120810",
    )
}

#[tokio::test]
async fn dynamodb_create_table_put_get_query() {
    let moto = moto();
    let db = dynamodb(&moto);
    let table = unique("music");
    let created = db
        .call(
            "CreateTable",
            &json!({
                "TableName": table,
                "AttributeDefinitions": [
                    {"AttributeName": "artist", "AttributeType": "S"},
                    {"AttributeName": "song", "AttributeType": "S"}
                ],
                "KeySchema": [
                    {"AttributeName": "artist", "KeyType": "HASH"},
                    {"AttributeName": "song", "KeyType": "RANGE"}
                ],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        )
        .await
        .unwrap();
    assert_eq!(created["TableDescription"]["TableName"], json!(table));

    for (song, year) in [("Blue", "1971"), ("Both Sides Now", "1969")] {
        let put = db
            .call(
                "PutItem",
                &json!({
                    "TableName": table,
                    "Item": {
                        "artist": {"S": "Joni Mitchell"},
                        "song": {"S": song},
                        "year": {"N": year}
                    }
                }),
            )
            .await
            .unwrap();
        assert!(put.is_object());
    }
    db.call(
        "PutItem",
        &json!({"TableName": table, "Item": {"artist": {"S": "Nina Simone"}, "song": {"S": "Feeling Good"}}}),
    )
    .await
    .unwrap();

    let got = db
        .call(
            "GetItem",
            &json!({"TableName": table, "Key": {"artist": {"S": "Joni Mitchell"}, "song": {"S": "Blue"}}}),
        )
        .await
        .unwrap();
    assert_eq!(got["Item"]["year"], json!({"N": "1971"}));

    let queried = db
        .call(
            "Query",
            &json!({
                "TableName": table,
                "KeyConditionExpression": "artist = :a",
                "ExpressionAttributeValues": {":a": {"S": "Joni Mitchell"}}
            }),
        )
        .await
        .unwrap();
    assert_eq!(queried["Count"], json!(2));
    let songs: Vec<&str> = queried["Items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item["song"]["S"].as_str())
        .collect();
    assert_eq!(songs, ["Blue", "Both Sides Now"]);
}

#[tokio::test]
async fn dynamodb_error_of_a_missing_table() {
    let moto = moto();
    let error = dynamodb(&moto)
        .call(
            "GetItem",
            &json!({"TableName": "no-such-table", "Key": {"id": {"S": "1"}}}),
        )
        .await
        .unwrap_err();
    let CallError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "ResourceNotFoundException");
    assert!(error.message.contains("not found"), "{}", error.message);
}
