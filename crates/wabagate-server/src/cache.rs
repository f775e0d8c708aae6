//! The hot path's caches: API keys, connection lists and service windows are served from
//! memory; the store is asked once per entry, however many requests miss it at once.
//!
//! Built on moka: bounded, with TinyLFU admission, so a flood of new entries cannot push out
//! the ones in use; concurrent misses for one entry wait for a single load
//! (`or_try_insert_with`), so a burst on a cold cache costs one query per key, not one per
//! request. Keys and connection lists are forgotten when the store says they changed
//! ([`invalidation`]: the cache revision, read a few times a second), not on a short timer;
//! `cache_ttl` is only a backstop. Keys the store does not know live in a cache of their
//! own, small, so made-up keys (cheap to mint with a valid checksum) never compete with real
//! ones for room.

pub(crate) mod invalidation;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use uuid::Uuid;
use wabagate_store::{Account, ApiKeyHash, StoreError};

use crate::gateway::cached_connection::CachedConnection;

/// Known keys kept at most: far more than a gateway's live keys.
const KNOWN_KEYS: u64 = 100_000;
/// Unknown keys kept at most: enough to spare the store a client that retries a revoked key.
const UNKNOWN_KEYS: u64 = 10_000;
/// Accounts whose connection lists are kept at most.
const CONNECTION_LISTS: u64 = 100_000;
/// (business number, customer) pairs whose last inbound message is kept at most.
const WINDOWS: u64 = 100_000;
/// How long a cached window is served. The webhook processor updates the windows it opens
/// as it commits them, so this only bounds how late a window opened by another process
/// (`wabagate admin webhooks reroute`) is seen.
pub(crate) const WINDOW_TTL: Duration = Duration::from_secs(60);

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Cache,
    Store,
}

/// A moka cache that loads each missing entry once, however many callers miss it at once.
///
/// `clear` bumps a generation: a load that read the store before a clear and finishes after
/// it is answered but not kept, so a change is never papered over by a load that was slower
/// than the change.
struct LoadingCache<K, V> {
    entries: Cache<K, V>,
    generation: AtomicU64,
}

impl<K, V> LoadingCache<K, V>
where
    K: std::hash::Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(entries: Cache<K, V>) -> Self {
        Self { entries, generation: AtomicU64::new(0) }
    }

    /// The cached value, else `load`'s. A failed load is not cached; a caller that only waited
    /// on someone else's failure asks the store itself, so it gets an error of its own (store
    /// errors are not `Clone`), unless the failure holds for everyone: `NotFound`, or a
    /// database that cannot be reached (asking again would double the wait for its 503).
    async fn get_or_load<F, Fut>(&self, key: K, load: F) -> Result<(V, Source), StoreError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V, StoreError>>,
    {
        let generation = self.generation.load(Ordering::Acquire);
        match self.entries.entry(key.clone()).or_try_insert_with(load()).await {
            Ok(entry) if !entry.is_fresh() => Ok((entry.into_value(), Source::Cache)),
            Ok(entry) => {
                if self.generation.load(Ordering::Acquire) != generation {
                    self.entries.invalidate(&key).await;
                }
                Ok((entry.into_value(), Source::Store))
            }
            Err(shared) => match Arc::try_unwrap(shared) {
                Ok(error) => Err(error),
                // "Not there" is an answer, the same for every caller.
                Err(shared) if matches!(*shared, StoreError::NotFound) => Err(StoreError::NotFound),
                Err(shared) if shared.is_unavailable() => Err(StoreError::Unavailable),
                Err(_) => Ok((load().await?, Source::Store)),
            },
        }
    }

    fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}

pub(crate) struct KeyCache {
    known: LoadingCache<ApiKeyHash, Account>,
    unknown: Cache<ApiKeyHash, ()>,
}

