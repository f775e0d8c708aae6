//! Processes under test: started pinned to a core (`taskset`) with a raised open-file limit
//! (`prlimit`), their address read from the line they print when ready, and what `/proc`
//! says of their CPU time and memory. Dropping a [`Pinned`] kills it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The core the proxy under test runs on; load and upstream share the other.
pub(crate) const PROXY_CORE: &str = "0";
pub(crate) const LOAD_CORE: &str = "1";

/// A running process pinned to one core.
pub(crate) struct Pinned {
    child: Child,
    /// `http://127.0.0.1:PORT`, as the process announced it.
    pub(crate) base_url: String,
}

impl Pinned {
    /// Runs `program args…` on `core`, waiting for a stdout line `… listening on http://…` (the
    /// announced address), or for `ready_port` to accept connections when it prints none.
    pub(crate) fn start(core: &str, program: &Path, args: &[&str], ready_port: Option<u16>) -> anyhow::Result<Self> {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--nofile={}", open_file_limit()))
            .args(["--", "taskset", "-c", core])
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // Nothing from the caller's environment may point the process elsewhere.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("WABAGATE_") || name == "DATABASE_URL" {
                command.env_remove(name);
            }
        }
        let mut child = command.spawn().with_context(|| format!("starting {}", program.display()))?;
        let base_url = match ready_port {
            Some(port) => {
                wait_for_port(port)?;
                format!("http://127.0.0.1:{port}")
            }
            None => announced_url(&mut child)
                .with_context(|| format!("{} did not announce its address", program.display()))?,
        };
        Ok(Self { child, base_url })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU time the process has used so far, all threads together.
    pub(crate) fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_time_of(self.pid())
    }

    /// Resident memory now, in bytes.
    pub(crate) fn rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmRSS:").map(|kib| kib * 1024)
    }

    /// Peak resident memory since the last [`reset_peak_rss`](Self::reset_peak_rss), in bytes.
    pub(crate) fn peak_rss(&self) -> anyhow::Result<u64> {
        self.status_kib("VmHWM:").map(|kib| kib * 1024)
    }

    /// Starts a new peak: writing 5 to `clear_refs` resets `VmHWM` to the current RSS.
    pub(crate) fn reset_peak_rss(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").context("resetting VmHWM")
    }

    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let line = status.lines().find(|line| line.starts_with(field)).with_context(|| format!("no {field}"))?;
        Ok(line.split_whitespace().nth(1).context("no value")?.parse()?)
    }

    /// SIGTERM, then waits up to `grace` before killing: callgrind writes its counts on exit.
    pub(crate) fn stop(mut self, grace: Duration) -> anyhow::Result<()> {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("process {} did not stop within {grace:?}", self.pid())
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn announced_url(child: &mut Child) -> anyhow::Result<String> {
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line?;
        // `serve` prints other URLs first (the webhook callback); the address is the one
        // it says it listens on.
        if let Some(start) = line.find("listening on http://") {
            let url: String =
                line[start + "listening on ".len()..].chars().take_while(|c| !c.is_whitespace()).collect();
            // Keep draining stdout so the process never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(url);
        }
    }
    bail!("exited before announcing an address")
}

fn wait_for_port(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("nothing listened on port {port} within 30 s")
}

/// User + system CPU time process `pid` has used so far, all threads together.
pub(crate) fn cpu_time_of(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may contain spaces; the fields after its closing parenthesis don't.
    let after_name = stat.rsplit_once(')').context("unexpected /proc/PID/stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(Duration::from_micros(ticks * 1_000_000 / clock_ticks_per_second()))
}

/// `getconf CLK_TCK` (100 on Linux everywhere we know of), asked once.
fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// The hard open-file limit (what a process may raise its own to): 1,000 waiting requests
/// need two descriptors each, more than the common soft limit of 1,024.
fn open_file_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(4))
        .and_then(|hard| hard.parse().ok())
        .unwrap_or(4096)
}

/// A free loopback port, for programs that cannot announce one they picked (nginx).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
