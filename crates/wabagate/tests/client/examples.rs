//! Every command example in README.md, docs/cli.md and every subcommand's `--help` runs
//! against one `serve --demo` and exits as documented, so no example can rot.
//!
//! The conventions, also documented in docs/cli.md ("Examples are tested"):
//! - In Markdown, commands starting with `wabagate` in ```sh blocks and in inline code
//!   (outside headings) are examples; `<!-- examples: not run (why) -->` before a block skips the block.
//! - A trailing `# example: exits N` expects exit code N; `# example: not run (why)` skips
//!   the line. Servers (`serve`, `sandbox` without `inbound`) are not run: this test runs one.
//! - Placeholder ids are swapped for real ones, fresh for each example: connection
//!   `21fd90f9-5935-43cd-b6c8-bde9d915ca80`, media `1234567890123456`, message
//!   `wamid.HBgL...`, group `Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA` (a group
//!   of the demo number), `http://127.0.0.1:8080` for the gateway and `http://127.0.0.1:8090`
//!   for its sandbox.
//! - An example with `…` in it is an outline, not run.
//! - Examples run with `sh -c` in a temp dir holding `examples/` (the files they use),
//!   `key.txt` (the demo key) and `token.txt` (the sandbox's demo token), with `$SANDBOX`
//!   and `$TOKEN` set as the README's sandbox section sets them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::process::BINARY;
use crate::support::DemoGateway;

const CONNECTION_PLACEHOLDER: &str = "21fd90f9-5935-43cd-b6c8-bde9d915ca80";
const MEDIA_PLACEHOLDER: &str = "1234567890123456";
const GROUP_PLACEHOLDER: &str = "Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA";
const MESSAGE_PLACEHOLDERS: [&str; 2] = ["wamid.HBgL...", "wamid.…"];
const DEFAULT_URL: &str = "http://127.0.0.1:8080";
const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8090";
const DEMO_TOKEN: &str = "EAAGsandboxDemoSystemUserToken0000000000000000000000000000000000";

/// One documented command and where it was found.
#[derive(Debug, Clone)]
struct Example {
    source: String,
    command: String,
    expected_exit: i32,
}

#[tokio::test]
async fn every_documented_example_runs_as_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut examples = Vec::new();
    for file in ["README.md", "docs/cli.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        examples.extend(markdown_examples(file, &text));
    }
    examples.extend(help_examples(&[]).await);

    let gateway = DemoGateway::start().await;
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("examples").canonicalize().unwrap(), work.path().join("examples")).unwrap();
    std::fs::write(work.path().join("key.txt"), format!("{}\n", gateway.api_key)).unwrap();
    let message_id = gateway
        .run(&["send", "text", "--to", "1234567890", "--body", "for the examples", "--json"])
        .await
        .json()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    std::fs::write(work.path().join("token.txt"), format!("{DEMO_TOKEN}\n")).unwrap();

    let mut failures = Vec::new();
    let mut ran = 0;
    let mut seen = std::collections::HashSet::new();
    for example in &examples {
        let Some(command) = runnable(&example.command) else { continue };
        // The same example in two places (README and --help) runs once.
        let key = command.split(" #").next().unwrap_or(&command).split_whitespace().collect::<Vec<_>>().join(" ");
        if !seen.insert(key) {
            continue;
        }
        let command = substitute(&gateway, &command, &message_id).await;
        let outcome = run_shell(&gateway, work.path(), &command).await;
        ran += 1;
        if outcome.0 != example.expected_exit {
            failures.push(format!(
                "{}: `{command}` exited {} (expected {})\n{}",
                example.source, outcome.0, example.expected_exit, outcome.1
            ));
        }
    }
    assert!(ran >= 60, "only {ran} examples were found and run: is the extraction broken?");
    assert!(failures.is_empty(), "{} of {ran} examples failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The command to run, or `None` for servers and examples marked as not run.
fn runnable(command: &str) -> Option<String> {
    // `…` marks an outline (`wabagate admin keys revoke 6f1c…`), not a command to run.
    if command.contains('…') || annotation(command).is_some_and(|note| note.starts_with("not run")) {
        return None;
    }
    let last = command.rsplit(['|', '&']).next().unwrap_or(command);
    let words = shlex::split(last.split('#').next().unwrap_or(last)).unwrap_or_default();
    let server = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["wabagate", "serve", ..] => true,
        ["wabagate", "sandbox", rest @ ..] => rest.first() != Some(&"inbound"),
        _ => false,
    };
    (!server).then(|| command.to_owned())
}

