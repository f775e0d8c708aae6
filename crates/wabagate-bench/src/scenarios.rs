//! The benchmark itself: sets up the canned upstream, nginx and two wabagate instances (one
//! account with a limit high enough never to refuse; many accounts at the default limit of
//! 10 per second, plus one account that floods), then interleaves the rounds of every
//! scenario so that the machine's drift hits both proxies alike.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, ensure};

use crate::process::{LOAD_CORE, Pinned};
use crate::report::Report;
use crate::tenants::seed;
use crate::wrk::{Load, WrkResult, write_script};
use crate::{callgrind, gateway, nginx, transfer};

/// How long and how often to measure.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Options {
    /// Rounds of every scenario, interleaved; figures are medians over rounds.
    #[arg(long, default_value_t = 3)]
    pub(crate) rounds: u32,
    /// Seconds each load runs.
    #[arg(long, default_value_t = 3)]
    pub(crate) seconds: u64,
    /// Accounts, each with a key, for the many-tenants scenario.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) tenants: usize,
    /// Skip the (slow, but stable) callgrind instruction counts.
    #[arg(long)]
    pub(crate) no_instructions: bool,
}

pub(crate) const SEND_PATH: &str = "/whatsapp-business/v21.0/1000000000001000/messages";
const SLOW_PATH: &str = "/whatsapp-business/v21.0/slow/messages";
const LARGE_PATH: &str = "/whatsapp-business/v21.0/1000000000001000/large";
const UPLOAD_PATH: &str = "/whatsapp-business/v21.0/1000000000001000/media";
/// The scenario measuring what a refusal costs, and its connections.
const FLOOD_ALONE: &str = "429 flood alone, c=1000";
const FLOOD_ALONE_CONNECTIONS: u32 = 1000;
/// The default per-account limit: the tenants instance runs with it, as most users will.
const DEFAULT_RATE_LIMIT: u32 = 10;
/// High enough that the one-account instance never refuses.
pub(crate) const NEVER_REFUSE: u32 = 100_000_000;

/// Everything that runs during the benchmark, and the files the loads read.
struct Bench {
    upstream: Pinned,
    nginx: Pinned,
    single: Pinned,
    tenants: Pinned,
    dir: tempfile::TempDir,
    options: Options,
}

pub(crate) async fn run(options: Options) -> anyhow::Result<Report> {
    pin_self_to_load_core()?;
    let binary = gateway::sibling_binary()?;
    let dir = tempfile::tempdir()?;
    let path = |name: &str| dir.path().join(name);
    write_script(&path("send.lua"))?;

    eprintln!("seeding 1 account, then {} accounts…", options.tenants);
    let single_keys = seed(&path("single"), 1).await?;
    // Instructions are counted on a data dir of their own that no load has written to, as
    // the guard counts them: the loads leave a ledger whose size follows the machine's speed,
    // and a send's instructions grow with it, so a count taken only there compares nothing.
    let fresh_key = seed(&path("fresh"), 1).await?.remove(0);
    let mut tenant_keys = seed(&path("tenants"), options.tenants + 1).await?;
    let flood_key = tenant_keys.pop().context("the flood account")?;
    std::fs::write(path("single.keys"), &single_keys[0])?;
    std::fs::write(path("tenants.keys"), tenant_keys.join("\n"))?;
    std::fs::write(path("flood.keys"), &flood_key)?;

    let upstream = start_upstream()?;
    let upstream_port = port_of(&upstream.base_url)?;
    std::fs::create_dir_all(path("nginx"))?;
    let bench = Bench {
        nginx: nginx::start(&path("nginx"), upstream_port, &[])?,
        single: gateway::start(&binary, &path("single"), &upstream.base_url, NEVER_REFUSE, &[])?,
        tenants: gateway::start(&binary, &path("tenants"), &upstream.base_url, DEFAULT_RATE_LIMIT, &[])?,
        upstream,
        dir,
        options,
    };
    let mut report = Report::default();
    for round in 1..=bench.options.rounds {
        eprintln!("round {round} of {}…", bench.options.rounds);
        bench.round(&mut report, &single_keys[0]).await?;
    }
    if !bench.options.no_instructions {
        eprintln!("counting instructions under callgrind…");
        bench.instructions(&mut report, &binary, &fresh_key, &single_keys[0]).await?;
    }
    targets(&mut report);
    Ok(report)
}

