//! The proxy on PostgreSQL and Redis against SQLite (`wabagate-bench backends`): two
//! `wabagate serve` instances set up alike (auth, the rate limit on at a limit that never
//! refuses, metrics, the access log) in front of the canned upstream, one on the embedded
//! defaults (SQLite, the in-process limiter), one with `--database-url postgres://…` and
//! `--redis-url redis://…`, each with one account plus `--tenants` more. Rounds interleave
//! the two, scenario by scenario, and the table adds what the servers behind the second
//! spent: PostgreSQL's sessions for its database, and its private Redis.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, ensure};

use crate::postgres::{BenchDatabase, backend_cpu, cpu_between};
use crate::process::Pinned;
use crate::report::Report;
use crate::scenarios::{NEVER_REFUSE, SEND_PATH, micros, pin_self_to_load_core, port_of, start_upstream};
use crate::tenants::{seed, seed_store};
use crate::wrk::{Load, write_script};
use crate::{gateway, redis};

/// What to run against, how long and how often.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Options {
    /// A PostgreSQL server (postgres://USER:PASSWORD@HOST:PORT/DB) whose role may create
    /// databases: the benchmark makes a fresh one there and drops it at the end.
    #[arg(long, env = "WABAGATE_BENCH_DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Rounds of every scenario, interleaved; figures are medians over rounds.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Seconds each load runs.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// Accounts, each with a key, for the round-robin scenario.
    #[arg(long, default_value_t = 100_000)]
    tenants: usize,
}

const SQLITE: &str = "sqlite";
const SERVERS: &str = "pg+redis";

/// The two gateways and what the second runs on.
struct Backends<'a> {
    sqlite: Pinned,
    servers: Pinned,
    database: &'a BenchDatabase,
    redis: &'a Pinned,
    dir: &'a Path,
    options: &'a Options,
}

pub(crate) async fn run(options: Options) -> anyhow::Result<Report> {
    pin_self_to_load_core()?;
    let database = BenchDatabase::create(&options.database_url).await?;
    let result = run_on(&options, &database).await;
    database.drop_database().await.context("dropping the benchmark's database")?;
    result
}

async fn run_on(options: &Options, database: &BenchDatabase) -> anyhow::Result<Report> {
    let binary = gateway::sibling_binary()?;
    let dir = tempfile::tempdir()?;
    let path = |name: &str| dir.path().join(name);
    write_script(&path("send.lua"))?;

    eprintln!("seeding 1 + {} accounts in SQLite…", options.tenants);
    let sqlite_keys = seed(&path("sqlite"), options.tenants + 1).await?;
    eprintln!("seeding 1 + {} accounts in PostgreSQL…", options.tenants);
    database.fast_commits().await?;
    let server_keys = seed_store(&path("servers"), &database.url, options.tenants + 1).await?;
    database.durable_commits().await?;
    for (name, keys) in [(SQLITE, &sqlite_keys), (SERVERS, &server_keys)] {
        std::fs::write(path(&format!("{name}.single.keys")), &keys[0])?;
        std::fs::write(path(&format!("{name}.tenants.keys")), keys[1..].join("\n"))?;
    }

    let upstream = start_upstream()?;
    std::fs::create_dir_all(path("redis"))?;
    let redis = redis::start(&path("redis"))?;
    let redis_url = format!("redis://127.0.0.1:{}", port_of(&redis.base_url)?);
    let store_flags = ["--database-url", database.url.as_str(), "--redis-url", redis_url.as_str()];
    let backends = Backends {
        sqlite: gateway::start(&binary, &path("sqlite"), &upstream.base_url, NEVER_REFUSE, &[])?,
        servers: gateway::start_with(&binary, &path("servers"), &upstream.base_url, NEVER_REFUSE, &store_flags, &[])?,
        database,
        redis: &redis,
        dir: dir.path(),
        options,
    };
    let mut report = Report::default();
    for round in 1..=options.rounds {
        eprintln!("round {round} of {}…", options.rounds);
        backends.round(&mut report).await?;
    }
    Ok(report)
}

impl Backends<'_> {
    async fn round(&self, report: &mut Report) -> anyhow::Result<()> {
        let tenants = match self.options.tenants {
            thousands if thousands % 1000 == 0 => format!("{}k accounts round-robin, c=32", thousands / 1000),
            count => format!("{count} accounts round-robin, c=32"),
        };
        for (scenario, keys, connections) in
            [("send c=1", "single", 1), ("send c=32", "single", 32), (tenants.as_str(), "tenants", 32)]
        {
            for (name, gateway) in [(SQLITE, &self.sqlite), (SERVERS, &self.servers)] {
                let keys = self.dir.join(format!("{name}.{keys}.keys"));
                self.measured(report, scenario, name, gateway, connections, &keys).await?;
            }
        }
        Ok(())
    }

    /// Runs a load through `gateway` and records what it cost the gateway and, for the one
    /// on servers, PostgreSQL and Redis.
    async fn measured(
        &self,
        report: &mut Report,
        scenario: &str,
        name: &'static str,
        gateway: &Pinned,
        connections: u32,
        keys: &Path,
    ) -> anyhow::Result<()> {
        let on_servers = name == SERVERS;
        let script = self.dir.join("send.lua");
        let load = Load {
            base_url: &gateway.base_url,
            path: SEND_PATH,
            connections,
            duration: Duration::from_secs(self.options.seconds),
            keys_file: keys,
            script: &script,
        };
        let backends = if on_servers { self.database.backends().await? } else { Vec::new() };
        let pg_before = backend_cpu(&backends);
        let redis_before = self.redis.cpu_time()?;
        let cpu_before = gateway.cpu_time()?;
        gateway.reset_peak_rss()?;
        let result = load.run()?;
        let cpu = gateway.cpu_time()?.saturating_sub(cpu_before);
        let redis_cpu = self.redis.cpu_time()?.saturating_sub(redis_before);
        ensure!(result.non_2xx == 0, "{scenario} through {name}: {} requests failed", result.non_2xx);
        let per_request = |cpu: Duration| cpu.as_secs_f64() * 1e6 / result.requests as f64;
        report.record(scenario, name, "req/s", result.requests_per_second);
        report.record(scenario, name, "p50", micros(result.p50));
        report.record(scenario, name, "p99", micros(result.p99));
        report.record(scenario, name, "cpu", per_request(cpu));
        if on_servers {
            // Sessions opened during the load count too (the pool grows under load).
            let backends = self.database.backends().await?;
            if let (Some(before), Some(after)) = (pg_before, backend_cpu(&backends)) {
                report.record(scenario, name, "pg cpu", per_request(cpu_between(&before, &after)));
            }
            report.record(scenario, name, "redis cpu", per_request(redis_cpu));
        }
        report.record(scenario, name, "peak rss", gateway.peak_rss()? as f64 / 1e6);
        Ok(())
    }
}
