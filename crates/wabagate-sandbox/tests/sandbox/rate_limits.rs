//! Throughput per business number (130429) and the pair rate per customer (131056).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use wabagate_sandbox::{PairRate, SandboxConfig};

use crate::support::{Expected, Sandbox, assert_error};

fn text_to(to: &str) -> serde_json::Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Hi"}})
}

#[tokio::test]
async fn sending_faster_than_the_throughput_is_130429() {
    // Two per second with a burst of two: the third send within half a second is refused.
    let config = SandboxConfig {
        throughput_per_second: 2,
        pair_rate: PairRate { burst: 0, period: Duration::ZERO },
        ..Default::default()
    };
    let sandbox = Sandbox::start_with(config).await;
    assert_eq!(sandbox.send(text_to("1234567890")).await.0, StatusCode::OK);
    assert_eq!(sandbox.send(text_to("15551234567")).await.0, StatusCode::OK);
    let answer = sandbox.send(text_to("447700900123")).await;
    let details = assert_error(
        &answer,
        Expected {
            status: 400,
            code: 130429,
            subcode: Some(2494055),
            kind: "OAuthException",
            message: "(#130429) Rate limit hit",
        },
    );
    assert_eq!(details.as_deref(), Some("Cloud API message throughput has been reached."));
}

#[tokio::test]
async fn too_many_messages_to_one_customer_are_131056_while_others_still_get_through() {
    let config =
        SandboxConfig { pair_rate: PairRate { burst: 2, period: Duration::from_secs(60) }, ..Default::default() };
    let sandbox = Sandbox::start_with(config).await;
    assert_eq!(sandbox.send(text_to("1234567890")).await.0, StatusCode::OK);
    assert_eq!(sandbox.send(text_to("1234567890")).await.0, StatusCode::OK);
    let answer = sandbox.send(text_to("1234567890")).await;
    assert_error(
        &answer,
        Expected {
            status: 400,
            code: 131056,
            subcode: None,
            kind: "OAuthException",
            message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        },
    );
    assert_eq!(sandbox.send(text_to("15551234567")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_default_limits_let_a_burst_of_distinct_sends_through() {
    let sandbox = Sandbox::start().await;
    for n in 0..40 {
        let (status, body) = sandbox.send(text_to(&format!("1555000{n:04}"))).await;
        assert_eq!(status, StatusCode::OK, "send {n}: {body}");
    }
}