impl KeyCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            known: LoadingCache::new(Cache::builder().max_capacity(KNOWN_KEYS).time_to_live(ttl).build()),
            unknown: Cache::builder().max_capacity(UNKNOWN_KEYS).time_to_live(ttl).build(),
        }
    }

    /// The account of a key (`None`: the store does not know it) and where that came from.
    /// `load` asks the store.
    pub(crate) async fn get_or_load<F, Fut>(
        &self,
        hash: ApiKeyHash,
        load: F,
    ) -> Result<(Option<Account>, Source), StoreError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<Account>, StoreError>>,
    {
        if self.unknown.contains_key(&hash) {
            return Ok((None, Source::Cache));
        }
        // Unknown keys must not take room among the known ones: a load that finds nothing
        // is a failed load for the known cache, and lands in the unknown one.
        let known = self
            .known
            .get_or_load(hash, || {
                let loaded = load();
                async move { loaded.await?.ok_or(StoreError::NotFound) }
            })
            .await;
        match known {
            Ok((account, source)) => Ok((Some(account), source)),
            Err(StoreError::NotFound) => {
                self.unknown.insert(hash, ()).await;
                Ok((None, Source::Store))
            }
            Err(error) => Err(error),
        }
    }

    /// Forgets every key.
    pub(crate) fn clear(&self) {
        self.known.clear();
        self.unknown.invalidate_all();
    }
}

/// Counts only: the entries are secrets' neighbours and there may be many.
impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("known", &self.known.entries.entry_count())
            .field("unknown", &self.unknown.entry_count())
            .finish()
    }
}

/// Account → all its connections with tokens opened (and their upstream `Authorization`
/// values built).
pub(crate) struct ConnectionCache(LoadingCache<Uuid, Arc<[CachedConnection]>>);

impl ConnectionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self(LoadingCache::new(Cache::builder().max_capacity(CONNECTION_LISTS).time_to_live(ttl).build()))
    }

    /// An account's connections; `load` asks the store.
    pub(crate) async fn get_or_load<F, Fut>(
        &self,
        account_id: Uuid,
        load: F,
    ) -> Result<(Arc<[CachedConnection]>, Source), StoreError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Arc<[CachedConnection]>, StoreError>>,
    {
        self.0.get_or_load(account_id, load).await
    }

    /// Forgets every list.
    pub(crate) fn clear(&self) {
        self.0.clear();
    }
}

impl fmt::Debug for ConnectionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionCache").field("accounts", &self.0.entries.entry_count()).finish()
    }
}

/// (business number, customer) → when the customer last wrote (Unix seconds), if ever: what
/// a send's service-window check needs, without a store query per send.
pub(crate) struct WindowCache(LoadingCache<(String, String), Option<i64>>);

impl WindowCache {
    pub(crate) fn new() -> Self {
        Self(LoadingCache::new(Cache::builder().max_capacity(WINDOWS).time_to_live(WINDOW_TTL).build()))
    }

    /// The customer's last inbound time; `load` asks the store.
    pub(crate) async fn get_or_load<F, Fut>(
        &self,
        phone_number_id: &str,
        wa_id: &str,
        load: F,
    ) -> Result<(Option<i64>, Source), StoreError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<i64>, StoreError>>,
    {
        let key = (phone_number_id.to_owned(), wa_id.to_owned());
        self.0.get_or_load(key, load).await
    }

    /// A window the webhook processor just committed: the customer wrote at `at`. Windows
    /// only move forward, so an older time never replaces a newer one.
    pub(crate) async fn opened(&self, phone_number_id: String, wa_id: String, at: i64) {
        self.0
            .entries
            .entry((phone_number_id, wa_id))
            .and_compute_with(|cached| {
                let newer = cached.and_then(|entry| entry.into_value()).is_none_or(|known| known < at);
                std::future::ready(if newer {
                    moka::ops::compute::Op::Put(Some(at))
                } else {
                    moka::ops::compute::Op::Nop
                })
            })
            .await;
    }
}

