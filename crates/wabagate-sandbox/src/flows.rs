//! WhatsApp Flows per WABA: their metadata, Flow JSON and lifecycle
//! (`DRAFT` → `PUBLISHED` → `DEPRECATED`). The sandbox keeps the JSON and checks that it
//! parses; it does not run Flows or call their endpoints.

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

/// A bound on Flows per WABA (Meta does not publish one; memory must stay bounded).
pub const MAX_FLOWS_PER_WABA: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlowStatus {
    Draft,
    Published,
    Deprecated,
}

impl FlowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Deprecated => "DEPRECATED",
        }
    }
}

/// One Flow as Meta stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFlow {
    pub id: String,
    pub waba_id: String,
    pub name: String,
    pub categories: Vec<String>,
    pub status: FlowStatus,
    pub endpoint_uri: Option<String>,
    /// The uploaded `flow.json`, verbatim.
    pub flow_json: Option<String>,
    /// Unix seconds, sandbox clock.
    pub updated_at: i64,
}

/// Every Flow, by id.
#[derive(Debug, Default)]
pub struct FlowStore {
    flows: DashMap<String, StoredFlow>,
}

impl FlowStore {
    /// Stores a new Flow unless the WABA has [`MAX_FLOWS_PER_WABA`] already.
    pub fn create(&self, flow: StoredFlow) -> bool {
        if self.list(&flow.waba_id).len() >= MAX_FLOWS_PER_WABA {
            return false;
        }
        self.flows.insert(flow.id.clone(), flow);
        true
    }

    pub fn get(&self, id: &str) -> Option<StoredFlow> {
        self.flows.get(id).map(|entry| entry.clone())
    }

    /// A WABA's Flows, oldest first.
    pub fn list(&self, waba_id: &str) -> Vec<StoredFlow> {
        let mut flows: Vec<StoredFlow> =
            self.flows.iter().filter(|entry| entry.waba_id == waba_id).map(|entry| entry.clone()).collect();
        flows.sort_by_key(|flow| crate::templates::graph_id_order(&flow.id));
        flows
    }

    /// Changes a Flow under its entry's lock; `None` when it does not exist.
    pub fn update<T>(&self, id: &str, change: impl FnOnce(&mut StoredFlow) -> T) -> Option<T> {
        self.flows.get_mut(id).map(|mut entry| change(&mut entry))
    }

    pub fn remove(&self, id: &str) -> bool {
        self.flows.remove(id).is_some()
    }

    pub fn snapshot(&self) -> Vec<StoredFlow> {
        self.flows.iter().map(|entry| entry.clone()).collect()
    }

    pub fn restore(&self, flows: Vec<StoredFlow>) {
        for flow in flows {
            self.flows.insert(flow.id.clone(), flow);
        }
    }
}
