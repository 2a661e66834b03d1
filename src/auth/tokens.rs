//! Access tokens (JWT, HS256 only) and opaque refresh tokens.
//!
//! An access token carries `sub`, `role`, `iat`, `nbf`, `exp`, `iss`, `aud`, `jti`, `typ`
//! (`access` for accounts, `visitor` for visitors) and `sv`, the account's security version.
//! Validation requires every one of them, accepts only HS256 and checks issuer and audience.
//! Refresh tokens are 256 random bits, given to the client once and stored only as a SHA-256
//! hash.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::roles::Role;
use crate::config::{AuthSettings, encode_hex};
use crate::error::ApiError;

/// `typ` of an account's access token.
pub const TYP_ACCESS: &str = "access";
/// `typ` of a visitor token.
pub const TYP_VISITOR: &str = "visitor";

/// Allowed clock difference between instances, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Account or visitor id.
    pub sub: String,
    /// Role when issued (the account's current role is what counts).
    pub role: Role,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Issuer: `JWT_ISSUER`, checked on every token.
    pub iss: String,
    /// Audience: `JWT_AUDIENCE`, checked on every token.
    pub aud: String,
    /// Unique token id.
    pub jti: String,
    /// `access` or `visitor`.
    pub typ: String,
    /// Security version of the account when issued (0 for visitors).
    pub sv: i64,
    /// The session (refresh-token family) an access token belongs to: it stops working when
    /// the session is logged out or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Signs and checks access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    visitor_ttl: Duration,
}

/// A freshly signed access token.
pub struct AccessToken {
    /// The JWT.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl TokenKeys {
    /// Keys from the secret and the token settings.
    pub fn new(secret: &[u8], settings: &AuthSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_token_ttl,
            visitor_ttl: settings.visitor_token_ttl,
        }
    }

    /// An access token for an account.
    pub fn issue_access(
        &self,
        user_id: i64,
        role: Role,
        security_version: i64,
        session: &str,
    ) -> Result<AccessToken, ApiError> {
        self.issue(
            user_id,
            role,
            TYP_ACCESS,
            security_version,
            Some(session),
            self.access_ttl,
        )
    }

    /// A visitor token.
    pub fn issue_visitor(&self, visitor_id: i64) -> Result<AccessToken, ApiError> {
        self.issue(
            visitor_id,
            Role::Visitor,
            TYP_VISITOR,
            0,
            None,
            self.visitor_ttl,
        )
    }

    fn issue(
        &self,
        subject: i64,
        role: Role,
        typ: &str,
        security_version: i64,
        session: Option<&str>,
        ttl: Duration,
    ) -> Result<AccessToken, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let lifetime = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: subject.to_string(),
            role,
            iat: now,
            nbf: now,
            exp: now.saturating_add(lifetime),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: random_hex(16)?,
            typ: typ.to_owned(),
            sv: security_version,
            sid: session.map(str::to_owned),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
                .map_err(|error| ApiError::Internal(format!("signing a token failed: {error}")))?;
        Ok(AccessToken {
            token,
            expires_in: ttl.as_secs(),
        })
    }

    /// The claims of a valid token; every failure is the same 401.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthorized)
    }
}

/// A new opaque refresh token: 256 random bits, hex-encoded.
pub fn new_refresh_token() -> Result<String, ApiError> {
    random_hex(32)
}

/// The stored form of a secret token (a refresh token, a preview token): its SHA-256.
pub fn hash_token(token: &str) -> String {
    encode_hex(&Sha256::digest(token.as_bytes()))
}

/// `bytes` random bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(encode_hex(&buffer))
}
