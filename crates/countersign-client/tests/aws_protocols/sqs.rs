//! SQS on the Query protocol (moto answers SQS's older Query protocol as well as its JSON
//! one): create a queue, send, receive, delete the message and the queue, and its errors.

use countersign_client::{CallError, QueryClient};

use crate::moto::{moto, unique};

const VERSION: &str = "2012-11-05";

#[tokio::test]
async fn sqs_query_create_send_receive_delete() {
    let moto = moto();
    let sqs = QueryClient::new(moto.signing("sqs"), moto.endpoint());
    let name = unique("orders");

    let created = sqs
        .call("CreateQueue", VERSION, [("QueueName", name.as_str())])
        .await
        .unwrap();
    let queue_url = created
        .text("CreateQueueResult/QueueUrl")
        .expect("a queue URL")
        .to_string();
    assert!(queue_url.ends_with(&format!("/{name}")), "{queue_url}");

    // A body with characters the form must encode, and spaces that must survive.
    let body = " café & <tea> = 100% ";
    let sent = sqs
        .call(
            "SendMessage",
            VERSION,
            [("QueueUrl", queue_url.as_str()), ("MessageBody", body)],
        )
        .await
        .unwrap();
    let message_id = sent
        .text("SendMessageResult/MessageId")
        .unwrap()
        .to_string();

    let received = sqs
        .call(
            "ReceiveMessage",
            VERSION,
            [
                ("QueueUrl", queue_url.as_str()),
                ("MaxNumberOfMessages", "10"),
            ],
        )
        .await
        .unwrap();
    let messages = received.find_all("ReceiveMessageResult/Message");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text_at("MessageId"), Some(message_id.as_str()));
    assert_eq!(messages[0].text_at("Body"), Some(body));
    let receipt = messages[0].text_at("ReceiptHandle").unwrap().to_string();

    sqs.call(
        "DeleteMessage",
        VERSION,
        [
            ("QueueUrl", queue_url.as_str()),
            ("ReceiptHandle", receipt.as_str()),
        ],
    )
    .await
    .unwrap();
    let again = sqs
        .call(
            "ReceiveMessage",
            VERSION,
            [("QueueUrl", queue_url.as_str())],
        )
        .await
        .unwrap();
    assert!(again.find_all("ReceiveMessageResult/Message").is_empty());

    sqs.call("DeleteQueue", VERSION, [("QueueUrl", queue_url.as_str())])
        .await
        .unwrap();
    let gone = sqs
        .call("GetQueueUrl", VERSION, [("QueueName", name.as_str())])
        .await
        .unwrap_err();
    assert_eq!(
        gone.service_error().map(|e| e.code.as_str()),
        Some("AWS.SimpleQueueService.NonExistentQueue")
    );
}

#[tokio::test]
async fn sqs_query_error_of_a_missing_queue() {
    let moto = moto();
    let sqs = QueryClient::new(moto.signing("sqs"), moto.endpoint());
    let error = sqs
        .call("GetQueueUrl", VERSION, [("QueueName", "no-such-queue")])
        .await
        .unwrap_err();
    let CallError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "AWS.SimpleQueueService.NonExistentQueue");
    assert!(
        error.message.contains("queue does not exist"),
        "{}",
        error.message
    );
    assert_eq!(error.fault.as_deref(), Some("Sender"));
    assert!(error.request_id.is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn sqs_json_error_of_a_missing_queue() {
    use countersign_client::{AwsJsonClient, JsonVersion};
    let moto = moto();
    let sqs = AwsJsonClient::new(
        moto.signing("sqs"),
        moto.endpoint(),
        JsonVersion::V1_0,
        "AmazonSQS",
    );
    let error = sqs
        .call(
            "GetQueueUrl",
            &serde_json::json!({"QueueName": "no-such-queue"}),
        )
        .await
        .unwrap_err();
    let CallError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    assert_eq!(error.status, 400);
    // `com.amazonaws.sqs#QueueDoesNotExist` in the header and the body, shorn.
    assert_eq!(error.code, "QueueDoesNotExist");
    assert_eq!(error.message, "The specified queue does not exist.");
    assert!(error.request_id.is_some());
}

#[tokio::test]
async fn a_response_larger_than_the_bound_is_an_error() {
    let moto = moto();
    let sqs = QueryClient::new(moto.signing("sqs"), moto.endpoint()).response_limit(64);
    let error = sqs
        .call("ListQueues", VERSION, Vec::<(&str, &str)>::new())
        .await
        .unwrap_err();
    let CallError::Response { status, message } = error else {
        panic!("not a response error: {error}");
    };
    assert_eq!(status, 200);
    assert!(message.contains("larger than"), "{message}");
}
