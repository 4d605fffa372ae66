//! Authentication: the `Authorization` header becomes an [`Actor`] once per request.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use souk_kernel::Actor;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorCode};

/// What the request's credentials resolved to.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The actor (anonymous when no or bad credentials were sent).
    pub actor: Actor,
    /// Why presented credentials were refused, if they were.
    pub problem: Option<&'static str>,
}

fn resolve(state: &AppState, header_value: Option<&str>) -> Credentials {
    let refused = |problem| Credentials { actor: Actor::Anonymous, problem: Some(problem) };
    let Some(value) = header_value else { return Credentials { actor: Actor::Anonymous, problem: None } };
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => match state.tokens.verify(token.trim()).and_then(|claims| claims.actor()) {
            Ok(actor) => Credentials { actor, problem: None },
            Err(_) => refused("the access token is invalid or expired"),
        },
        "basic" => refused("the client credentials are not valid"),
        _ => refused("unsupported authorization scheme; use Bearer or Basic"),
    }
}

/// Middleware: resolves the caller and stores [`Credentials`] in the request extensions.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        let header_value = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("\u{0}"));
        let credentials = resolve(state, header_value);
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
            Some(Credentials { problem: Some(problem), .. }) => {
                Err(ApiError::new(ErrorCode::Unauthenticated, problem))
            }
            Some(Credentials { actor, .. }) => Ok(Caller(actor)),
            None => Ok(Caller(Actor::Anonymous)),
        })
    }
}
