//! The deployment files (`Dockerfile`, `compose.yaml`, the Helm chart in `deploy/helm/wabagate`)
//! cannot be run here (no container engine), so they are read: the YAML parses (the chart's
//! templates after a small stand-in for Helm's rendering), the probes point at routes the
//! gateway serves, and every flag, subcommand and environment variable they use is one the
//! real binary knows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Process, run};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn yaml(source: &str, text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|error| panic!("{source} is not YAML: {error}\n{text}"))
}

/// What the binary says it knows: each command's `--help`.
struct Binary {
    help: BTreeMap<&'static str, String>,
    sources: String,
}

impl Binary {
    async fn ask() -> Self {
        let mut help = BTreeMap::new();
        for command in ["serve", "admin", "healthcheck"] {
            let (code, out, _) = run(&[command, "--help"]).await;
            assert_eq!(code, 0);
            help.insert(command, out);
        }
        // Variables read without a flag (the master keys, the log filter) are named in the source.
        let mut sources = String::new();
        for file in walk(&root().join("crates/wabagate/src")) {
            sources.push_str(&std::fs::read_to_string(file).unwrap());
        }
        Self { help, sources }
    }

    fn knows_env(&self, name: &str) -> bool {
        self.help.values().any(|help| help.contains(&format!("[env: {name}")))
            || self.sources.contains(&format!("\"{name}\""))
    }

    /// Checks a container command: `serve FLAGS…`, `admin SUBCOMMAND`, `healthcheck FLAGS…`.
    fn check_command(&self, source: &str, words: &[&str]) {
        let help = self.help.get(words[0]).unwrap_or_else(|| panic!("{source}: no command {:?}", words[0]));
        for word in &words[1..] {
            let known = if word.starts_with("--") {
                help.contains(&format!("{word} "))
                    || help.contains(&format!("{word}\n"))
                    || help.contains(&format!("{word}="))
            } else if word.starts_with('-') || word.starts_with("http") {
                true
            } else {
                help.lines().any(|line| line.trim_start().starts_with(&format!("{word} ")))
            };
            assert!(known, "{source}: `wabagate {}` knows no {word}", words[0]);
        }
    }

