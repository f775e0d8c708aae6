//! Uploaded media: bytes kept as the chunks they arrived in (never copied into one
//! buffer), with the metadata `GET /{media_id}` reports.

use bytes::Bytes;
use dashmap::DashMap;
use serde::{Deserialize, Serialize};

/// One uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredMedia {
    pub id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub mime_type: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub file_size: u64,
    /// Unix seconds (sandbox clock).
    pub uploaded_at: i64,
    #[serde(with = "chunks_as_base64")]
    pub chunks: Vec<Bytes>,
}

/// Media by id.
#[derive(Debug, Default)]
pub struct MediaStore {
    media: DashMap<String, StoredMedia>,
}

impl MediaStore {
    pub fn insert(&self, media: StoredMedia) {
        self.media.insert(media.id.clone(), media);
    }

    /// A media item (cloning its chunks is cheap: `Bytes` are reference-counted).
    pub fn get(&self, id: &str) -> Option<StoredMedia> {
        self.media.get(id).map(|entry| entry.clone())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.media.contains_key(id)
    }

    pub fn remove(&self, id: &str) -> Option<StoredMedia> {
        self.media.remove(id).map(|(_, media)| media)
    }

    pub fn snapshot(&self) -> Vec<StoredMedia> {
        self.media.iter().map(|entry| entry.clone()).collect()
    }
}

/// The state file keeps media as one base64 string per file.
mod chunks_as_base64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(chunks: &[Bytes], serializer: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<u8> = chunks.iter().flat_map(|chunk| chunk.iter().copied()).collect();
        serializer.serialize_str(&STANDARD.encode(joined))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Bytes>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        Ok(vec![Bytes::from(bytes)])
    }
}
