//! Authentication: the `Authorization` header becomes an [`Actor`] once per request.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use souk_kernel::{Actor, DomainError};

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorCode};

/// What the request's credentials resolved to.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The actor (anonymous when no or bad credentials were sent).
    pub actor: Actor,
    /// Why presented credentials were refused (`401`), or could not be checked (`500`).
    pub problem: Option<ApiError>,
}

async fn resolve(state: &AppState, header_value: Option<&str>) -> Credentials {
    let refused = |message: &str| Credentials {
        actor: Actor::Anonymous,
        problem: Some(ApiError::new(ErrorCode::Unauthenticated, message)),
    };
    let failed = |error: DomainError| match error {
        DomainError::Unauthenticated => None,
        other => Some(Credentials { actor: Actor::Anonymous, problem: Some(ApiError::from(other)) }),
    };
    let Some(value) = header_value else { return Credentials { actor: Actor::Anonymous, problem: None } };
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    let marketplace = &state.marketplace;
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => match marketplace.authenticate_bearer(token.trim()).await {
            Ok(actor) => Credentials { actor, problem: None },
            Err(error) => {
                failed(error).unwrap_or_else(|| refused("the access token is invalid, expired or revoked"))
            }
        },
        "basic" => match basic_credentials(token.trim()) {
            Some((id, secret)) => match marketplace.authenticate_basic(&id, &secret).await {
                Ok(actor) => Credentials { actor, problem: None },
                Err(error) => {
                    failed(error).unwrap_or_else(|| refused("the client credentials are not valid"))
                }
            },
            None => refused("malformed HTTP Basic credentials"),
        },
        _ => refused("unsupported authorization scheme; use Bearer or Basic"),
    }
}

/// Decodes HTTP Basic `base64(id:secret)`.
pub fn basic_credentials(encoded: &str) -> Option<(String, String)> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Middleware: resolves the caller and stores [`Credentials`] in the request extensions.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        let header_value =
            req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
        let header_value = header_value.as_deref();
        let credentials = resolve(&state, header_value).await;
        req.extensions_mut().insert(credentials);
    }
    next.call(req).await
}

/// Extractor of the acting caller. Presented but invalid credentials are `401` even where
/// anonymous access is allowed, so a client never silently acts as nobody.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = req.extensions().get::<Credentials>().cloned();
        std::future::ready(match credentials {
            Some(Credentials { problem: Some(problem), .. }) => Err(problem),
            Some(Credentials { actor, .. }) => Ok(Caller(actor)),
            None => Ok(Caller(Actor::Anonymous)),
        })
    }
}
