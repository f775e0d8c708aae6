//! Compatibility with a second real client library: whatsapp-api-js (npm), driven by
//! `whatsapp_api_js_driver.mjs` through `wabagate serve --demo`, its fetch pointed at the
//! gateway and the API key as its token. Every Graph-calling method of its `WhatsAppAPI`
//! runs (calls, which need a real phone, are skipped with the reason), then every webhook
//! the sandbox delivered goes through its signature-checking `post` handler.
//!
//! The library lives under `target/whatsapp-api-js` (`.ci/run` installs it with npm).
//! Without it (or without node) the test says so and passes, except under CI.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use wabagate_sandbox::seed::{DEMO_APP_ID, DEMO_APP_SECRET};

use crate::support::{Demo, Process};

/// The library's `lib/` folder, if it is installed and node runs.
fn library() -> Option<PathBuf> {
    let lib = crate::workspace_root().join("target/whatsapp-api-js/node_modules/whatsapp-api-js/lib");
    let node_runs = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    (node_runs && lib.join("index.js").is_file()).then_some(lib)
}

async fn run_driver(lib: &Path) -> Value {
    let data = tempfile::tempdir().unwrap();
    let gateway = Process::serve(data.path(), &["--demo", "--rate-limit", "0"]).await;
    let demo = Demo::read(data.path());
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/whatsapp_api_js_driver.mjs");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(&driver)
        .env("WAJS_MODULE", lib)
        .env("WAJS_GATEWAY", gateway.url("/whatsapp-business"))
        .env("WAJS_API_KEY", &demo.api_key)
        .env("WAJS_SANDBOX", crate::sandbox_url(&gateway.banner))
        .env("WAJS_PHONE_ID", &demo.phone_number_id)
        .env("WAJS_APP_ID", DEMO_APP_ID)
        .env("WAJS_APP_SECRET", DEMO_APP_SECRET);
    crate::drive(command, &gateway).await
}

#[tokio::test]
async fn whatsapp_api_js_works_through_the_gateway_and_parses_the_sandboxs_webhooks() {
    let Some(lib) = library() else {
        assert!(std::env::var("CI").is_err(), "CI must install whatsapp-api-js into target/whatsapp-api-js");
        eprintln!("skipping the whatsapp-api-js compatibility test: run the npm step of .ci/run to install it");
        return;
    };
    let results = run_driver(&lib).await;
    assert_eq!(results["not_covered"], Value::Array(vec![]), "methods neither run nor skipped");

    let failed: Vec<String> = results["operations"]
        .as_object()
        .expect("operations")
        .iter()
        .filter(|(_, outcome)| outcome["ok"].as_bool() != Some(true))
        .map(|(name, outcome)| format!("{name}: {outcome}"))
        .collect();
    assert!(failed.is_empty(), "operations that must pass failed:\n{}", failed.join("\n"));

    let webhooks = results["webhooks"].as_array().expect("webhooks");
    let kinds: Vec<&str> = webhooks.iter().map(|webhook| webhook["kind"].as_str().unwrap()).collect();
    for kind in ["message/text", "message/interactive", "status/sent", "status/delivered", "status/group.sent"] {
        assert!(kinds.contains(&kind), "no {kind} webhook was delivered; got {kinds:?}");
    }
    let unparsed: Vec<String> =
        webhooks.iter().filter(|webhook| webhook["ok"].as_bool() != Some(true)).map(Value::to_string).collect();
    assert!(unparsed.is_empty(), "webhooks whatsapp-api-js must take did not:\n{}", unparsed.join("\n"));
}