impl fmt::Debug for WindowCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WindowCache").field("pairs", &self.0.entries.entry_count()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    type Answer = Result<(Arc<[CachedConnection]>, Source), StoreError>;

    /// Fifty concurrent misses of one account's list, each loaded by `answer` (after a
    /// yield, so they overlap): their answers, and how many loads ran.
    async fn fifty_concurrent_misses(
        cache: &ConnectionCache,
        id: Uuid,
        answer: fn() -> Result<Arc<[CachedConnection]>, StoreError>,
    ) -> (Vec<Answer>, usize) {
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            answer()
        };
        let answers = futures_util::future::join_all((0..50).map(|_| cache.get_or_load(id, load))).await;
        (answers, loads.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn concurrent_misses_load_once() {
        let cache = ConnectionCache::new(Duration::from_secs(60));
        let id = Uuid::new_v4();
        let (answers, loads) = fifty_concurrent_misses(&cache, id, || Ok(Arc::from([]))).await;
        assert!(answers.iter().all(Result::is_ok));
        assert_eq!(loads, 1);
        let (_, source) = cache.get_or_load(id, || async { Ok(Arc::from([])) }).await.unwrap();
        assert_eq!(source, Source::Cache);
    }

    #[tokio::test]
    async fn concurrent_misses_of_an_unreachable_store_ask_it_once() {
        let cache = ConnectionCache::new(Duration::from_secs(60));
        let (answers, loads) = fifty_concurrent_misses(&cache, Uuid::new_v4(), || Err(StoreError::Unavailable)).await;
        assert!(answers.iter().all(|answer| matches!(answer, Err(error) if error.is_unavailable())));
        assert_eq!(loads, 1, "each waiter would have waited out a timeout of its own");
    }

    #[tokio::test]
    async fn cleared_entries_are_gone_at_once() {
        let cache = ConnectionCache::new(Duration::from_secs(60));
        let id = Uuid::new_v4();
        let load = || async { Ok(Arc::from([])) };
        cache.get_or_load(id, load).await.unwrap();
        cache.clear();
        assert_eq!(cache.get_or_load(id, load).await.unwrap().1, Source::Store);
    }

    #[tokio::test]
    async fn a_load_that_straddles_a_clear_is_not_kept() {
        let cache = ConnectionCache::new(Duration::from_secs(60));
        let id = Uuid::new_v4();
        let stale = || async {
            cache.clear();
            Ok(Arc::from([]))
        };
        assert_eq!(cache.get_or_load(id, stale).await.unwrap().1, Source::Store);
        assert_eq!(cache.get_or_load(id, || async { Ok(Arc::from([])) }).await.unwrap().1, Source::Store);
    }

    #[tokio::test]
    async fn unknown_keys_are_remembered_apart_and_failures_not_at_all() {
        let cache = KeyCache::new(Duration::from_secs(60));
        let hash = wabagate_store::ApiKey::generate().hash();
        assert_eq!(cache.get_or_load(hash, || async { Ok(None) }).await.unwrap(), (None, Source::Store));
        assert_eq!(cache.get_or_load(hash, || async { Ok(None) }).await.unwrap(), (None, Source::Cache));
        let other = wabagate_store::ApiKey::generate().hash();
        let failed = cache.get_or_load(other, || async { Err(StoreError::Conflict("down".to_owned())) }).await;
        assert!(matches!(failed, Err(StoreError::Conflict(_))));
        assert_eq!(cache.get_or_load(other, || async { Ok(None) }).await.unwrap().1, Source::Store);
    }

    #[tokio::test]
    async fn a_window_only_moves_forward() {
        let cache = WindowCache::new();
        let never = || async { Ok(None) };
        assert_eq!(cache.get_or_load("1", "2", never).await.unwrap().0, None);
        cache.opened("1".to_owned(), "2".to_owned(), 200).await;
        cache.opened("1".to_owned(), "2".to_owned(), 100).await;
        assert_eq!(cache.get_or_load("1", "2", never).await.unwrap().0, Some(200));
    }
}
