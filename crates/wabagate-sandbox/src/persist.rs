//! The `--state FILE`: the sandbox's mutable state as one JSON document, read at start and
//! written (atomically, through a temporary file) whenever it changed (every couple of
//! seconds) and on shutdown.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::business::BusinessProfile;
use crate::flows::StoredFlow;
use crate::groups::Group;
use crate::media_store::StoredMedia;
use crate::number_settings::NumberSettings;
use crate::signups::Signup;
use crate::state::SandboxState;
use crate::templates::StoredTemplate;
use crate::tokens::TokenInfo;

/// Bumped when the layout changes incompatibly.
const FORMAT: u32 = 1;

/// Everything a restart must keep.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: u32,
    pub clock_offset_seconds: i64,
    pub next_id: u64,
    pub media_url_secret: String,
    pub tokens: Vec<(String, TokenInfo)>,
    pub windows: Vec<(String, String, i64)>,
    pub templates: Vec<StoredTemplate>,
    pub media: Vec<StoredMedia>,
    pub profiles: Vec<(String, BusinessProfile)>,
    /// Absent in files written before numbers had settings.
    #[serde(default)]
    pub number_settings: Vec<(String, NumberSettings)>,
    #[serde(default)]
    pub flows: Vec<StoredFlow>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub signups: Vec<Signup>,
}

/// Reads a state file; `Ok(None)` when it does not exist yet.
pub fn read(path: &Path) -> anyhow::Result<Option<Snapshot>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("reading sandbox state {}", path.display())),
    };
    let snapshot: Snapshot =
        serde_json::from_slice(&text).with_context(|| format!("parsing sandbox state {}", path.display()))?;
    anyhow::ensure!(
        snapshot.format == FORMAT,
        "sandbox state {} has format {}, expected {FORMAT}",
        path.display(),
        snapshot.format
    );
    Ok(Some(snapshot))
}

/// [`read`], with an unreadable file logged and treated as absent (callers that must
/// refuse to start on a broken file call [`read`] first).
pub(crate) fn load(path: &Path) -> Option<Snapshot> {
    read(path).unwrap_or_else(|error| {
        tracing::warn!("ignoring sandbox state: {error:#}");
        None
    })
}

pub(crate) fn restore(state: &SandboxState, snapshot: Snapshot) {
    state.clock().advance(u64::try_from(snapshot.clock_offset_seconds).unwrap_or(0));
    for (token, info) in snapshot.tokens {
        state.tokens().insert(token, info);
    }
    for (phone_number_id, wa_id, unix) in snapshot.windows {
        state.windows().open(&phone_number_id, &wa_id, unix);
    }
    state.templates().restore(snapshot.templates);
    for media in snapshot.media {
        state.media().insert(media);
    }
    for (phone_number_id, profile) in snapshot.profiles {
        state.businesses().update_profile(&phone_number_id, |stored| *stored = profile);
    }
    state.number_settings().restore(snapshot.number_settings);
    state.flows().restore(snapshot.flows);
    state.groups().restore(snapshot.groups);
    state.signups().restore(snapshot.signups);
}

/// Writes the state to `path` through a sibling temporary file, so a crash mid-write never
/// leaves a truncated state behind.
pub fn save(state: &SandboxState, path: &Path) -> anyhow::Result<()> {
    let snapshot = Snapshot {
        format: FORMAT,
        clock_offset_seconds: state.clock().offset_seconds(),
        next_id: state.ids().peek(),
        media_url_secret: state.media_url_secret().to_owned(),
        tokens: state.tokens().snapshot(),
        windows: state.windows().snapshot(),
        templates: state.templates().snapshot(),
        media: state.media().snapshot(),
        profiles: state.businesses().snapshot_profiles(),
        number_settings: state.number_settings().snapshot(),
        flows: state.flows().snapshot(),
        groups: state.groups().snapshot(),
        signups: state.signups().snapshot(),
    };
    let text = serde_json::to_vec(&snapshot).context("serialising sandbox state")?;
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
