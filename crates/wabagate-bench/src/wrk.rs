//! Load from wrk (Debian's `wrk`), pinned to the load core: a fixed-length run over
//! keep-alive connections, each request a small JSON send with an API key taken in turn
//! from a keys file, and what wrk reports of it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::nginx::which;
use crate::process::LOAD_CORE;

/// The small send every scenario posts.
pub(crate) const SEND_BODY: &str =
    r#"{"messaging_product":"whatsapp","to":"1234567890","type":"text","text":{"body":"Hello from the benchmark"}}"#;

/// What wrk measured in one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WrkResult {
    pub(crate) requests: u64,
    pub(crate) requests_per_second: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) non_2xx: u64,
}

/// One load: which URL path, how many connections, for how long, with which keys.
pub(crate) struct Load<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) path: &'a str,
    pub(crate) connections: u32,
    pub(crate) duration: Duration,
    pub(crate) keys_file: &'a Path,
    pub(crate) script: &'a Path,
}

/// Writes the Lua script that takes the keys in turn, once per benchmark.
pub(crate) fn write_script(path: &Path) -> anyhow::Result<()> {
    let script = format!(
        r#"local keys = {{}}
local next_key = 0
init = function(args)
  for line in io.lines(args[1]) do keys[#keys + 1] = line end
  wrk.path = args[2]
end
request = function()
  next_key = next_key % #keys + 1
  return wrk.format("POST", nil, {{["Authorization"] = "Bearer " .. keys[next_key], ["Content-Type"] = "application/json"}}, [[{SEND_BODY}]])
end
"#
    );
    std::fs::write(path, script).context("writing the wrk script")
}

impl Load<'_> {
    /// Runs wrk to the end and parses its report.
    pub(crate) fn run(&self) -> anyhow::Result<WrkResult> {
        self.command()?.output().context("running wrk").and_then(|out| {
            if !out.status.success() {
                bail!("wrk failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            parse(&String::from_utf8_lossy(&out.stdout))
        })
    }

    /// Starts wrk without waiting, for loads that run beside another.
    pub(crate) fn spawn(&self) -> anyhow::Result<std::process::Child> {
        self.command()?.stdout(std::process::Stdio::piped()).spawn().context("starting wrk")
    }

    fn command(&self) -> anyhow::Result<Command> {
        let mut command = Command::new("taskset");
        command
            .args(["-c", LOAD_CORE])
            .arg(which("wrk")?)
            .args(["-t1", "--latency", "--timeout", "10s"])
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.duration.as_secs()))
            .arg("-s")
            .arg(self.script)
            .arg(self.base_url)
            .arg("--")
            .arg(self.keys_file)
            .arg(self.path);
        Ok(command)
    }
}

/// Parses a finished background wrk.
pub(crate) fn finish(child: std::process::Child) -> anyhow::Result<WrkResult> {
    let out = child.wait_with_output()?;
    parse(&String::from_utf8_lossy(&out.stdout))
}

fn parse(report: &str) -> anyhow::Result<WrkResult> {
    let mut result =
        WrkResult { requests: 0, requests_per_second: 0.0, p50: Duration::ZERO, p99: Duration::ZERO, non_2xx: 0 };
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => result.p50 = duration(value)?,
            ["99%", value] => result.p99 = duration(value)?,
            ["Requests/sec:", value] => result.requests_per_second = value.parse()?,
            ["Non-2xx", "or", "3xx", "responses:", value] => result.non_2xx = value.parse()?,
            [count, "requests", "in", ..] => result.requests = count.parse()?,
            _ => {}
        }
    }
    if result.requests == 0 {
        bail!("wrk made no request:\n{report}");
    }
    Ok(result)
}

/// wrk's `12.34us`, `1.20ms`, `2.00s`, `1.00m`.
fn duration(text: &str) -> anyhow::Result<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).context("no unit")?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => bail!("unknown unit in {text}"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_wrk_report() {
        let report = "Running 3s test @ http://127.0.0.1:1\n  1 threads and 32 connections\n  Latency Distribution\n     50%  612.00us\n     75%  700.00us\n     90%    1.01ms\n     99%    2.50ms\n  123456 requests in 3.00s, 12.34MB read\n  Non-2xx or 3xx responses: 7\nRequests/sec:  41152.25\nTransfer/sec:      4.11MB\n";
        let result = parse(report).unwrap();
        assert_eq!(result.requests, 123_456);
        assert_eq!(result.non_2xx, 7);
        assert_eq!(result.p50, Duration::from_micros(612));
        assert_eq!(result.p99, Duration::from_micros(2500));
        assert!((result.requests_per_second - 41152.25).abs() < 1e-6);
    }
}
