//! The authenticated principal: who is calling, resolved from `Authorization: Bearer <jwt>`.
//!
//! Every authenticated request costs two indexed lookups on one connection: an account must
//! still be active and its security version must equal the token's, and the token's session
//! must be live, so disabling, demoting, a password change or logging out takes effect on the
//! next request. The role that counts is the account's current one.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::api_keys::model::KEY_PREFIX;
use crate::api_keys::scopes::{Gate, gate};
use crate::api_keys::store as api_keys;
use crate::app::AppState;
use crate::auth::actor::{Actor, KeyGrant, Principal};
use crate::auth::roles::Role;
use crate::auth::store;
use crate::auth::tokens::{TYP_ACCESS, TYP_VISITOR, hash_token};
use crate::error::ApiError;
use crate::users;

/// Longest accepted bearer token.
const MAX_TOKEN_LENGTH: usize = 4096;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(request).map(str::to_owned);
        let request = request.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let token = token.ok_or(ApiError::Unauthorized)?;
            let principal = if token.starts_with(KEY_PREFIX) {
                authenticate_key(&state, &request, &token).await?
            } else {
                authenticate(&state, &token).await?
            };
            crate::audit::context::note_principal(&principal);
            Ok(principal)
        })
    }
}

/// A caller who may or may not send a token: `None` without an `Authorization` header, the
/// principal with a valid one, and 401 with an invalid one (a bad token is never ignored).
#[derive(Clone, Debug)]
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !request.headers().contains_key(header::AUTHORIZATION) {
            return Box::pin(std::future::ready(Ok(Self(None))));
        }
        let principal = Principal::from_request(request, payload);
        Box::pin(async move { Ok(Self(Some(principal.await?))) })
    }
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    let plausible = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= MAX_TOKEN_LENGTH
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plausible.then_some(token)
}

/// Checks the token, then the account or visitor it names.
async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.tokens.verify(token)?;
    let id: i64 = claims.sub.parse().map_err(|_| ApiError::Unauthorized)?;
    match claims.typ.as_str() {
        TYP_ACCESS if claims.role != Role::Visitor => {
            let session = claims.sid.clone();
            let (found, live) = state
                .db
                .run(move |conn| {
                    let found = users::store::auth_state(conn, id)?;
                    // Tokens from before sessions were named carry none; they expire soon.
                    let live = match &session {
                        Some(family) => store::session_live(conn, family)?,
                        None => true,
                    };
                    Ok((found, live))
                })
                .await?;
            let account = found.ok_or(ApiError::Unauthorized)?;
            if !live {
                return Err(ApiError::Unauthorized);
            }
            let role = Role::parse(&account.role)
                .filter(|role| role.is_account_role())
                .ok_or(ApiError::Unauthorized)?;
            if account.status != users::model::UserStatus::Active.as_str()
                || account.security_version != claims.sv
            {
                return Err(ApiError::Unauthorized);
            }
            Ok(Principal {
                actor: Actor::User(id),
                role,
                key: None,
            })
        }
        TYP_VISITOR if claims.role == Role::Visitor => {
            let exists = state
                .db
                .run(move |conn| Ok(store::visitor_exists(conn, id)?))
                .await?;
            if !exists {
                return Err(ApiError::Unauthorized);
            }
            Ok(Principal {
                actor: Actor::Visitor(id),
                role: Role::Visitor,
                key: None,
            })
        }
        _ => Err(ApiError::Unauthorized),
    }
}

/// How stale `last_used_at` may get before a request with the key records the time again.
const LAST_USED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// Checks an API key: it must exist (a revoked one doesn't), not have expired, and its maker's
/// account be active; the route must be open to keys and the key hold its scope (403
/// otherwise), and the key be within its rate limit. The principal acts for the key's maker,
/// with the maker's current role limited to the key's scopes.
async fn authenticate_key(
    state: &AppState,
    request: &HttpRequest,
    key: &str,
) -> Result<Principal, ApiError> {
    let key_hash = hash_token(key);
    let now = crate::db::now();
    let (row, maker, account) = state
        .db
        .run(move |conn| {
            let Some(row) = api_keys::by_hash(conn, &key_hash)? else {
                return Ok(None);
            };
            if row.expires_at.is_some_and(|at| at <= now) {
                return Ok(None);
            }
            // A key whose maker's account is gone acts for nobody.
            let Some(maker) = row.created_by else {
                return Ok(None);
            };
            let Some(account) = users::store::auth_state(conn, maker)? else {
                return Ok(None);
            };
            if row
                .last_used_at
                .is_none_or(|at| at + LAST_USED_EVERY <= now)
            {
                api_keys::touch(conn, row.id, now)?;
            }
            Ok(Some((row, maker, account)))
        })
        .await?
        .ok_or(ApiError::Unauthorized)?;
    // The key acts with its maker's current role: a disabled or demoted admin's keys follow.
    let role = Role::parse(&account.role)
        .filter(|role| role.is_account_role())
        .ok_or(ApiError::Unauthorized)?;
    if account.status != users::model::UserStatus::Active.as_str() {
        return Err(ApiError::Unauthorized);
    }
    let scopes = row.scopes();
    let pattern = request.match_pattern().unwrap_or_default();
    match gate(request.method().as_str(), &pattern) {
        Gate::Open => {}
        Gate::Needs(scope) if scopes.contains(&scope) => {}
        Gate::Needs(scope) => {
            return Err(ApiError::Forbidden(format!(
                "This API key lacks the `{}` scope this route needs.",
                scope.as_str()
            )));
        }
        Gate::Closed => {
            return Err(ApiError::Forbidden(
                "API keys can't use this route; sign in as an account.".into(),
            ));
        }
    }
    state.limits.check_api_key(request, row.id)?;
    Ok(Principal {
        actor: Actor::User(maker),
        role,
        key: Some(KeyGrant { id: row.id, scopes }),
    })
}
