//! Unknown paths answer `404`, known paths with another method `405` with `Allow`, both as envelopes.

use actix_web::HttpRequest;
use actix_web::dev::ResourceDef;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web;
use utoipa::openapi::OpenApi;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorCode};

/// Every documented path and the methods it accepts.
#[derive(Debug, Default)]
pub struct RouteTable(Vec<(ResourceDef, Vec<&'static str>)>);

impl RouteTable {
    /// Builds the table from the OpenAPI document, which lists every route the server has.
    pub fn from_openapi(doc: &OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods allowed on a concrete path, if the path exists.
    pub fn methods_for(&self, path: &str) -> Option<&[&'static str]> {
        self.0.iter().find(|(def, _)| def.is_match(path)).map(|(_, methods)| methods.as_slice())
    }
}

/// The default service: `405` with `Allow` for a known path, `404` otherwise.
pub async fn not_found_or_method_not_allowed(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match state.routes.methods_for(req.path()) {
        Some(methods) => {
            let allow =
                HeaderValue::from_str(&methods.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""));
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed here; allowed: {}", req.method(), methods.join(", ")),
            )
            .with_header(header::ALLOW, allow)
        }
        None => ApiError::new(ErrorCode::NotFound, format!("no route for {} {}", req.method(), req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::OpenApiBuilder;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};

    #[test]
    fn templates_match_concrete_paths() {
        let doc = OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path(
                        "/api/v1/users/{id}",
                        PathItem::new(HttpMethod::Get, OperationBuilder::new().build()),
                    )
                    .path("/health", PathItem::new(HttpMethod::Get, OperationBuilder::new().build())),
            )
            .build();
        let table = RouteTable::from_openapi(&doc);
        assert_eq!(table.methods_for("/api/v1/users/0190"), Some(&["GET"][..]));
        assert_eq!(table.methods_for("/health"), Some(&["GET"][..]));
        assert_eq!(table.methods_for("/api/v1/users/1/extra"), None);
    }
}
