//! Rate limits on the auth endpoints (per client IP, and per account on login) and on reader
//! interaction (reactions, comments, reports: per actor and per client IP), with the client IP
//! taken from `X-Forwarded-For` only when the peer is a trusted proxy.
//!
//! Limits are kept in memory, per instance: behind a load balancer of N instances a client
//! gets at most N times the limit.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::actor::Actor;
use crate::config::{AuthSettings, InteractionSettings, IpNetwork, PerMinute};
use crate::error::ApiError;

/// Keys kept before forgotten ones are swept.
const SWEEP_ABOVE_KEYS: usize = 10_000;

/// Which endpoint a per-IP limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthAction {
    /// `POST /auth/login`.
    Login,
    /// `POST /auth/register`.
    Register,
    /// `POST /auth/refresh`.
    Refresh,
}

/// A reader's write that is rate limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interaction {
    /// Setting or removing a reaction.
    Reaction,
    /// Writing a comment.
    Comment,
    /// Reporting a comment.
    Report,
}

/// One interaction's limits: per actor and per client IP.
struct InteractionLimiter {
    per_actor: InformedLimiter<Actor>,
    per_ip: InformedLimiter<IpAddr>,
}

impl InteractionLimiter {
    fn new(limits: PerMinute) -> Self {
        Self {
            per_actor: informed(limits.per_actor),
            per_ip: informed(limits.per_ip),
        }
    }
}

/// The process's rate limiters.
pub struct RateLimits {
    auth_per_ip: InformedLimiter<(AuthAction, IpAddr)>,
    passwords: PasswordGuard,
    visitor_per_ip: InformedLimiter<IpAddr>,
    reactions: InteractionLimiter,
    comments: InteractionLimiter,
    reports: InteractionLimiter,
    views_per_ip: InformedLimiter<IpAddr>,
    per_api_key: InformedLimiter<i64>,
    trusted_proxies: Vec<IpNetwork>,
}

impl RateLimits {
    /// Limiters from the settings.
    pub fn new(
        settings: &AuthSettings,
        interaction: &InteractionSettings,
        api_key_per_minute: u32,
    ) -> Self {
        Self {
            auth_per_ip: informed(settings.auth_per_ip_per_minute),
            passwords: PasswordGuard::new(settings),
            visitor_per_ip: informed(settings.visitor_per_ip_per_minute),
            reactions: InteractionLimiter::new(interaction.reactions),
            comments: InteractionLimiter::new(interaction.comments),
            reports: InteractionLimiter::new(interaction.reports),
            views_per_ip: informed(interaction.views_per_ip),
            per_api_key: informed(api_key_per_minute),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }

    /// Counts one `interaction` by `actor`, and one from the request's client IP.
    pub fn check_interaction(
        &self,
        request: &HttpRequest,
        interaction: Interaction,
        actor: Actor,
    ) -> Result<(), ApiError> {
        let limiter = match interaction {
            Interaction::Reaction => &self.reactions,
            Interaction::Comment => &self.comments,
            Interaction::Report => &self.reports,
        };
        check_told(&limiter.per_actor, actor, request)?;
        check_told(&limiter.per_ip, self.client_key(request), request)
    }

    /// Counts one request made with API key `id` (`RATE_LIMIT_API_KEY` a minute).
    pub fn check_api_key(&self, request: &HttpRequest, id: i64) -> Result<(), ApiError> {
        check_told(&self.per_api_key, id, request)
    }

    /// Counts one `action` from the request's client IP.
    pub fn check_auth(&self, request: &HttpRequest, action: AuthAction) -> Result<(), ApiError> {
        check_told(
            &self.auth_per_ip,
            (action, self.client_key(request)),
            request,
        )
    }

    /// 429 when password failures on the account of `email` (normalised, whether or not it has
    /// an account) have run out: from this client address, or, unless the account signed in
    /// from this address lately, from all addresses together. Call before checking a password
    /// (sign-in, password change).
    pub fn check_password_attempt(
        &self,
        request: &HttpRequest,
        email: &str,
    ) -> Result<(), ApiError> {
        self.passwords.check(email, self.client_key(request))
    }

    /// Counts a wrong password for `email` from this client: 429 when that used up the
    /// failures allowed, else `Ok` (the caller answers the failure as usual).
    pub fn password_failed(&self, request: &HttpRequest, email: &str) -> Result<(), ApiError> {
        self.passwords.failed(email, self.client_key(request))
    }

    /// Remembers that `email`'s owner signed in from this client: the per-account ceiling
    /// spares the address from now on.
    pub fn password_succeeded(&self, request: &HttpRequest, email: &str) {
        self.passwords.succeeded(email, self.client_key(request));
    }

    /// The client, as rate limits and report counts key it: its IP, with an IPv6 address cut
    /// to its /64 (one host holds a whole /64, so its addresses are one client).
    pub fn client_key(&self, request: &HttpRequest) -> IpAddr {
        match self.client_ip(request) {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
            },
            v4 => v4,
        }
    }

    /// Counts one recorded read for the request's client IP.
    pub fn check_view(&self, request: &HttpRequest) -> Result<(), ApiError> {
        check_told(&self.views_per_ip, self.client_key(request), request)
    }

    /// Counts one visitor token for the request's client IP.
    pub fn check_visitor(&self, request: &HttpRequest) -> Result<(), ApiError> {
        check_told(&self.visitor_per_ip, self.client_key(request), request)
    }