impl Bench {
    fn file(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn load<'a>(
        &'a self,
        proxy: &'a Pinned,
        path: &'a str,
        connections: u32,
        keys: &'a Path,
        script: &'a Path,
    ) -> Load<'a> {
        Load {
            base_url: &proxy.base_url,
            path,
            connections,
            duration: Duration::from_secs(self.options.seconds),
            keys_file: keys,
            script,
        }
    }

    async fn round(&self, report: &mut Report, single_key: &str) -> anyhow::Result<()> {
        let script = self.file("send.lua");
        let single = self.file("single.keys");
        let tenants = self.file("tenants.keys");
        let flood = self.file("flood.keys");
        // The upstream alone, so the latency each proxy adds can be told apart.
        let direct_path = SEND_PATH.trim_start_matches("/whatsapp-business");
        let direct = self.load(&self.upstream, direct_path, 1, &single, &script).run()?;
        report.record("send c=1", "upstream", "p50", micros(direct.p50));
        for (name, proxy) in [("nginx", &self.nginx), ("wabagate", &self.single)] {
            for connections in [1, 32] {
                let scenario = format!("send c={connections}");
                let result = measured(
                    report,
                    &scenario,
                    name,
                    proxy,
                    &self.load(proxy, SEND_PATH, connections, &single, &script),
                )?;
                if connections == 1 {
                    report.record("added p50 over upstream, c=1", name, "p50", micros(result.p50) - micros(direct.p50));
                }
            }
        }
        measured(
            report,
            "100k accounts round-robin, c=32",
            "wabagate",
            &self.tenants,
            &self.load(&self.tenants, SEND_PATH, 32, &tenants, &script),
        )?;
        // Each connection gets at most ten refusals a second (the gateway holds a refusal up to
        // 100 ms), so a refusal's own cost shows only with many connections at once.
        measured(
            report,
            FLOOD_ALONE,
            "wabagate",
            &self.tenants,
            &self.load(&self.tenants, SEND_PATH, FLOOD_ALONE_CONNECTIONS, &flood, &script),
        )?;
        let beside = self.load(&self.tenants, SEND_PATH, 32, &tenants, &script);
        let flood_load = self.load(&self.tenants, SEND_PATH, 32, &flood, &script).spawn()?;
        let normal = beside.run()?;
        crate::wrk::finish(flood_load)?;
        ensure!(
            normal.non_2xx == 0,
            "{} of the other accounts' requests were refused beside the flood",
            normal.non_2xx
        );
        report.record("other accounts beside the flood", "wabagate", "req/s", normal.requests_per_second);

        for (name, proxy) in [("nginx", &self.nginx), ("wabagate", &self.single)] {
            let up = transfer::upload(proxy, UPLOAD_PATH, single_key).await?;
            report.record("100 MB up", name, "mb/s", up.megabytes_per_second);
            report.record("100 MB up", name, "rss", up.added_peak_rss as f64 / 1e6);
            let down = transfer::download(proxy, LARGE_PATH, single_key).await?;
            report.record("100 MB down", name, "mb/s", down.megabytes_per_second);
            report.record("100 MB down", name, "rss", down.added_peak_rss as f64 / 1e6);
            let waiting =
                Load { duration: Duration::from_secs(2), ..self.load(proxy, SLOW_PATH, 1000, &single, &script) };
            let per_request = transfer::waiting(proxy, &waiting)?;
            report.record("1,000 waiting on a 1 s upstream", name, "kb/req", per_request / 1e3);
            report.record("1,000 waiting on a 1 s upstream", name, "rss", per_request * 1000.0 / 1e6);
        }
        Ok(())
    }

    /// nginx's and wabagate's instructions per send on a fresh data dir (the compared figure),
    /// then wabagate's again on the one-account instance's dir as the loads left it.
    async fn instructions(
        &self,
        report: &mut Report,
        binary: &Path,
        fresh_key: &str,
        single_key: &str,
    ) -> anyhow::Result<()> {
        let upstream_port = port_of(&self.upstream.base_url)?;
        let upstream = &self.upstream.base_url;
        let nginx = |dir: &Path, wrapper: &[&str]| nginx::start(dir, upstream_port, wrapper);
        let per_request = callgrind::per_request(&nginx, SEND_PATH, fresh_key, FEW, MANY, None).await?;
        report.record(SEQUENTIAL, "nginx", "instructions", per_request);
        let per_request = wabagate_instructions(binary, upstream, fresh_key, &self.file("fresh"), None).await?;
        report.record(SEQUENTIAL, "wabagate", "instructions", per_request);
        let per_request = wabagate_instructions(binary, upstream, single_key, &self.file("single"), None).await?;
        report.record(SEQUENTIAL_AFTER_LOADS, "wabagate", "instructions", per_request);
        Ok(())
    }
}

/// The instruction count's scenarios: on a fresh data dir, and on the loads' ledger.
const SEQUENTIAL: &str = "send, sequential (callgrind)";
const SEQUENTIAL_AFTER_LOADS: &str = "same, on the loads' ledger";

/// Requests per instruction-count run; the difference of the two runs is what is divided.
pub(crate) const FEW: u32 = 100;
pub(crate) const MANY: u32 = 500;

/// wabagate's instructions per request, on a copy of `data_dir` (so runs never share a lock);
/// callgrind's files are kept in `keep_in` when given.
pub(crate) async fn wabagate_instructions(
    binary: &Path,
    upstream_url: &str,
    key: &str,
    data_dir: &Path,
    keep_in: Option<&Path>,
) -> anyhow::Result<f64> {
    let start = |dir: &Path, wrapper: &[&str]| {
        let copy = dir.join("data");
        copy_dir(data_dir, &copy)?;
        gateway::start(binary, &copy, upstream_url, NEVER_REFUSE, wrapper)
    };
    callgrind::per_request(&start, SEND_PATH, key, FEW, MANY, keep_in).await
}

