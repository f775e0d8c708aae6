//! WhatsApp groups a business number created (Meta's Groups API): subject, description,
//! join approval mode and invite link. No WhatsApp user is ever in one: the sandbox has no
//! devices to join with, so participants and join requests stay empty.

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

/// A bound on groups per number (Meta does not publish one; memory must stay bounded).
pub const MAX_GROUPS_PER_NUMBER: usize = 1_000;

/// One group as Meta stores it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub subject: String,
    pub description: Option<String>,
    /// `approval_required` or `auto_approve`.
    pub join_approval_mode: String,
    /// The code of `https://chat.whatsapp.com/{code}`; a reset replaces it.
    pub invite_code: String,
    /// Unix seconds, sandbox clock.
    pub created_at: i64,
}

/// Every group, by id.
#[derive(Debug, Default)]
pub struct GroupStore {
    groups: DashMap<String, Group>,
}

impl GroupStore {
    /// Stores a new group unless its number has [`MAX_GROUPS_PER_NUMBER`] already.
    pub fn create(&self, group: Group) -> bool {
        if self.of_number(&group.phone_number_id).len() >= MAX_GROUPS_PER_NUMBER {
            return false;
        }
        self.groups.insert(group.id.clone(), group);
        true
    }

    pub fn get(&self, id: &str) -> Option<Group> {
        self.groups.get(id).map(|entry| entry.clone())
    }

    /// A number's groups, oldest first.
    pub fn of_number(&self, phone_number_id: &str) -> Vec<Group> {
        let mut groups: Vec<Group> = self
            .groups
            .iter()
            .filter(|entry| entry.phone_number_id == phone_number_id)
            .map(|entry| entry.clone())
            .collect();
        groups.sort_by(|left, right| (left.created_at, &left.id).cmp(&(right.created_at, &right.id)));
        groups
    }

    /// Changes a group under its entry's lock; `None` when it does not exist.
    pub fn update<T>(&self, id: &str, change: impl FnOnce(&mut Group) -> T) -> Option<T> {
        self.groups.get_mut(id).map(|mut entry| change(&mut entry))
    }

    pub fn remove(&self, id: &str) -> bool {
        self.groups.remove(id).is_some()
    }

    pub fn snapshot(&self) -> Vec<Group> {
        self.groups.iter().map(|entry| entry.clone()).collect()
    }

    pub fn restore(&self, groups: Vec<Group>) {
        for group in groups {
            self.groups.insert(group.id.clone(), group);
        }
    }
}
