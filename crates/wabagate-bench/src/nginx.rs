//! nginx as the plain token-injecting reverse proxy wabagate is measured against: one
//! process (no master, one worker), keep-alive to the upstream, `Authorization` set to a
//! fixed token, bodies streamed both ways (no request or response buffering), an access log.

use std::path::Path;

use anyhow::Context;

use crate::process::{PROXY_CORE, Pinned, free_port};

pub(crate) const TOKEN: &str = "EAAGbenchmarkToken0000000000000000000000000000000000000000000000";

/// The nginx config for a proxy on `port` in front of `upstream_port`, everything under `dir`.
pub(crate) fn config(dir: &Path, port: u16, upstream_port: u16) -> String {
    let dir = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  client_max_body_size 200m;
  keepalive_requests 1000000;
  upstream canned {{ server 127.0.0.1:{upstream_port}; keepalive 1024; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location /whatsapp-business/ {{
      proxy_pass http://canned/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer {TOKEN}";
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 30s;
    }}
  }}
}}
"#
    )
}

/// Starts nginx pinned to the proxy core; `wrapper` (e.g. valgrind) runs it when given.
pub(crate) fn start(dir: &Path, upstream_port: u16, wrapper: &[&str]) -> anyhow::Result<Pinned> {
    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config(dir, port, upstream_port)).context("writing nginx.conf")?;
    let nginx = which("nginx")?;
    let prefix = dir.to_str().context("temp dir is not UTF-8")?;
    let conf = conf.to_str().context("temp dir is not UTF-8")?;
    let nginx_args = ["-e", "stderr", "-p", prefix, "-c", conf];
    match wrapper.split_first() {
        None => Pinned::start(PROXY_CORE, &nginx, &nginx_args, Some(port)),
        Some((program, rest)) => {
            let nginx = nginx.to_str().context("nginx path")?;
            let args: Vec<&str> = rest.iter().copied().chain([nginx]).chain(nginx_args).collect();
            Pinned::start(PROXY_CORE, &which(program)?, &args, Some(port))
        }
    }
}

/// The full path of a program on `PATH` (nginx lives in `/usr/sbin`, which some shells omit).
pub(crate) fn which(program: &str) -> anyhow::Result<std::path::PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/bin", "/sbin"])
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("`{program}` is not installed (Debian: apt-get install nginx-light wrk valgrind)"))
}

/// `program` itself when it is a path, else its location on `PATH`.
pub(crate) fn which_or_path(program: &str) -> anyhow::Result<std::path::PathBuf> {
    if program.contains('/') { Ok(program.into()) } else { which(program) }
}
