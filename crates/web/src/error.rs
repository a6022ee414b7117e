//! The one mapping from errors to HTTP responses. People see a plain message and a reference
//! they can quote; the log gets the detail. Personal data is never logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

use stepwise_store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug, Error)]
pub enum WebError {
    /// Not signed in.
    #[error("you need to sign in")]
    Unauthenticated,
    /// Signed in but not allowed.
    #[error("you do not have permission to see this")]
    Forbidden,
    /// The access policy refused this record, for the reason given.
    #[error("{0}")]
    Denied(String),
    /// A restricted record: the user must say why they need it first.
    #[error("{0} is a restricted record: say why you need to open it")]
    ReasonNeeded(String),
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// The request was malformed (a bad identifier, a date that does not exist).
    #[error("{0}")]
    BadRequest(String),
    /// What was sent to be recorded was refused, field by field; nothing was written.
    #[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    /// The change does not fit the record as it stands (a journey rule); nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// A form's CSRF token was missing or wrong.
    #[error(
        "this form has expired or did not come from Stepwise; go back, reload the page and try again"
    )]
    Csrf,
    /// The database was held by other writers for longer than it waits; nothing was written.
    #[error(
        "Stepwise is busy with other changes at this moment. Nothing you entered was saved: try again in a few seconds"
    )]
    Busy,
    /// Anything else.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Forbidden(reason) => Self::Denied(reason),
            StoreError::ReasonNeeded(who) => Self::ReasonNeeded(who),
            StoreError::Rule(r @ stepwise_domain::DomainError::Transition { .. }) => {
                Self::Conflict(r.to_string())
            }
            StoreError::Rule(r) => Self::BadRequest(r.to_string()),
            StoreError::Invalid(m) => Self::BadRequest(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            other if other.is_contention() => Self::Busy,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl WebError {
    /// The HTTP status for the error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Denied(_) | Self::ReasonNeeded(_) | Self::Csrf => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    /// A stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden | Self::Denied(_) => "forbidden",
            Self::ReasonNeeded(_) => "reason_needed",
            Self::Csrf => "csrf",
            Self::NotFound(_) => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::Busy => "busy",
            Self::Internal(_) => "internal",
        }
    }
    /// What the person is told. Internal detail is not shown.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "Something went wrong on our side. Nothing you entered was saved. Try again, and if it happens again tell the service desk the reference below.".to_string(),
            other => {
                let s = other.to_string();
                let mut c = s.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                    None => s,
                }
            }
        }
    }
    /// Logs the error with its reference (internal errors only carry detail).
    pub fn log(&self, reference: &str) {
        match self {
            Self::Internal(detail) => tracing::error!(reference, detail, "request failed"),
            other => tracing::info!(reference, code = other.code(), "request refused"),
        }
    }
}

/// A page-rendering error response carries the request reference, set by the router.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let reference = crate::routes::current_request_id();
        self.log(&reference);
        let body = crate::pages::error_page(&self, &reference);
        let mut res = (self.status(), body).into_response();
        if matches!(self, Self::Busy) {
            res.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("2"));
        }
        res
    }
}

/// An error answered as JSON, for the API.
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        Self(e)
    }
}
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let reference = crate::routes::current_request_id();
        self.0.log(&reference);
        let mut body = serde_json::json!({"error": {"code": self.0.code(), "message": self.0.public_message(), "reference": reference}});
        if let WebError::Invalid(fields) = &self.0 {
            let list: serde_json::Value = fields
                .iter()
                .map(|(f, m)| serde_json::json!({"field": f, "message": m}))
                .collect();
            // Both places: `errors` at the top is the front door's contract; `error.fields`
            // is where earlier clients read them.
            body["error"]["fields"] = list.clone();
            body["errors"] = list;
        }
        let mut res = (self.0.status(), axum::Json(body)).into_response();
        if matches!(self.0, WebError::Busy) {
            res.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("2"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_status_and_hides_internal_detail() {
        assert_eq!(WebError::Unauthenticated.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(WebError::Forbidden.status(), StatusCode::FORBIDDEN);
        assert_eq!(WebError::Csrf.status(), StatusCode::FORBIDDEN);
        // A database held by other writers: "busy, try again", never a server error.
        assert_eq!(WebError::Busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        let busy = WebError::Busy.into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            busy.headers().get("retry-after").map(|v| v.as_bytes()),
            Some(&b"2"[..])
        );
        assert_eq!(
            WebError::NotFound("x".into()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            WebError::BadRequest("x".into()).status(),
            StatusCode::BAD_REQUEST
        );
        let internal = WebError::Internal("password=secret in connection string".into());
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.public_message().contains("secret"));
        assert_eq!(
            WebError::NotFound("person P0000009".into()).public_message(),
            "Person P0000009 was not found"
        );
    }

    #[test]
    fn store_errors_become_web_errors() {
        assert!(matches!(
            WebError::from(StoreError::NotFound("x".into())),
            WebError::NotFound(_)
        ));
        assert!(matches!(
            WebError::from(StoreError::Invalid("x".into())),
            WebError::BadRequest(_)
        ));
        assert!(matches!(
            WebError::from(StoreError::Corrupt("x".into())),
            WebError::Internal(_)
        ));
    }
}
