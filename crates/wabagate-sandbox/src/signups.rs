//! Marketing sign-up deep links (Meta's in-app signup, `wa.me/{number}/signup/{id}`): what
//! the WhatsApp user is shown and sent once they opt in. No user ever opens one in the
//! sandbox, so none is ever used.

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

/// A bound on sign-up links per WABA (Meta does not publish one; memory must stay bounded).
pub const MAX_SIGNUPS_PER_WABA: usize = 1_000;

/// One sign-up link as Meta stores it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signup {
    pub id: String,
    pub waba_id: String,
    /// `ACTIVE` or `DISABLED`.
    pub status: String,
    pub message: String,
    pub confirmation_message: String,
    /// Fixed at creation.
    pub privacy_policy_url: String,
    pub website_url: Option<String>,
    pub promo_code: Option<String>,
    pub display_name: Option<String>,
}

/// Every sign-up link, by id.
#[derive(Debug, Default)]
pub struct SignupStore {
    signups: DashMap<String, Signup>,
}

impl SignupStore {
    /// Stores a new link unless its WABA has [`MAX_SIGNUPS_PER_WABA`] already.
    pub fn create(&self, signup: Signup) -> bool {
        if self.of_waba(&signup.waba_id).len() >= MAX_SIGNUPS_PER_WABA {
            return false;
        }
        self.signups.insert(signup.id.clone(), signup);
        true
    }

    pub fn get(&self, id: &str) -> Option<Signup> {
        self.signups.get(id).map(|entry| entry.clone())
    }

    /// A WABA's links, oldest first.
    pub fn of_waba(&self, waba_id: &str) -> Vec<Signup> {
        let mut signups: Vec<Signup> =
            self.signups.iter().filter(|entry| entry.waba_id == waba_id).map(|entry| entry.clone()).collect();
        signups.sort_by_key(|signup| crate::templates::graph_id_order(&signup.id));
        signups
    }

    /// Changes a link under its entry's lock; `None` when it does not exist.
    pub fn update<T>(&self, id: &str, change: impl FnOnce(&mut Signup) -> T) -> Option<T> {
        self.signups.get_mut(id).map(|mut entry| change(&mut entry))
    }

    pub fn snapshot(&self) -> Vec<Signup> {
        self.signups.iter().map(|entry| entry.clone()).collect()
    }

    pub fn restore(&self, signups: Vec<Signup>) {
        for signup in signups {
            self.signups.insert(signup.id.clone(), signup);
        }
    }
}