/// The text after `# example:` on the command's line, if any.
fn annotation(command: &str) -> Option<&str> {
    command.split_once("# example:").map(|(_, note)| note.trim())
}

fn expected_exit(command: &str) -> i32 {
    annotation(command)
        .and_then(|note| note.strip_prefix("exits "))
        .and_then(|code| code.split_whitespace().next())
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn is_example(command: &str) -> bool {
    command.starts_with("wabagate ") || command.contains("| wabagate ") || command.contains("&& wabagate ")
}

fn example(source: String, command: String) -> Example {
    let expected_exit = expected_exit(&command);
    Example { source, command, expected_exit }
}

/// Commands in ```sh blocks (continuation lines joined) and in inline code spans.
fn markdown_examples(file: &str, text: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut in_block = false;
    let mut block_is_shell = false;
    let mut skip_block = false;
    let mut previous_note = false;
    let mut pending = String::new();
    for (number, line) in text.lines().enumerate() {
        let source = format!("{file}:{}", number + 1);
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            if in_block {
                in_block = false;
            } else {
                in_block = true;
                block_is_shell = matches!(fence.trim(), "sh" | "bash" | "shell" | "console");
                skip_block = previous_note;
            }
            previous_note = false;
            continue;
        }
        if in_block {
            if !block_is_shell || skip_block {
                continue;
            }
            let line = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
            match line.strip_suffix('\\') {
                Some(start) => pending.push_str(start),
                None => {
                    pending.push_str(line);
                    let command = std::mem::take(&mut pending);
                    if is_example(&command) {
                        examples.push(example(source, command));
                    }
                }
            }
            continue;
        }
        if !trimmed.is_empty() {
            previous_note = trimmed.starts_with("<!-- examples: not run");
        }
        // Inline code outside headings (which name commands): every second piece between backticks.
        if trimmed.starts_with('#') {
            continue;
        }
        for span in line.split('`').skip(1).step_by(2) {
            let command = span.replace("\\|", "|");
            if command.starts_with("wabagate ") {
                examples.push(example(source.clone(), command));
            }
        }
    }
    examples
}

/// The examples of `wabagate PATH… --help` and of every subcommand below it.
fn help_examples(path: &[String]) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<Example>> + '_>> {
    Box::pin(async move {
        let output = tokio::process::Command::new(BINARY).args(path).arg("--help").output().await.unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        let source = format!("wabagate {} --help", path.join(" "));
        let mut examples: Vec<Example> =
            examples_in_help(&help).into_iter().map(|command| example(source.clone(), command)).collect();
        for subcommand in subcommands(&help) {
            let mut deeper = path.to_vec();
            deeper.push(subcommand);
            examples.extend(help_examples(&deeper).await);
        }
        examples
    })
}

/// The names under `Commands:`, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The indented lines after `Example:` or `Examples:` (continuation lines joined), and
/// what follows `Example:` within a line (outside the list of subcommands).
fn examples_in_help(help: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut in_examples = false;
    let mut in_commands = false;
    let mut pending = String::new();
    for line in help.lines() {
        if matches!(line.trim(), "Example:" | "Examples:") {
            in_examples = true;
            continue;
        }
        if line.trim() == "Commands:" {
            in_commands = true;
            continue;
        }
        in_commands = in_commands && line.starts_with("  ");
        if let Some((_, inline)) = line.split_once("Example: ").filter(|_| !in_commands && !in_examples) {
            if is_example(inline.trim()) {
                examples.push(inline.trim().to_owned());
            }
            continue;
        }
        if !in_examples {
            continue;
        }
        if !line.starts_with("  ") {
            in_examples = false;
            continue;
        }
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(start) => pending.push_str(start),
            None => {
                pending.push_str(line);
                let command = std::mem::take(&mut pending);
                if is_example(&command) {
                    examples.push(command);
                }
            }
        }
    }
    examples
}

