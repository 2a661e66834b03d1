//! Rate limits on the auth endpoints (per client IP, and per account on login) and on reader
//! interaction (reactions, comments, reports: per actor and per client IP), with the client IP
//! taken from `X-Forwarded-For` only when the peer is a trusted proxy.
//!
//! Limits are kept in memory, per instance: behind a load balancer of N instances a client
//! gets at most N times the limit.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
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
    per_actor: DefaultKeyedRateLimiter<Actor>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl InteractionLimiter {
    fn new(limits: PerMinute) -> Self {
        Self {
            per_actor: RateLimiter::keyed(per_minute(limits.per_actor)),
            per_ip: RateLimiter::keyed(per_minute(limits.per_ip)),
        }
    }
}

/// The process's rate limiters.
pub struct RateLimits {
    auth_per_ip: DefaultKeyedRateLimiter<(AuthAction, IpAddr)>,
    login_per_account_ip: DefaultKeyedRateLimiter<(String, IpAddr)>,
    login_per_account: DefaultKeyedRateLimiter<String>,
    visitor_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    reactions: InteractionLimiter,
    comments: InteractionLimiter,
    reports: InteractionLimiter,
    trusted_proxies: Vec<IpNetwork>,
}

impl RateLimits {
    /// Limiters from the settings.
    pub fn new(settings: &AuthSettings, interaction: &InteractionSettings) -> Self {
        Self {
            auth_per_ip: RateLimiter::keyed(per_minute(settings.auth_per_ip_per_minute)),
            login_per_account_ip: RateLimiter::keyed(per_minute(
                settings.login_per_account_per_minute,
            )),
            login_per_account: RateLimiter::keyed(per_minute(
                settings.login_account_ceiling_per_minute,
            )),
            visitor_per_ip: RateLimiter::keyed(per_minute(settings.visitor_per_ip_per_minute)),
            reactions: InteractionLimiter::new(interaction.reactions),
            comments: InteractionLimiter::new(interaction.comments),
            reports: InteractionLimiter::new(interaction.reports),
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
        check(&limiter.per_actor, actor)?;
        check(&limiter.per_ip, self.client_ip(request))
    }

    /// Counts one `action` from the request's client IP.
    pub fn check_auth(&self, request: &HttpRequest, action: AuthAction) -> Result<(), ApiError> {
        check(&self.auth_per_ip, (action, self.client_ip(request)))
    }

    /// Counts one password attempt (a sign-in or a password change) on the account of `email`
    /// (normalised, whether or not it has an account): per account and client IP, so guessing
    /// from one address can't lock the owner out from another, and per account from all
    /// addresses under a higher ceiling.
    pub fn check_password_attempt(
        &self,
        request: &HttpRequest,
        email: &str,
    ) -> Result<(), ApiError> {
        let ip = self.client_ip(request);
        check(&self.login_per_account_ip, (email.to_owned(), ip))?;
        check(&self.login_per_account, email.to_owned())
    }

    /// Counts one visitor token for the request's client IP.
    pub fn check_visitor(&self, request: &HttpRequest) -> Result<(), ApiError> {
        check(&self.visitor_per_ip, self.client_ip(request))
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

fn per_minute(count: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN))
}

/// 429 with the seconds until the next allowed request when `key` is over its limit.
fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: K,
) -> Result<(), ApiError> {
    let result = limiter.check_key(&key);
    if limiter.len() > SWEEP_ABOVE_KEYS {
        limiter.retain_recent();
    }
    result.map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}