    fn check_env(&self, source: &str, names: impl IntoIterator<Item = String>) {
        for name in names {
            assert!(self.knows_env(&name), "{source} sets {name}, which wabagate does not read");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files
}

fn words(command: &Value) -> Vec<&str> {
    command.as_array().unwrap().iter().map(|word| word.as_str().unwrap()).collect()
}

/// The gateway's routes, from the OpenAPI description (which a test keeps equal to the router).
fn served(path: &str) -> bool {
    let description: Value = serde_json::from_str(&read("crates/wabagate-server/openapi.json")).unwrap();
    description["paths"].get(path).is_some()
}

#[tokio::test]
async fn the_compose_file_runs_a_migrated_gateway_on_postgres_and_redis() {
    let binary = Binary::ask().await;
    let compose = yaml("compose.yaml", &read("compose.yaml"));
    let services = &compose["services"];
    assert!(services["postgres"]["image"].as_str().unwrap().starts_with("postgres:15"));
    assert!(services["redis"]["image"].as_str().unwrap().starts_with("redis:7"));
    for name in ["postgres", "redis", "gateway"] {
        assert!(services[name]["healthcheck"]["test"].is_array(), "{name} has a healthcheck");
    }
    let gateway = &services["gateway"];
    assert_eq!(gateway["depends_on"]["postgres"]["condition"], "service_healthy");
    assert_eq!(gateway["depends_on"]["redis"]["condition"], "service_healthy");
    assert_eq!(gateway["depends_on"]["migrate"]["condition"], "service_completed_successfully");
    assert!(compose["volumes"].as_object().is_some_and(|volumes| !volumes.is_empty()));

    for name in ["gateway", "migrate"] {
        let service = &services[name];
        binary.check_command(&format!("compose.yaml {name}"), &words(&service["command"]));
        let env = service["environment"].as_object().unwrap();
        binary.check_env(&format!("compose.yaml {name}"), env.keys().cloned());
        assert!(env.contains_key("WABAGATE_DATABASE_URL") && env.contains_key("WABAGATE_SECRET_KEY"));
    }
    assert_eq!(words(&services["migrate"]["command"]), ["admin", "migrate"]);
    assert_eq!(words(&gateway["command"]), ["serve", "--no-migrate"]);
    assert!(gateway["environment"]["WABAGATE_REDIS_URL"].as_str().unwrap().starts_with("redis://redis:"));
    let probe = words(&gateway["healthcheck"]["test"]);
    assert_eq!(probe[..3], ["CMD", "/usr/local/bin/wabagate", "healthcheck"]);
    binary.check_command("compose.yaml's healthcheck", &probe[2..]);
}

#[tokio::test]
async fn the_helm_chart_renders_probes_on_real_routes_secrets_and_a_migrate_hook() {
    let binary = Binary::ask().await;
    let chart = yaml("Chart.yaml", &read("deploy/helm/wabagate/Chart.yaml"));
    assert_eq!(chart["apiVersion"], "v2");
    assert_eq!(chart["name"], "wabagate");
    let values = yaml("values.yaml", &read("deploy/helm/wabagate/values.yaml"));
    let helpers = defines(&read("deploy/helm/wabagate/templates/_helpers.tpl"));
    let render = |name: &str| {
        let source = format!("deploy/helm/wabagate/templates/{name}");
        yaml(&source, &render(&read(&source), &helpers, &values))
    };

    let deployment = render("deployment.yaml");
    assert_eq!(deployment["kind"], "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], false);
    assert!(container["resources"]["requests"].is_object());
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        assert_eq!(container[probe]["httpGet"]["path"], path);
        assert!(served(path), "{path} is a route of the gateway");
    }
    binary.check_command("the Deployment", &words(&container["args"]));
    let env = environment(container);
    binary.check_env("the Deployment", env.keys().cloned());
    for secret in ["WABAGATE_DATABASE_URL", "WABAGATE_REDIS_URL", "WABAGATE_SECRET_KEY"] {
        assert!(env[secret]["valueFrom"]["secretKeyRef"]["key"].is_string(), "{secret} comes from the Secret");
    }
    let mounted: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mount| mount["mountPath"].as_str().unwrap())
        .collect();
    assert!(mounted.contains(&"/var/lib/wabagate"), "the data dir is writable under a read-only root");

    let job = render("migrate-job.yaml");
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["metadata"]["annotations"]["helm.sh/hook"], "pre-install,pre-upgrade");
    let migrate = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(words(&migrate["args"]), ["admin", "migrate"]);
    binary.check_command("the migrate Job", &words(&migrate["args"]));
    binary.check_env("the migrate Job", environment(migrate).keys().cloned());
    assert!(job["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/name").is_none(), "not a gateway pod");

    let budget = render("pdb.yaml");
    assert_eq!(
        (budget["apiVersion"].as_str(), budget["kind"].as_str()),
        (Some("policy/v1"), Some("PodDisruptionBudget"))
    );
    assert_eq!(budget["spec"]["selector"]["matchLabels"], deployment["spec"]["selector"]["matchLabels"]);
    let service = render("service.yaml");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
    assert_eq!(service["spec"]["selector"], deployment["spec"]["selector"]["matchLabels"]);
}

#[tokio::test]
async fn the_image_runs_as_a_user_and_its_healthcheck_probes_healthz() {
    let binary = Binary::ask().await;
    let dockerfile = read("Dockerfile");
    let instruction = |name: &str| -> Vec<String> {
        dockerfile.lines().filter(|line| line.starts_with(&format!("{name} "))).map(str::to_owned).collect()
    };
    assert!(instruction("FROM").len() >= 2, "multi-stage");
    let user = instruction("USER");
    assert_eq!(user.len(), 1);
    assert!(!user[0].contains("root") && !user[0].contains(" 0"), "{user:?}");
    assert_eq!(instruction("EXPOSE"), ["EXPOSE 8080"]);
    assert!(dockerfile.contains("WABAGATE_LISTEN=0.0.0.0:8080"));
    assert!(!instruction("VOLUME").is_empty());
    let env: Vec<String> = dockerfile
        .split_whitespace()
        .filter_map(|word| Some(word.split_once('=')?.0.to_owned()))
        .filter(|name| name.starts_with("WABAGATE_"))
        .collect();
    assert!(env.len() >= 3, "{env:?}");
    binary.check_env("the Dockerfile", env);
    let probe = dockerfile.split("HEALTHCHECK").nth(1).unwrap().split("CMD").nth(1).unwrap().lines().next().unwrap();
    let probe: Vec<String> = serde_json::from_str(probe.trim()).unwrap();
    assert_eq!(probe[..2], ["/usr/local/bin/wabagate", "healthcheck"]);
    let probe: Vec<&str> = probe.iter().map(String::as_str).collect();
    binary.check_command("the HEALTHCHECK", &probe[1..]);
    assert!(probe.contains(&"http://127.0.0.1:8080/healthz"));

    // The probe itself, against a real gateway and against none.
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &[]).await;
    let healthz = gateway.url("/healthz");
    assert_eq!(run(&["healthcheck", "--url", &healthz]).await.0, 0);
    assert_eq!(run(&["healthcheck", "--url", &gateway.url("/no-such-route")]).await.0, 1);
    gateway.stop().await;
    let (code, _, err) = run(&["healthcheck", "--url", &healthz]).await;
    assert_eq!(code, 1);
    assert!(err.contains("did not answer"), "{err}");
}

