//! `/api/v1/auth`: register, login, refresh, logout, visitor tokens, and the caller's profile.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::actor::Actor;
use crate::auth::actor::Principal;
use crate::auth::passwords::Verified;
use crate::auth::rate_limit::AuthAction;
use crate::auth::roles::{Permission, Role};
use crate::auth::store::{self, NewRefreshToken, Rotation};
use crate::auth::tokens::{hash_token, new_refresh_token, random_hex};
use crate::body::JsonBody;
use crate::db;
use crate::domain::DomainError;
use crate::error::{ApiError, Problem};
use crate::openapi::{InvalidFields, NoToken};
use crate::users::model::{User, UserRow, check_password, normalize_display_name, normalize_email};
use crate::users::store as users;

/// Create a reader account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address; trimmed and lower-cased.
    #[schema(example = "reader@example.com")]
    pub email: String,
    /// 8 to 1024 characters.
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Name shown on comments, 1 to 100 characters.
    #[schema(example = "Elif")]
    pub display_name: String,
}

/// Sign in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address (any case).
    pub email: String,
    pub password: String,
}

/// A refresh token to spend or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A new session: the account and its tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    /// The account.
    pub user: User,
    #[serde(flatten)]
    pub tokens: SessionTokens,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionTokens {
    /// JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque token for `POST /auth/refresh`; spent on use.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Seconds until the refresh token expires.
    #[schema(example = 2_592_000)]
    pub refresh_expires_in: u64,
}

/// An anonymous visitor's token.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorResponse {
    /// JWT for `Authorization: Bearer …` (role `visitor`).
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until it expires.
    #[schema(example = 31_536_000)]
    pub expires_in: u64,
    /// The visitor's id: reactions, votes and comments made with the token count for it.
    pub visitor_id: i64,
}

/// Change the caller's profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// New password (8 to 1024 characters); needs `current_password`. Ends every other
    /// session.
    pub password: Option<String>,
    /// The current password, required to set a new one.
    pub current_password: Option<String>,
}

/// The caller's account, with new tokens when the password changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    /// The account.
    pub user: User,
    /// A new session replacing every old one, after a password change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionTokens>,
}

/// Register a reader account.
///
/// Open while `REGISTRATION_OPEN` is true. New accounts are readers. Rate limited per client IP.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account and a session.", body = AuthResponse),
        (status = 403, description = "Registration is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email has an account.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
        (status = 429, description = "Too many attempts.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/register")]
pub async fn register(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_auth(&request, AuthAction::Register)?;
    if !state.settings.auth.registration_open {
        return Err(ApiError::Forbidden("Registration is closed.".into()));
    }
    let body = body.parse()?;
    let checked = (
        normalize_email(&body.email),
        normalize_display_name(&body.display_name),
        check_password(&body.password, "password"),
    );
    let (email, display_name) = match checked {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (email, name, password) => {
            let errors = [email.err(), name.err(), password.err()];
            return Err(DomainError::Invalid(errors.into_iter().flatten().collect()).into());
        }
    };
    let hash = state.passwords.hash(body.password).await?;
    let user = state
        .db
        .run(move |conn| {
            Ok(users::create_account(
                conn,
                &email,
                &display_name,
                Role::Reader,
                &hash,
            )?)
        })
        .await?;
    let response = start_session(&state, user).await?;
    Ok(HttpResponse::Created().json(response))
}

/// Sign in with email and password.
///
/// Any bad credential (unknown email, wrong password, disabled account) gets the same 401 in
/// about the same time. Rate limited per client IP and per email.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new session.", body = AuthResponse),
        (status = 401, description = "Bad credentials.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
        (status = 429, description = "Too many attempts.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/login")]
