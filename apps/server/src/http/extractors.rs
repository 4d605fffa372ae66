//! Request-body and path extractors whose failures speak the error envelope.

use actix_web::dev::Payload;
use actix_web::error::PathError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use souk_kernel::FieldErrors;

use crate::http::error::{ApiError, ErrorCode};

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// True when the body is `multipart/form-data` (routes that take JSON or a form).
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|m| m.type_() == "multipart" && m.subtype() == "form-data")
}

/// Reads a [`JsonBody`] from a raw payload, for routes that also accept a multipart form.
pub async fn json_from_payload<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let mut payload = payload.into_inner();
    let JsonBody(value) = <JsonBody<T> as FromRequest>::from_request(req, &mut payload).await?;
    Ok(value)
}

/// A JSON request body: `415` unless the content type is JSON, `413` over 1 MiB, `400` for
/// malformed JSON, `422` naming the field for well-formed JSON of the wrong shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

fn is_json_content_type(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    })
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("the JSON body must be at most {JSON_LIMIT} bytes"))
}

/// Reads the body up to `limit` bytes.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns a deserialization failure into `400` (syntax) or `422` (shape, with the field path).
pub fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::new(ErrorCode::BadRequest, format!("malformed JSON: {inner}"));
    }
    let message = inner.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let field = if path == "." || path.is_empty() { "body".to_owned() } else { path };
    let field = match message.strip_prefix("missing field `") {
        Some(rest) if field == "body" => rest.trim_end_matches('`').to_owned(),
        _ => field,
    };
    ApiError::validation(FieldErrors::single(field, message))
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json_content_type(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "the body must be application/json",
                ));
            }
            if declared.is_some_and(|length| length > JSON_LIMIT) {
                return Err(too_large());
            }
            let body = read_body(&mut payload, JSON_LIMIT).await?;
            let document: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("malformed JSON: {e}")))?;
            serde_path_to_error::deserialize(document).map(JsonBody).map_err(json_error)
        })
    }
}

/// Path parameters that do not parse (a malformed id) cannot name an existing resource: `404`.
pub fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%error, "unparsable path parameter");
    ApiError::new(ErrorCode::NotFound, "no such resource (malformed id)").into()
}

/// Answers an unreadable form body (the sandbox checkout page's buttons) in the envelope.
pub fn form_error(error: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let status = match error {
        actix_web::error::UrlencodedError::ContentType => ErrorCode::UnsupportedMediaType,
        actix_web::error::UrlencodedError::Overflow { .. } => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::ValidationFailed,
    };
    ApiError::new(status, format!("the form cannot be read: {error}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Input {
        advance_seconds: i64,
        nested: Option<Nested>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        count: u32,
    }

    fn parse(text: &str) -> ApiError {
        let document: serde_json::Value = serde_json::from_str(text).unwrap();
        serde_path_to_error::deserialize::<_, Input>(document).map(|_| ()).map_err(json_error).unwrap_err()
    }

    #[test]
    fn shape_errors_name_the_field() {
        let error = parse("{\"advance_seconds\": \"soon\"}");
        assert_eq!(error.code, ErrorCode::ValidationFailed);
        assert!(error.errors.as_ref().unwrap().get("advance_seconds").is_some());

        let error = parse("{}");
        assert!(error.errors.as_ref().unwrap().get("advance_seconds").is_some(), "{:?}", error.errors);

        let error = parse("{\"advance_seconds\": 1, \"nested\": {\"count\": -1}}");
        assert!(error.errors.as_ref().unwrap().get("nested.count").is_some(), "{:?}", error.errors);
    }
}
