//! `wabagate-bench ledger`: what recording a send costs the store, apart from the proxy.
//!
//! The proxy scenarios send to one recipient (and, before the fourth round of
//! docs/performance.md, answered wamids that rose one by one), which is near the store's best
//! case: every insert lands at the end of the thread index. Meta's wamids differ in their
//! tail and a business writes to many customers, so each recorded send dirties its own page
//! of the wamid index and of the thread index. This scenario records sends as the
//! gateway's ledger writer does (in batches, through [`Store::record_sends`]) with keys laid
//! out like Meta's, in this process pinned to the proxy's core, and reads the cost from
//! `/proc`: CPU and wall time, context switches (every statement is a hand-over to sqlx's
//! SQLite worker thread), and the bytes and write calls that reached the kernel.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use wabagate_store::{AccessToken, Keyring, SendRecord, Store, Timestamp};

use crate::process::{PROXY_CORE, cpu_time_of};
use crate::tenants::PHONE_NUMBER_ID;
use crate::upstream::{self, wamid_tail};

#[derive(Debug, clap::Args)]
pub(crate) struct Options {
    /// Sends recorded in all (after a first tenth, not counted, that warms the store up).
    #[arg(long, default_value_t = 40_000)]
    sends: usize,
    /// Sends per batch: about what the ledger writer gathers in its 250 ms at c=32 in the
    /// proxy scenario (3,000 to 3,500 on the machine of docs/performance.md).
    #[arg(long, default_value_t = 3_000)]
    batch: usize,
    /// Distinct customers the sends go to.
    #[arg(long, default_value_t = 1_000)]
    recipients: u64,
    /// How the wamids are laid out.
    #[arg(long, value_enum, default_value_t = Wamids::Meta)]
    wamids: Wamids,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Wamids {
    /// Like Meta's: a prefix per customer, then a tail that looks random, so consecutive
    /// sends land far apart in the wamid index.
    Meta,
    /// Rising one by one, as the canned upstream of the proxy scenarios answered them for the
    /// tables before docs/performance.md's fourth round: every insert lands at the end of the
    /// index (the store's best case).
    Rising,
}

impl Wamids {
    fn wamid(self, n: u64, recipients: u64) -> String {
        match self {
            Self::Meta => format!("wamid.HBgL{}FQIAERgS{:020X}A=", recipient(n, recipients), wamid_tail(n)),
            Self::Rising => upstream::wamid(n),
        }
    }
}

/// What the process spent, read from `/proc/self`.
#[derive(Debug, Clone, Copy)]
struct Spent {
    cpu: Duration,
    context_switches: u64,
    bytes_written: u64,
    write_calls: u64,
}

pub(crate) async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.sends > 0 && options.batch > 0 && options.recipients > 0,
        "--sends, --batch and --recipients must be above 0"
    );
    pin_to_proxy_core()?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
    let keyring = Keyring::load_or_create_file(&dir.path().join("secret.key"), &[])?;
    let store = Store::open(&url, keyring).await.context("opening the benchmark's store")?;
    let account = store.create_account("bench").await?;
    let connection = store
        .create_active_connection(account.account_id, "whatsapp-business", &AccessToken::new("EAAG-bench"), json!({}))
        .await?;
    let send = |n: u64| SendRecord {
        wamid: options.wamids.wamid(n, options.recipients),
        account_id: account.account_id,
        connection_id: connection.connection_id,
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        recipient: recipient(n, options.recipients),
        message_type: Some("text".to_owned()),
        template_name: None,
        biz_opaque_callback_data: None,
        request_id: Some(format!("req-{n:016x}")),
        sent_at: Timestamp::now(),
        content: Some(crate::wrk::SEND_BODY.to_owned()),
    };

    let warm_up = options.sends / 10;
    let mut numbers = 0_u64..;
    let mut record = async |count: usize| -> anyhow::Result<()> {
        let mut left = count;
        while left > 0 {
            let size = left.min(options.batch);
            let batch: Vec<SendRecord> = numbers.by_ref().take(size).map(send).collect();
            store.record_sends(&batch).await?;
            left -= size;
        }
        Ok(())
    };
    record(warm_up).await?;
    let (before, started) = (spent()?, Instant::now());
    record(options.sends).await?;
    let (after, wall) = (spent()?, started.elapsed());
    store.close().await;

    let per_send = |total: f64| total / options.sends as f64;
    println!(
        "ledger: {} sends in batches of {} to {} customers, {:?} wamids, on core {PROXY_CORE} (SQLite)",
        options.sends, options.batch, options.recipients, options.wamids
    );
    println!("  CPU per send            {:>8.1} µs", per_send((after.cpu - before.cpu).as_secs_f64() * 1e6));
    println!("  wall time per send      {:>8.1} µs", per_send(wall.as_secs_f64() * 1e6));
    println!(
        "  context switches / send {:>8.1}",
        per_send(after.context_switches.saturating_sub(before.context_switches) as f64)
    );
    println!("  write calls / send      {:>8.1}", per_send((after.write_calls - before.write_calls) as f64));
    println!(
        "  KiB written / send      {:>8.1}",
        per_send((after.bytes_written - before.bytes_written) as f64 / 1024.0)
    );
    Ok(())
}

fn recipient(n: u64, recipients: u64) -> String {
    format!("1555{:07}", n % recipients)
}

/// This process, and so the threads it starts from now on (sqlx's SQLite workers), on the
/// proxy's core, as the proxy scenarios pin `wabagate serve`.
fn pin_to_proxy_core() -> anyhow::Result<()> {
    let status = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", PROXY_CORE, &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .context("running taskset (util-linux)")?;
    anyhow::ensure!(status.success(), "taskset could not pin the benchmark: {status}");
    Ok(())
}

fn spent() -> anyhow::Result<Spent> {
    let cpu = cpu_time_of(std::process::id())?;
    // Summed over the threads alive now: sqlx's SQLite workers live as long as the store.
    let mut context_switches = 0;
    for task in std::fs::read_dir("/proc/self/task")? {
        // A thread may end between listing and reading: it no longer counts.
        let Ok(status) = std::fs::read_to_string(task?.path().join("status")) else { continue };
        context_switches += status
            .lines()
            .filter(|line| {
                line.starts_with("voluntary_ctxt_switches") || line.starts_with("nonvoluntary_ctxt_switches")
            })
            .filter_map(|line| line.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    let io = std::fs::read_to_string("/proc/self/io")?;
    let io_field = |name: &str| -> u64 {
        io.lines().find_map(|line| line.strip_prefix(name)?.trim().parse().ok()).unwrap_or_default()
    };
    Ok(Spent { cpu, context_switches, bytes_written: io_field("wchar:"), write_calls: io_field("syscw:") })
}
