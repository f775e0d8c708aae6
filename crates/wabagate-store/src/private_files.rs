//! The database files are private to the gateway's user (0600): they hold sealed tokens,
//! API key hashes and connect links. SQLite gives its `-wal` and `-shm` files the mode of the
//! database file, so creating that one private (and tightening one left by an older
//! version) covers all three.

use std::io;
use std::path::Path;

/// Makes sure the database file at `path` exists and that it, and any `-wal`/`-shm` beside
/// it, is readable by its owner only.
pub(crate) fn prepare_database_file(path: &Path) -> io::Result<()> {
    match create_new_private(path) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        restrict(Path::new(&file))?;
    }
    Ok(())
}

/// Creates an empty file with mode 0600; fails if it exists.
pub(crate) fn create_new_private(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

#[cfg(unix)]
fn restrict(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        }
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> io::Result<()> {
    Ok(())
}