pub async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_auth(&request, AuthAction::Login)?;
    let body = body.parse()?;
    // A malformed email can't have an account: it fails like an unknown one.
    let email = normalize_email(&body.email).unwrap_or_else(|_| body.email.trim().to_lowercase());
    state.limits.check_password_attempt(&request, &email)?;
    let lookup = email.clone();
    let user = state
        .db
        .run(move |conn| Ok(users::find_by_email(conn, &lookup)?))
        .await?;
    let verified = state
        .passwords
        .verify(
            body.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    let user = match (user, verified) {
        (Some(user), verified @ (Verified::Yes | Verified::YesRehashed(_))) if user.is_active() => {
            if let Verified::YesRehashed(hash) = verified {
                let id = user.id;
                // Best effort: the old hash keeps working, and the next sign-in tries again.
                let upgraded = state
                    .db
                    .run(move |conn| Ok(users::upgrade_hash(conn, id, &hash)?))
                    .await;
                if let Err(error) = upgraded {
                    tracing::warn!(%error, "could not store the stronger password hash");
                }
            }
            state.limits.password_succeeded(&request, &email);
            user
        }
        _ => {
            state.limits.password_failed(&request, &email)?;
            return Err(ApiError::InvalidCredentials);
        }
    };
    let (id, now) = (user.id, db::now());
    let response = start_session(
        &state,
        UserRow {
            last_login_at: Some(now),
            ..user
        },
    )
    .await?;
    // The session is what a sign-in needs; its time is recorded after the answer, so a busy
    // database neither fails nor delays the sign-in.
    let db = state.db.clone();
    actix_web::rt::spawn(async move {
        let recorded = db
            .run(move |conn| Ok(users::touch_login(conn, id, now)?))
            .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, "could not record the sign-in time");
        }
    });
    Ok(HttpResponse::Ok().json(response))
}

/// Renew a session.
///
/// Spends the refresh token and returns a new pair. Presenting a spent token again revokes its
/// whole session (token family): a stolen token stops working for thief and owner alike.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair.", body = AuthResponse),
        (status = 401, description = "Unknown, expired, revoked or spent token.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/refresh")]
pub async fn refresh(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_auth(&request, AuthAction::Refresh)?;
    let body = body.parse()?;
    let old_hash = hash_token(body.refresh_token.trim());
    let new_token = new_refresh_token()?;
    let new_hash = hash_token(&new_token);
    let expires_at = refresh_expiry(&state);
    let rotation = state
        .db
        .run(move |conn| Ok(store::rotate(conn, &old_hash, &new_hash, expires_at)?))
        .await?;
    let (user, family) = match rotation {
        Rotation::Rotated { user, family } => (*user, family),
        Rotation::Reused => {
            tracing::warn!("a spent refresh token was presented again; its session is revoked");
            return Err(ApiError::InvalidRefreshToken);
        }
        Rotation::Invalid => return Err(ApiError::InvalidRefreshToken),
    };
    let access = state
        .tokens
        .issue_access(user.id, user.role(), user.security_version, &family)?;
    Ok(HttpResponse::Ok().json(AuthResponse {
        tokens: SessionTokens {
            access_token: access.token,
            refresh_token: new_token,
            token_type: "Bearer",
            expires_in: access.expires_in,
            refresh_expires_in: state.settings.auth.refresh_token_ttl.as_secs(),
        },
        user: user.into(),
    }))
}

