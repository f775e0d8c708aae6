//! Online backups: a consistent copy of the whole database in one file, taken while the
//! gateway keeps serving (SQLite's `VACUUM INTO` reads one snapshot, as any reader does).

use std::path::Path;

use crate::{Store, StoreError, StoreResult};

impl Store {
    /// Writes a consistent copy of the database to `path`, which must not exist yet. The file
    /// is created private (0600): it holds sealed tokens and API key hashes.
    pub async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        self.dialect.require_sqlite("admin backup")?;
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not a UTF-8 path, which SQLite needs", path.display())))?;
        // VACUUM INTO accepts an empty file, so creating it first (exclusively) sets its mode
        // and refuses to overwrite anything.
        crate::private_files::create_new_private(path)
            .map_err(|error| StoreError::Backup(format!("creating {}: {error}", path.display())))?;
        let copied = sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await;
        if let Err(error) = copied {
            let _ = std::fs::remove_file(path);
            return Err(error.into());
        }
        Ok(())
    }
}