/// The command with its placeholders replaced by ids that exist, made fresh for it.
async fn substitute(gateway: &DemoGateway, command: &str, message_id: &str) -> String {
    let mut command =
        command.replace(DEFAULT_URL, &gateway.base_url).replace(DEFAULT_SANDBOX_URL, &gateway.sandbox_url);
    if command.contains(CONNECTION_PLACEHOLDER) {
        let created = gateway.run(&["connections", "create", "--json"]).await.json();
        let id = created["connection"]["connection_id"].as_str().unwrap().to_owned();
        command = command.replace(CONNECTION_PLACEHOLDER, &id);
    }
    if command.contains(MEDIA_PLACEHOLDER) {
        let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/photo.jpg");
        let uploaded = gateway.run(&["media", "upload", "--file", photo.to_str().unwrap(), "--json"]).await.json();
        command = command.replace(MEDIA_PLACEHOLDER, uploaded["id"].as_str().unwrap());
    }
    if command.contains(GROUP_PLACEHOLDER) {
        // Meta answers a group's creation with a request id only; the id is in the list.
        let groups = format!("{}/groups", gateway.phone_number_id);
        gateway.run(&["api", "POST", &groups, "-f", "messaging_product=whatsapp", "-f", "subject=Examples"]).await;
        let listed = gateway.run(&["api", "GET", &groups]).await.json();
        command = command.replace(GROUP_PLACEHOLDER, listed["data"]["groups"][0]["id"].as_str().unwrap());
    }
    for placeholder in MESSAGE_PLACEHOLDERS {
        command = command.replace(placeholder, message_id);
    }
    command
}

/// Runs `command` with `sh -c` in `dir`, the `wabagate` under test first on the PATH.
async fn run_shell(gateway: &DemoGateway, dir: &Path, command: &str) -> (i32, String) {
    let bin_dir = PathBuf::from(BINARY).parent().unwrap().to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut child = tokio::process::Command::new("sh");
    child
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("WABAGATE_URL", &gateway.base_url)
        .env("WABAGATE_API_KEY", &gateway.api_key)
        .env("WABAGATE_DATA_DIR", gateway.dir.path())
        .env("WABAGATE_LOG", "warn")
        .env("SANDBOX", &gateway.sandbox_url)
        .env("TOKEN", DEMO_TOKEN)
        .env("BROWSER", "true")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for name in
        ["MATON_API_KEY", "WABAGATE_CONNECTION", "WABAGATE_PHONE_NUMBER_ID", "WABAGATE_WABA_ID", "WABAGATE_PROFILE"]
    {
        child.env_remove(name);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.output())
        .await
        .unwrap_or_else(|_| panic!("`{command}` ends within a minute"))
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

#[test]
fn markdown_blocks_and_inline_code_are_found_with_their_annotations() {
    let text = "Run `wabagate send text --to 1 --body hi`.\n\n```sh\nwabagate a \\\n  --b c   # example: exits 2\ncurl x\n```\n\n<!-- examples: not run (a server) -->\n```sh\nwabagate serve\n```\n";
    let examples = markdown_examples("t.md", text);
    let commands: Vec<_> = examples.iter().map(|example| (example.command.as_str(), example.expected_exit)).collect();
    assert_eq!(commands, [("wabagate send text --to 1 --body hi", 0), ("wabagate a --b c   # example: exits 2", 2)]);
}

#[test]
fn help_examples_and_subcommands_are_read() {
    let help = "Do x. Example: wabagate x\n\nCommands:\n  list    List. Example: wabagate x list\n  help    Print\n\nExample:\n  wabagate x list \\\n    --all\n  wabagate x get\n\nMore text\n";
    assert_eq!(subcommands(help), ["list"]);
    assert_eq!(examples_in_help(help), ["wabagate x", "wabagate x list --all", "wabagate x get"]);
}
