//! Per-caller rate limits (GCRA from the `governor` crate) with the `RateLimit-*` headers.

use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{Quota, RateLimiter as Gcra};
use souk_kernel::Actor;

use crate::app::AppState;
use crate::http::auth::Credentials;
use crate::http::error::{ApiError, ErrorCode};

/// A number of requests per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window (also the burst).
    pub count: u32,
    /// The window.
    pub window: Duration,
}

impl Limit {
    const fn per_minute(count: u32) -> Limit {
        Limit { count, window: Duration::from_secs(60) }
    }
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (count, unit) = s.split_once('/').ok_or_else(|| format!("{s:?} must look like 120/m"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("{s:?}: count must be a positive integer"))?;
        let window = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("{other:?}: the window must be s, m or h")),
        };
        Ok(Limit { count, window })
    }
}

/// The limit of each caller class, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimits {
    /// No limits, no headers.
    Off,
    /// Limits per class.
    On {
        /// Unauthenticated callers, per IP.
        anonymous: Limit,
        /// Signed-in users, per user.
        user: Limit,
        /// OAuth client-credential integrations, per client.
        client: Limit,
        /// Login, OTP and token endpoints, per IP and account.
        auth: Limit,
    },
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::On {
            anonymous: Limit::per_minute(120),
            user: Limit::per_minute(600),
            client: Limit::per_minute(40),
            auth: Limit::per_minute(10),
        }
    }
}

impl FromStr for RateLimits {
    type Err = String;

    /// `off`, or `class=count/window` pairs separated by commas; classes not named keep their default.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("off") {
            return Ok(RateLimits::Off);
        }
        let RateLimits::On { mut anonymous, mut user, mut client, mut auth } = RateLimits::default() else {
            unreachable!("the default has limits")
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (class, limit) =
                part.split_once('=').ok_or_else(|| format!("{part:?} must look like user=600/m"))?;
            let limit: Limit = limit.parse()?;
            match class.trim() {
                "anonymous" => anonymous = limit,
                "user" => user = limit,
                "client" => client = limit,
                "auth" => auth = limit,
                other => return Err(format!("unknown class {other:?}; use anonymous, user, client or auth")),
            }
        }
        Ok(RateLimits::On { anonymous, user, client, auth })
    }
}

/// Which limit applies to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerClass {
    /// No credentials.
    Anonymous,
    /// A user token.
    User,
    /// An OAuth client.
    Client,
    /// Login, OTP and token endpoints.
    Auth,
}

/// The outcome of one check, for the response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The class's limit.
    pub limit: u32,
    /// Requests left in the current window.
    pub remaining: u32,
    /// Seconds until the allowance is full again.
    pub reset_secs: u64,
    /// Set when refused: seconds to wait.
    pub retry_after: Option<u64>,
}

impl Decision {
    /// The `RateLimit-*` (and, when refused, `Retry-After`) headers.
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = vec![
            (HeaderName::from_static("ratelimit-limit"), HeaderValue::from(self.limit)),
            (HeaderName::from_static("ratelimit-remaining"), HeaderValue::from(self.remaining)),
            (HeaderName::from_static("ratelimit-reset"), HeaderValue::from(self.reset_secs)),
        ];
        if let Some(wait) = self.retry_after {
            headers.push((actix_web::http::header::RETRY_AFTER, HeaderValue::from(wait)));
        }
        headers
    }
}

type KeyedGcra = Gcra<
    String,
    governor::state::keyed::DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

struct ClassLimiter {
    limit: Limit,
    gcra: KeyedGcra,
}

impl ClassLimiter {
    fn new(limit: Limit) -> ClassLimiter {
        let count = NonZeroU32::new(limit.count).unwrap_or(NonZeroU32::MIN);
        let period = limit.window / limit.count.max(1);
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(count);
        ClassLimiter { limit, gcra: Gcra::keyed(quota).with_middleware::<StateInformationMiddleware>() }
    }

    fn check(&self, key: &str) -> Decision {
        let per_cell = self.limit.window.as_secs_f64() / f64::from(self.limit.count);
        match self.gcra.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = self.limit.count.saturating_sub(remaining);
                Decision {
                    limit: self.limit.count,
                    remaining,
                    reset_secs: (f64::from(used) * per_cell).ceil() as u64,
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait =
                    not_until.wait_time_from(DefaultClock::default().now()).as_secs_f64().ceil().max(1.0)
                        as u64;
                Decision {
                    limit: self.limit.count,
                    remaining: 0,
                    reset_secs: self.limit.window.as_secs().max(wait),
                    retry_after: Some(wait),
                }
            }
        }
    }
}

/// The limiters of every class.
pub struct RateLimiter {
    classes: Option<[ClassLimiter; 4]>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("enabled", &self.classes.is_some()).finish()
    }
}

