//! A small blocking client of the backend's read API, used by `vigil events search`.
use std::time::Duration;

use serde_json::Value;

use crate::store::Cursor;

/// One search request; `cursor` continues a previous page.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub query: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub host: Option<String>,
    pub rule_id: Option<String>,
    pub limit: usize,
    pub cursor: Option<String>,
}

pub struct ApiClient {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

/// One page of search results as returned by the API.
#[derive(Debug)]
pub struct SearchPage {
    pub events: Vec<Value>,
    pub next_cursor: Option<String>,
}

impl ApiClient {
    pub fn new(base_url: &str, api_key: &str) -> ApiClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        ApiClient {
            agent,
            base: base_url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {api_key}"),
        }
    }

    pub fn search(&self, params: &SearchParams) -> anyhow::Result<SearchPage> {
        let mut request = self
            .agent
            .get(format!("{}/api/v1/events", self.base))
            .header("Authorization", &self.authorization)
            .query("limit", params.limit.to_string());
        let optional = [
            ("query", Some(&params.query).filter(|q| !q.is_empty())),
            ("from", params.from.as_ref()),
            ("to", params.to.as_ref()),
            ("host", params.host.as_ref()),
            ("rule_id", params.rule_id.as_ref()),
            ("cursor", params.cursor.as_ref()),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                request = request.query(name, value);
            }
        }
        let body = self.answer(request.call())?;
        let events = body
            .get("events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let next_cursor = body
            .get("next_cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(cursor) = &next_cursor {
            Cursor::decode(cursor).map_err(anyhow::Error::msg)?;
        }
        Ok(SearchPage {
            events,
            next_cursor,
        })
    }

    /// GETs an API path (e.g. `/api/v1/signals?status=open`) and returns the JSON answer.
    pub fn get(&self, path_and_query: &str) -> anyhow::Result<Value> {
        let request = self
            .agent
            .get(format!("{}{path_and_query}", self.base))
            .header("Authorization", &self.authorization);
        self.answer(request.call())
    }

    fn answer(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<Value> {
        let mut response =
            result.map_err(|e| anyhow::anyhow!("cannot reach {}: {e}", self.base))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| anyhow::anyhow!("unreadable answer (HTTP {status}): {e}"))?;
        let body: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("answer is not JSON (HTTP {status}): {e}"))?;
        if status != 200 {
            let message = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            anyhow::bail!("backend answered HTTP {status}: {message}");
        }
        Ok(body)
    }
}