/// Sign out: revoke the session of a refresh token. The session's access tokens stop working at
/// once.
///
/// Always 204, whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The session is over."))
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let hash = hash_token(body.refresh_token.trim());
    state
        .db
        .run(move |conn| Ok(store::logout(conn, &hash)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere: end every session and every access token of the caller's account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session is over."),
        NoToken,
        (status = 403, description = "Visitors have no account.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/logout-all")]
pub async fn logout_all(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = own_account(&principal)?;
    state
        .db
        .write(move |conn| {
            users::update(conn, id, None, &users::UserChanges::default(), true)?
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Get an anonymous visitor token.
///
/// For apps and sites that let people react, vote and comment without an account. Rate
/// limited per client IP.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 201, description = "A visitor token.", body = VisitorResponse),
        (status = 429, description = "Too many visitor tokens.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/visitor")]
pub async fn visitor(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_visitor(&request)?;
    let visitor_id = state
        .db
        .run(|conn| Ok(store::create_visitor(conn)?))
        .await?;
    let token = state.tokens.issue_visitor(visitor_id)?;
    Ok(HttpResponse::Created().json(VisitorResponse {
        access_token: token.token,
        token_type: "Bearer",
        expires_in: token.expires_in,
        visitor_id,
    }))
}

/// The caller's account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account.", body = User),
        NoToken,
        (status = 403, description = "Visitors have no account.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn get_me(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = own_account(&principal)?;
    let user = state.db.run(move |conn| Ok(users::find(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(User::from(user)))
}

/// Change the caller's display name or password.
///
/// A password change needs `current_password`, ends every session (and every access token) of
/// the account, and returns a new session for this client in `session`.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "The updated account.", body = MeResponse),
        NoToken,
        (status = 403, description = "Visitors have no account.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or wrong current password.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many password attempts on the account; see `Retry-After`.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait."))),
    )
)]
#[patch("/me")]
pub async fn update_me(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = own_account(&principal)?;
    let body = body.parse()?;
    let mut changes = users::UserChanges::default();
    if let Some(name) = &body.display_name {
        changes.display_name = Some(normalize_display_name(name)?);
    }
    let mut end_sessions = false;
    if let Some(password) = body.password {
        check_password(&password, "password")?;
        let current = body.current_password.ok_or_else(|| {
            ApiError::invalid("current_password", "is required to change the password")
        })?;
        let stored = state.db.run(move |conn| Ok(users::find(conn, id)?)).await?;
        state
            .limits
            .check_password_attempt(&request, &stored.email)?;
        if state
            .passwords
            .verify(current, Some(stored.password_hash))
            .await?
            == Verified::No
        {
            state.limits.password_failed(&request, &stored.email)?;
            return Err(ApiError::invalid("current_password", "is not correct"));
        }
        changes.password_hash = Some(state.passwords.hash(password).await?);
        end_sessions = true;
    } else if body.current_password.is_some() {
        return Err(ApiError::invalid(
            "current_password",
            "is only needed with a new password",
        ));
    }
    let user = state
        .db
        .write(move |conn| {
            users::update(conn, id, None, &changes, end_sessions)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    let session = if end_sessions {
        Some(start_session(&state, user.clone()).await?.tokens)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(MeResponse {
        user: user.into(),
        session,
    }))
}

/// The account id of a principal that may edit its own profile.
fn own_account(principal: &Principal) -> Result<i64, ApiError> {
    principal.require(Permission::EditOwnProfile)?;
    match principal.actor {
        Actor::User(id) => Ok(id),
        Actor::Visitor(_) => Err(ApiError::Forbidden("Visitors have no account.".into())),
    }
}

/// Starts a session (a new refresh-token family) for an account.
async fn start_session(state: &AppState, user: UserRow) -> Result<AuthResponse, ApiError> {
    let family = random_hex(16)?;
    let access = state
        .tokens
        .issue_access(user.id, user.role(), user.security_version, &family)?;
    let refresh_token = new_refresh_token()?;
    let token_hash = hash_token(&refresh_token);
    let expires_at = refresh_expiry(state);
    let user_id = user.id;
    state
        .db
        .run(move |conn| {
            Ok(store::insert_refresh_token(
                conn,
                &NewRefreshToken {
                    user_id,
                    family: &family,
                    token_hash: &token_hash,
                    created_at: db::now(),
                    expires_at,
                },
            )?)
        })
        .await?;
    Ok(AuthResponse {
        user: user.into(),
        tokens: SessionTokens {
            access_token: access.token,
            refresh_token,
            token_type: "Bearer",
            expires_in: access.expires_in,
            refresh_expires_in: state.settings.auth.refresh_token_ttl.as_secs(),
        },
    })
}

fn refresh_expiry(state: &AppState) -> chrono::NaiveDateTime {
    let ttl = chrono::Duration::from_std(state.settings.auth.refresh_token_ttl)
        .unwrap_or(chrono::Duration::days(30));
    db::now() + ttl
}