impl RateLimiter {
    /// Limiters for the configured limits.
    pub fn new(limits: RateLimits) -> RateLimiter {
        let classes = match limits {
            RateLimits::Off => None,
            RateLimits::On { anonymous, user, client, auth } => {
                Some([anonymous, user, client, auth].map(ClassLimiter::new))
            }
        };
        RateLimiter { classes }
    }

    /// Counts one request of a caller; `None` when limits are off.
    pub fn check(&self, class: CallerClass, key: &str) -> Option<Decision> {
        let classes = self.classes.as_ref()?;
        let index = match class {
            CallerClass::Anonymous => 0,
            CallerClass::User => 1,
            CallerClass::Client => 2,
            CallerClass::Auth => 3,
        };
        Some(classes[index].check(key))
    }

    /// Forgets callers whose allowance is full again, bounding memory.
    pub fn forget_idle_callers(&self) {
        for class in self.classes.iter().flatten() {
            class.gcra.retain_recent();
            class.gcra.shrink_to_fit();
        }
    }
}

/// Paths that probes and scrapers call; never limited.
fn is_exempt(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// The class and key of a request's caller: token subject, else the peer IP.
pub fn caller_of(req: &ServiceRequest) -> (CallerClass, String) {
    let extensions = req.extensions();
    match extensions.get::<Credentials>().map(|c| &c.actor) {
        Some(Actor::User { id, .. }) => (CallerClass::User, format!("user:{id}")),
        Some(Actor::Client { client_id, .. }) => (CallerClass::Client, format!("client:{client_id}")),
        _ => (CallerClass::Anonymous, format!("ip:{}", peer_ip(req))),
    }
}

/// The TCP peer's address (forwarding headers are not trusted).
pub fn peer_ip(req: &ServiceRequest) -> String {
    req.peer_addr().map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

/// Middleware: refuses callers over their limit with `429` and adds the headers to every response.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let decision = match state {
        Some(state) if !is_exempt(req.path()) => {
            let (class, key) = caller_of(&req);
            state.rate_limiter.check(class, &key)
        }
        _ => None,
    };
    if let Some(decision) = decision.filter(|d| d.retry_after.is_some()) {
        let mut error =
            ApiError::new(ErrorCode::RateLimited, "too many requests; retry after the given seconds");
        error.headers = decision.headers();
        let response = error.error_response();
        return Ok(req.into_response(response).map_into_boxed_body().map_into_right_body());
    }
    let mut response = next.call(req).await?;
    if let Some(decision) = decision {
        for (name, value) in decision.headers() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response.map_into_left_body())
}

/// The stricter per-IP-and-account limit of login, code and token endpoints.
pub fn check_auth_limit(
    req: &actix_web::HttpRequest,
    state: &AppState,
    account: &str,
) -> Result<(), ApiError> {
    let ip = req.peer_addr().map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string());
    let key = format!("{ip}|{}", account.trim().to_lowercase());
    match state.rate_limiter.check(CallerClass::Auth, &key) {
        Some(decision) if decision.retry_after.is_some() => {
            let mut error =
                ApiError::new(ErrorCode::RateLimited, "too many attempts for this account; retry later");
            error.headers = decision.headers();
            Err(error)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_from_the_setting() {
        let limits: RateLimits = "anonymous=5/s, user=1000/h".parse().unwrap();
        let RateLimits::On { anonymous, user, client, auth } = limits else { panic!("limits expected") };
        assert_eq!(anonymous, Limit { count: 5, window: Duration::from_secs(1) });
        assert_eq!(user, Limit { count: 1000, window: Duration::from_secs(3600) });
        assert_eq!(client, Limit::per_minute(40));
        assert_eq!(auth, Limit::per_minute(10));
        assert_eq!("OFF".parse::<RateLimits>().unwrap(), RateLimits::Off);
        for bad in ["user", "user=0/m", "user=5/d", "robots=5/m", "user=five/m"] {
            assert!(bad.parse::<RateLimits>().is_err(), "{bad}");
        }
    }

    #[test]
    fn callers_are_refused_after_their_allowance() {
        let limiter = RateLimiter::new("anonymous=3/m".parse().unwrap());
        let decisions: Vec<Decision> =
            (0..4).map(|_| limiter.check(CallerClass::Anonymous, "ip:1")).map(Option::unwrap).collect();
        assert_eq!(decisions.iter().map(|d| d.remaining).collect::<Vec<_>>(), [2, 1, 0, 0]);
        assert!(decisions[..3].iter().all(|d| d.retry_after.is_none()));
        let refused = decisions[3];
        assert!(refused.retry_after.unwrap() >= 1 && refused.retry_after.unwrap() <= 20);
        assert_eq!(limiter.check(CallerClass::Anonymous, "ip:2").unwrap().remaining, 2, "keys are separate");
        assert_eq!(limiter.check(CallerClass::User, "ip:1").unwrap().limit, 600, "classes are separate");
    }

    #[test]
    fn off_means_no_decision() {
        assert_eq!(RateLimiter::new(RateLimits::Off).check(CallerClass::User, "user:1"), None);
    }
}
