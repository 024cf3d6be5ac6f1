//! `Authorized`: an extractor that admits a request only with a valid `Authorization: Bearer`.
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use super::error::ApiError;
use super::AppState;

pub struct Authorized;

impl FromRequestParts<Arc<AppState>> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if state.keys.authorize(header) {
            Ok(Authorized)
        } else {
            Err(ApiError {
                status: StatusCode::UNAUTHORIZED,
                message: "missing or invalid API key".to_owned(),
            })
        }
    }
}
