//! Message templates of a WhatsApp Business Account: list (status filter, all pages),
//! create, delete, under `/{waba_id}/message_templates`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use wabagate_model::responses::{SuccessResponse, TemplateCreated};
use wabagate_model::template::{TemplateDefinition, TemplateStatus};

use crate::client::Client;
use crate::error::Error;
use crate::paging::follow_pages;
use crate::response::{ApiResponse, Paged};
use crate::send::require_id;
use crate::template_draft::NewTemplate;
use crate::transport::Retry;

/// A template as the list returns it; components are kept as Graph wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<serde_json::Value>,
}

/// Which templates to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateQuery {
    /// Only templates in this review status.
    pub status: Option<TemplateStatus>,
    /// Only the template with this name.
    pub name: Option<String>,
    /// Page size asked of Graph (`limit`).
    pub page_size: Option<u32>,
    /// Stop after this many templates; `None` follows every page.
    pub max_items: Option<usize>,
}

impl Client {
    /// The WABA's templates, every page followed unless [`TemplateQuery::max_items`] stops earlier.
    pub async fn list_templates(&self, waba_id: &str, query: &TemplateQuery) -> Result<Paged<Template>, Error> {
        require_id("waba_id", waba_id)?;
        let mut url = self.graph_url(&[waba_id, "message_templates"]);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(status) = query.status {
                pairs.append_pair("status", status.as_str());
            }
            if let Some(name) = &query.name {
                pairs.append_pair("name", name);
            }
            if let Some(page_size) = query.page_size {
                pairs.append_pair("limit", &page_size.to_string());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        follow_pages(self, url, query.max_items).await
    }

    /// Submits a template for review. Build it with [`NewTemplate`] (which checks Meta's
    /// creation rules) or pass a definition checked with [`crate::check_template_definition`].
    pub async fn create_template(
        &self,
        waba_id: &str,
        template: &NewTemplate,
    ) -> Result<ApiResponse<TemplateCreated>, Error> {
        self.create_template_definition(waba_id, template.definition()).await
    }

    /// Submits a raw definition after checking it with [`crate::check_template_definition`].
    pub async fn create_template_definition(
        &self,
        waba_id: &str,
        definition: &TemplateDefinition,
    ) -> Result<ApiResponse<TemplateCreated>, Error> {
        require_id("waba_id", waba_id)?;
        crate::template_draft::check_template_definition(definition)?;
        let url = self.graph_url(&[waba_id, "message_templates"]);
        let body = serde_json::to_vec(definition).expect("a template definition serialises");
        self.execute_json(Retry::Never, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }

    /// Deletes every language of the template `name`.
    pub async fn delete_template(&self, waba_id: &str, name: &str) -> Result<ApiResponse<SuccessResponse>, Error> {
        require_id("waba_id", waba_id)?;
        wabagate_model::template::check_template_name(&wabagate_model::Field::root("name"), name)?;
        let mut url = self.graph_url(&[waba_id, "message_templates"]);
        url.query_pairs_mut().append_pair("name", name);
        self.execute_json(Retry::Idempotent, || self.request(Method::DELETE, url.clone())).await
    }
}