/// Copies the seeded data dir. One of SQLite's files (its write-ahead log) was seen to
/// vanish between listing and copying, about one guard run in seven, most likely as the
/// seeding store's connections finished closing; a copy that met a vanished file may be
/// torn, so it is taken again.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut attempts = 0;
    loop {
        match copy_files(from, to) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && attempts < 20 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            result => return Ok(result?),
        }
    }
}

fn copy_files(from: &Path, to: &Path) -> std::io::Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to)?;
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Runs a load and records its throughput, latency and the proxy's CPU per request.
fn measured(
    report: &mut Report,
    scenario: &str,
    name: &'static str,
    proxy: &Pinned,
    load: &Load<'_>,
) -> anyhow::Result<WrkResult> {
    let cpu_before = proxy.cpu_time()?;
    let result = load.run()?;
    let cpu = proxy.cpu_time()?.saturating_sub(cpu_before);
    let expect_refusals = scenario.starts_with("429");
    ensure!(
        expect_refusals || result.non_2xx == 0,
        "{scenario} through {name}: {} of {} requests failed. Where it is the round-robin over every account, \
         each account may send {DEFAULT_RATE_LIMIT} a second, so a proxy faster than {DEFAULT_RATE_LIMIT} × \
         --tenants requests a second is refused: raise --tenants",
        result.non_2xx,
        result.requests,
    );
    report.record(scenario, name, "req/s", result.requests_per_second);
    report.record(scenario, name, "p50", micros(result.p50));
    report.record(scenario, name, "p99", micros(result.p99));
    report.record(scenario, name, "cpu", cpu.as_secs_f64() * 1e6 / result.requests as f64);
    Ok(result)
}

fn targets(report: &mut Report) {
    let ratio = |report: &Report, scenario: &str, metric: &str| {
        Some(report.median(scenario, "wabagate", metric)? / report.median(scenario, "nginx", metric)?)
    };
    let cpu = ratio(report, "send c=32", "cpu");
    report.target("CPU per request, c=32", "<= 1.0", cpu, |r| r <= 1.0);
    let throughput = ratio(report, "send c=32", "req/s");
    report.target("throughput, c=32", ">= 1.0", throughput, |r| r >= 1.0);
    let instructions = ratio(report, SEQUENTIAL, "instructions");
    report.target("instructions per request", "<= 1.3", instructions, |r| r <= 1.3);
    let latency = ratio(report, "added p50 over upstream, c=1", "p50");
    report.target("added p50 latency, c=1", "<= 1.0", latency, |r| r <= 1.0);
    let waiting = report.median("1,000 waiting on a 1 s upstream", "wabagate", "kb/req");
    report.target("wabagate KB per request waiting on a 1 s upstream", "<= 16", waiting, |kb| kb <= 16.0);
    let tenants = (|| {
        Some(
            report.median("100k accounts round-robin, c=32", "wabagate", "cpu")?
                / report.median("send c=32", "wabagate", "cpu")?,
        )
    })();
    report.target("CPU per request, 100k accounts / one account", "<= 1.2", tenants, |r| r <= 1.2);
    let beside = (|| {
        Some(
            report.median("other accounts beside the flood", "wabagate", "req/s")?
                / report.median("100k accounts round-robin, c=32", "wabagate", "req/s")?,
        )
    })();
    report.target("other accounts' throughput beside a 429 flood / alone", ">= 0.9", beside, |r| r >= 0.9);
    let refused =
        (|| Some(report.median(FLOOD_ALONE, "wabagate", "cpu")? / report.median("send c=32", "wabagate", "cpu")?))();
    report.target("CPU of a refused / a forwarded request", "< 1.0", refused, |r| r < 1.0);
    for direction in ["100 MB up", "100 MB down"] {
        let rss = report.median(direction, "wabagate", "rss");
        let what = if direction.ends_with("up") {
            "wabagate peak RSS added by 100 MB up (MB)"
        } else {
            "wabagate peak RSS added by 100 MB down (MB)"
        };
        report.target(what, "< 20", rss, |mb| mb < 20.0);
    }
}

pub(crate) fn start_upstream() -> anyhow::Result<Pinned> {
    let me = std::env::current_exe()?;
    Pinned::start(LOAD_CORE, &me, &["upstream", "--listen", "127.0.0.1:0"], None)
}

/// The load generator and the upstream share one core; the proxy under test has the other.
pub(crate) fn pin_self_to_load_core() -> anyhow::Result<()> {
    let status = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", LOAD_CORE, &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .context("running taskset (util-linux)")?;
    ensure!(status.success(), "taskset could not pin the benchmark");
    Ok(())
}

pub(crate) fn port_of(base_url: &str) -> anyhow::Result<u16> {
    base_url
        .rsplit(':')
        .next()
        .and_then(|port| port.trim_end_matches('/').parse().ok())
        .context("no port in the address")
}

pub(crate) fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_path_names_the_seeded_phone_number_or_none() {
        for path in [super::SEND_PATH, super::LARGE_PATH, super::UPLOAD_PATH] {
            assert!(path.contains(crate::tenants::PHONE_NUMBER_ID), "{path}");
        }
    }
}
