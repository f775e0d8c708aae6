//! Message templates per WABA and their review: a new template is `PENDING` until its
//! review is due on the sandbox clock, then `APPROVED` (or `REJECTED` by the configured
//! rule). Review is settled lazily on every read and by a background tick, so moving the
//! clock forward is enough to see the outcome.

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde::{Deserialize, Serialize};
use wabagate_model::template::{TemplateCategory, TemplateDefinition, TemplateStatus};

/// One template as Meta stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTemplate {
    pub id: String,
    pub waba_id: String,
    /// Components with upper-case `type`/`format`, as Graph returns them.
    pub definition: TemplateDefinition,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    pub rejected_reason: Option<String>,
    /// When review decides (Unix seconds, sandbox clock); `None` once decided.
    pub review_due_at: Option<i64>,
    /// What review will decide.
    pub review_outcome: TemplateStatus,
    /// When the template was created or last edited (Unix seconds, sandbox clock).
    #[serde(default)]
    pub updated_at: i64,
    /// When each edit of the template happened, for Meta's edit limits.
    #[serde(default)]
    pub edits: Vec<i64>,
    /// The status before archiving, restored by unarchiving.
    #[serde(default)]
    pub status_before_archive: Option<TemplateStatus>,
}

/// Upper-cases component and button types so stored templates read like Meta's.
pub fn normalise(mut definition: TemplateDefinition) -> TemplateDefinition {
    for component in &mut definition.components {
        component.kind = component.kind.to_ascii_uppercase();
        component.format = component.format.take().map(|format| format.to_ascii_uppercase());
        for button in component.buttons.iter_mut().flatten() {
            button.kind = button.kind.to_ascii_uppercase();
        }
    }
    definition.category = definition.category.to_ascii_uppercase();
    definition
}

type NameKey = (String, String, String);

/// Why a template could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateRejection {
    /// The WABA already has a template with this name in this language.
    NameExistsInLanguage,
}

/// Every template, by id and by (WABA, name, language).
#[derive(Debug, Default)]
pub struct TemplateStore {
    templates: DashMap<String, StoredTemplate>,
    by_name: DashMap<NameKey, String>,
}

fn key_of(template: &StoredTemplate) -> NameKey {
    (template.waba_id.clone(), template.definition.name.clone(), template.definition.language.clone())
}

impl TemplateStore {
    /// Stores a template unless its name is taken in its language.
    pub fn create(&self, template: StoredTemplate) -> Result<StoredTemplate, CreateRejection> {
        match self.by_name.entry(key_of(&template)) {
            Entry::Occupied(_) => Err(CreateRejection::NameExistsInLanguage),
            Entry::Vacant(slot) => {
                slot.insert(template.id.clone());
                self.templates.insert(template.id.clone(), template.clone());
                Ok(template)
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<StoredTemplate> {
        self.templates.get(id).map(|entry| entry.clone())
    }

    pub fn find(&self, waba_id: &str, name: &str, language: &str) -> Option<StoredTemplate> {
        let key = (waba_id.to_owned(), name.to_owned(), language.to_owned());
        let id = self.by_name.get(&key)?.clone();
        self.get(&id)
    }

    /// A WABA's templates, oldest (lowest id) first.
    pub fn list(&self, waba_id: &str) -> Vec<StoredTemplate> {
        let mut templates: Vec<StoredTemplate> =
            self.templates.iter().filter(|entry| entry.waba_id == waba_id).map(|entry| entry.clone()).collect();
        templates.sort_by_key(|template| graph_id_order(&template.id));
        templates
    }

    /// Changes a template under its entry's lock; `None` when it does not exist.
    pub fn update<T>(&self, id: &str, change: impl FnOnce(&mut StoredTemplate) -> T) -> Option<T> {
        self.templates.get_mut(id).map(|mut entry| change(&mut entry))
    }

    /// Deletes the templates with these ids, all or none: `false` (and nothing deleted)
    /// when one of them is not the WABA's.
    pub fn delete_ids(&self, waba_id: &str, ids: &[String]) -> bool {
        let doomed: Vec<StoredTemplate> =
            ids.iter().filter_map(|id| self.get(id)).filter(|template| template.waba_id == waba_id).collect();
        if doomed.len() != ids.len() {
            return false;
        }
        for template in &doomed {
            self.by_name.remove(&key_of(template));
            self.templates.remove(&template.id);
        }
        true
    }

    /// Deletes a WABA's templates called `name` (every language), or only the one with
    /// `hsm_id`. Returns how many were deleted.
    pub fn delete(&self, waba_id: &str, name: &str, hsm_id: Option<&str>) -> usize {
        let doomed: Vec<StoredTemplate> = self
            .templates
            .iter()
            .filter(|entry| entry.waba_id == waba_id && entry.definition.name == name)
            .filter(|entry| hsm_id.is_none_or(|hsm_id| entry.id == hsm_id))
            .map(|entry| entry.clone())
            .collect();
        for template in &doomed {
            self.by_name.remove(&key_of(template));
            self.templates.remove(&template.id);
        }
        doomed.len()
    }

    /// Decides every review due at `now`; returns the templates that changed status.
    pub fn settle(&self, now: i64) -> Vec<StoredTemplate> {
        let due: Vec<String> = self
            .templates
            .iter()
            .filter(|entry| entry.review_due_at.is_some_and(|due| due <= now))
            .map(|entry| entry.key().clone())
            .collect();
        let mut changed = Vec::new();
        for id in due {
            let Some(mut template) = self.templates.get_mut(&id) else { continue };
            // Re-checked under the entry's lock: two settlers never both report a change.
            if template.review_due_at.is_some_and(|due| due <= now) {
                template.review_due_at = None;
                template.status = template.review_outcome;
                if template.status == TemplateStatus::Rejected {
                    template.rejected_reason = Some("INVALID_FORMAT".into());
                }
                changed.push(template.clone());
            }
        }
        changed
    }

    /// Whether any review is still pending (the background tick has work).
    pub fn has_pending_review(&self) -> bool {
        self.templates.iter().any(|entry| entry.review_due_at.is_some())
    }

    pub fn snapshot(&self) -> Vec<StoredTemplate> {
        self.templates.iter().map(|entry| entry.clone()).collect()
    }

    pub fn restore(&self, templates: Vec<StoredTemplate>) {
        for template in templates {
            self.by_name.insert(key_of(&template), template.id.clone());
            self.templates.insert(template.id.clone(), template);
        }
    }
}

/// Graph ids are decimal strings of varying length; order them as numbers.
pub fn graph_id_order(id: &str) -> (usize, String) {
    (id.len(), id.to_owned())
}
