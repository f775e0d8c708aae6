//! The data dir: created private (0700), and locked by the `serve` that uses it, so a second
//! `serve` on the same dir refuses to start instead of racing the first for its files (the
//! in-process sandbox's state file, the demo file, the master key on first start).

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use fs4::fs_std::FileExt;

/// The file `serve` holds an exclusive lock on for as long as it runs; it names its pid.
const LOCK_FILE: &str = "serve.lock";

/// Creates the data dir (and its parents) with mode 0700 if it does not exist. An existing
/// one is left as it is (it may be a directory the operator chose to share), with a warning
/// when others may list it; the files wabagate writes in it are 0600 either way.
pub(crate) fn create(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).with_context(|| format!("creating the data dir {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                data_dir = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the data dir is open to other users; `chmod 700` it unless you share it on purpose"
            );
        }
    }
    Ok(())
}

/// The lock on a data dir; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub(crate) struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Locks `data_dir`, or explains which process holds it.
    pub(crate) fn acquire(data_dir: &Path) -> anyhow::Result<Self> {
        let path: PathBuf = data_dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        let locked = FileExt::try_lock_exclusive(&file).with_context(|| format!("locking {}", path.display()))?;
        if !locked {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid})"),
            };
            anyhow::bail!(
                "another `wabagate serve`{holder} is already using the data dir {}; stop it first, or give this one its own --data-dir",
                data_dir.display()
            );
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        file.flush()?;
        Ok(Self { _file: file })
    }
}
