//! The profiles `wabagate login` saves: a gateway URL and an API key under a name, in
//! `CONFIG_DIR/wabagate/profiles.toml` (`~/.config/wabagate/profiles.toml` on Linux,
//! honouring `XDG_CONFIG_HOME`). The file holds API keys, so the directory is 0700 and the
//! file 0600, and it is replaced whole (written aside, then renamed) so a crash never
//! leaves half of it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// One saved gateway and key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) url: String,
    pub(crate) api_key: String,
}

/// Every saved profile, by name.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profiles {
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Profile>,
}

/// Where the profiles live, if the platform has a config dir.
pub(crate) fn path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("wabagate").join("profiles.toml"))
}

/// Profile names are short and plain, so they are safe in messages and file names.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let plain = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
    if name.is_empty() || name.len() > 64 || !name.bytes().all(plain) {
        return Err(format!("profile name {name:?}: use 1 to 64 letters, digits, '-' or '_'"));
    }
    Ok(())
}

impl Profiles {
    /// The saved profiles; none when the file does not exist yet.
    pub(crate) fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|error| format!("{} is not a profiles file: {error}", path.display()))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(format!("reading {}: {error}", path.display())),
        }
    }

    /// Writes every profile to `path`, readable by its owner only.
    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
        let text = toml::to_string(self).map_err(std::io::Error::other)?;
        let aside = path.with_extension("toml.new");
        // A leftover from a crash may have other permissions; the mode applies only on creation.
        let _ = std::fs::remove_file(&aside);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&aside)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&aside, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_survive_a_save_and_load_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wabagate").join("profiles.toml");
        assert_eq!(Profiles::load(&path).unwrap(), Profiles::default());
        let mut profiles = Profiles::default();
        let profile = Profile { url: "http://127.0.0.1:9".into(), api_key: "wbg_x".into() };
        profiles.profiles.insert("work".into(), profile);
        profiles.save(&path).unwrap();
        assert_eq!(Profiles::load(&path).unwrap(), profiles);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("default").is_ok());
        assert!(check_name("acme-prod_2").is_ok());
        for bad in ["", "a b", "../x", "é"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
