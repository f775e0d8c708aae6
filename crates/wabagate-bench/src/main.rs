//! `wabagate-bench`: wabagate side by side with nginx as a plain token-injecting proxy, in
//! front of the same canned upstream, on this machine (see `docs/performance.md`).
//!
//! - `wabagate-bench` (or `run`): every scenario, interleaved rounds, one table.
//! - `wabagate-bench guard`: the CI check; wabagate's instructions per request under
//!   callgrind must stay within 10 % of the committed figure ([`guard`]).
//! - `wabagate-bench backends --database-url postgres://…`: the proxy on PostgreSQL and
//!   Redis against SQLite ([`backends`], with [`postgres`] and [`redis`]).
//! - `wabagate-bench ledger`: what recording a send costs the store, apart from the proxy
//!   ([`ledger`]).
//! - `wabagate-bench upstream`: the canned upstream alone ([`upstream`]).
//!
//! Module map: [`scenarios`] (what is measured), [`process`] (pinning, `/proc`), [`nginx`],
//! [`gateway`] (the wabagate under test), [`tenants`] (its accounts), [`wrk`], [`callgrind`],
//! [`transfer`] (memory scenarios), [`report`] (the table).

mod backends;
mod callgrind;
mod gateway;
mod guard;
mod ledger;
mod nginx;
mod postgres;
mod process;
mod redis;
mod report;
mod scenarios;
mod serve;
mod tenants;
mod transfer;
mod upstream;
mod wrk;

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Benchmark wabagate against nginx as a plain token-injecting proxy")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    options: scenarios::Options,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every scenario, interleaved rounds, one table (the default).
    Run,
    /// Fail when wabagate's instructions per request exceed the committed figure by > 10 %.
    Guard {
        /// Write the measured figure as the new committed one instead of checking.
        #[arg(long)]
        update: bool,
        /// Keep callgrind's output files here, to see where the instructions go
        /// (`callgrind_annotate --inclusive=yes DIR/500.out`).
        #[arg(long, value_name = "DIR")]
        keep_profiles: Option<std::path::PathBuf>,
    },
    /// The proxy on PostgreSQL and Redis against SQLite: one instance each, interleaved rounds.
    Backends(backends::Options),
    /// What recording a send costs the store, with wamids and customers as Meta's (no proxy).
    Ledger(ledger::Options),
    /// Start the canned upstream and one seeded wabagate, pinned as the benchmark pins them,
    /// and keep them running for a look from outside (perf, strace, a wrk of your own).
    Serve,
    /// Serve the canned upstream alone.
    Upstream {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Upstream { listen }) = cli.command {
        return upstream::run(listen);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Guard { update, keep_profiles }) => guard::run(update, keep_profiles.as_deref()).await,
            Some(Command::Serve) => serve::run().await,
            Some(Command::Ledger(options)) => ledger::run(options).await,
            Some(Command::Backends(options)) => {
                let report = backends::run(options).await?;
                print!("{}", report.render());
                Ok(())
            }
            _ => {
                let report = scenarios::run(cli.options).await?;
                print!("{}", report.render());
                Ok(())
            }
        }
    })
}