/// A container's `env`, by name.
fn environment(container: &Value) -> BTreeMap<String, Value> {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variable| (variable["name"].as_str().unwrap().to_owned(), variable.clone()))
        .collect()
}

/// The `{{- define "NAME" -}} … {{- end -}}` blocks of a helpers file.
fn defines(text: &str) -> BTreeMap<String, String> {
    let mut blocks = BTreeMap::new();
    for block in text.split("{{- define \"").skip(1) {
        let (name, body) = block.split_once('"').unwrap();
        let body = body.split_once("-}}\n").unwrap().1;
        // The define's own end is its last `{{- end -}}`.
        let end = body.rfind("{{- end -}}").unwrap();
        blocks.insert(name.to_owned(), body[..end].to_owned());
    }
    blocks
}

/// A stand-in for Helm's rendering, enough for YAML to read the result: `include … | nindent N`
/// splices the helper, `toYaml .Values.PATH | nindent N` the values, `if`/`with` blocks stay
/// when their value is set, comments go, and any other `{{ … }}` becomes a placeholder.
fn render(template: &str, helpers: &BTreeMap<String, String>, values: &Value) -> String {
    let mut out = String::new();
    let mut kept = vec![true];
    for line in template.lines() {
        let trimmed = line.trim();
        let keep = *kept.last().unwrap();
        if trimmed.starts_with("{{/*") {
            continue;
        }
        if let Some(condition) = trimmed.strip_prefix("{{- if ").or_else(|| trimmed.strip_prefix("{{- with ")) {
            let path = condition.trim_end_matches("}}").trim();
            kept.push(keep && truthy(lookup(values, path)));
            continue;
        }
        if trimmed.starts_with("{{- end") {
            kept.pop();
            continue;
        }
        if !keep {
            continue;
        }
        if trimmed.starts_with("{{") && trimmed.ends_with("}}") && trimmed.matches("{{").count() == 1 {
            let expression = trimmed.trim_start_matches("{{").trim_start_matches('-');
            let expression = expression.trim_end_matches("}}").trim_end_matches('-').trim();
            let indent = match expression.split_once("| nindent ") {
                Some((_, indent)) => indent.trim().parse().unwrap(),
                None => line.len() - line.trim_start().len(),
            };
            let spliced = if let Some(name) = expression.strip_prefix("include \"") {
                render(&helpers[name.split('"').next().unwrap()], helpers, values)
            } else if let Some(path) = expression.strip_prefix("toYaml ") {
                match lookup(values, path.split_whitespace().next().unwrap()) {
                    Some(value) if truthy(Some(value)) => serde_norway::to_string(value).unwrap(),
                    _ => String::new(),
                }
            } else {
                panic!("the stand-in renderer does not know {trimmed}")
            };
            for spliced_line in spliced.lines().filter(|line| !line.trim().is_empty()) {
                out.push_str(&format!("{}{spliced_line}\n", " ".repeat(indent)));
            }
            continue;
        }
        out.push_str(&placeholders(line));
        out.push('\n');
    }
    out
}

fn placeholders(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start + 2;
        out.push_str("placeholder");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `.Values.a.b` in the values; anything else (`.Release…`) counts as set.
fn lookup<'a>(values: &'a Value, path: &str) -> Option<&'a Value> {
    let Some(path) = path.strip_prefix(".Values.") else { return Some(&Value::Bool(true)) };
    path.split('.').try_fold(values, |value, key| value.get(key))
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(_) => true,
    }
}