    /// The client's IP: the peer's, or, when the peer is a trusted proxy, the right-most
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, request: &HttpRequest) -> IpAddr {
        let peer = request
            .peer_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |address| address.ip());
        if !self.is_trusted(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|ip| !self.is_trusted(**ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer)
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|network| network.contains(ip))
    }
}

/// Password failures: counted per (account, client) and per account, never successes. A key
/// whose failures ran out waits until its quota refills; the per-account ceiling spares the
/// addresses the owner signed in from lately, so guessing from elsewhere can't lock them out.
struct PasswordGuard {
    per_account_client: DefaultKeyedRateLimiter<(String, IpAddr)>,
    per_account: DefaultKeyedRateLimiter<String>,
    blocked_pairs: moka::sync::Cache<(String, IpAddr), Instant>,
    blocked_accounts: moka::sync::Cache<String, Instant>,
    known: moka::sync::Cache<(String, IpAddr), ()>,
}

/// A cache of keys that wait, each forgotten once its wait (at most a minute) is over.
fn blocked<K>() -> moka::sync::Cache<K, Instant>
where
    K: Hash + Eq + Send + Sync + 'static,
{
    moka::sync::Cache::builder()
        .max_capacity(100_000)
        .time_to_live(Duration::from_secs(120))
        .build()
}

/// How long an address stays known for an account after a sign-in from it.
const KNOWN_ADDRESS: Duration = Duration::from_secs(30 * 24 * 3600);

impl PasswordGuard {
    fn new(settings: &AuthSettings) -> Self {
        Self {
            per_account_client: RateLimiter::keyed(per_minute(
                settings.login_per_account_ip_per_minute,
            )),
            per_account: RateLimiter::keyed(per_minute(settings.login_per_account_per_minute)),
            blocked_pairs: blocked(),
            blocked_accounts: blocked(),
            known: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(KNOWN_ADDRESS)
                .build(),
        }
    }

    fn check(&self, email: &str, client: IpAddr) -> Result<(), ApiError> {
        let pair = (email.to_owned(), client);
        let until = self.blocked_pairs.get(&pair).into_iter().chain(
            (!self.known.contains_key(&pair))
                .then(|| self.blocked_accounts.get(email))
                .flatten(),
        );
        match until.max() {
            Some(until) if until > Instant::now() => Err(too_many(until - Instant::now())),
            _ => Ok(()),
        }
    }

    fn failed(&self, email: &str, client: IpAddr) -> Result<(), ApiError> {
        let pair = (email.to_owned(), client);
        let mut refused = None;
        if let Err(wait) = consume(&self.per_account_client, pair.clone()) {
            self.blocked_pairs
                .insert(pair.clone(), Instant::now() + wait);
            refused = Some(wait);
        }
        if !self.known.contains_key(&pair)
            && let Err(wait) = consume(&self.per_account, email.to_owned())
        {
            self.blocked_accounts
                .insert(email.to_owned(), Instant::now() + wait);
            refused = Some(refused.map_or(wait, |other: Duration| other.max(wait)));
        }
        refused.map_or(Ok(()), |wait| Err(too_many(wait)))
    }

    fn succeeded(&self, email: &str, client: IpAddr) {
        self.known.insert((email.to_owned(), client), ());
    }
}

fn per_minute(count: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN))
}

/// A limiter that says, with each decision, how much of its quota is left.
type InformedLimiter<K> = DefaultKeyedRateLimiter<K, StateInformationMiddleware>;

fn informed<K: Hash + Eq + Clone>(count: u32) -> InformedLimiter<K> {
    RateLimiter::keyed(per_minute(count)).with_middleware::<StateInformationMiddleware>()
}

/// What a rate-limited request is told in the `RateLimit-*` headers (IETF draft): the limit
/// that is nearest to running out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitState {
    /// Requests the window allows.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset: u64,
}

/// Counts one for `key` (429 with the seconds to wait when it is over its limit), and tells
/// the request how much is left.
fn check_told<K: Hash + Eq + Clone>(
    limiter: &InformedLimiter<K>,
    key: K,
    request: &HttpRequest,
) -> Result<(), ApiError> {
    let result = limiter.check_key(&key);
    if limiter.len() > SWEEP_ABOVE_KEYS {
        limiter.retain_recent();
    }
    let (state, outcome) = match result {
        Ok(snapshot) => {
            let quota = snapshot.quota();
            let remaining = snapshot.remaining_burst_capacity();
            let used = quota.burst_size().get().saturating_sub(remaining);
            let reset = quota.replenish_interval() * used;
            let state = RateLimitState {
                limit: quota.burst_size().get(),
                remaining,
                reset: seconds(reset),
            };
            (state, Ok(()))
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let state = RateLimitState {
                limit: not_until.quota().burst_size().get(),
                remaining: 0,
                reset: seconds(wait),
            };
            (state, Err(too_many(wait)))
        }
    };
    let mut extensions = request.extensions_mut();
    let nearer = extensions
        .get::<RateLimitState>()
        .is_none_or(|told| state.remaining < told.remaining);
    if nearer {
        extensions.insert(state);
    }
    outcome
}

/// Whole seconds, rounded up.
fn seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Counts one for `key`: `Err` with the wait until the next is allowed when it is over its
/// limit.
fn consume<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: K,
) -> Result<(), Duration> {
    let result = limiter.check_key(&key);
    if limiter.len() > SWEEP_ABOVE_KEYS {
        limiter.retain_recent();
    }
    result.map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// The 429 for a wait of `wait`.
fn too_many(wait: Duration) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: seconds(wait),
    }
}
