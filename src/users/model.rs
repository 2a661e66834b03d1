//! Account rows, their public shape, and the rules for emails, names and passwords.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Identifiable, Insertable, Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::roles::Role;
use crate::db::to_utc;
use crate::domain::{FieldError, Lines, check_text};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Whether an account may sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in; live tokens stop working at once.
    Disabled,
}

impl UserStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}

/// A stored account.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = crate::db::schema::users)]
pub struct UserRow {
    pub id: i64,
    /// Normalised email.
    pub email: String,
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// Status name.
    pub status: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Bumped to end every live session.
    pub security_version: i64,
    /// Edit version, for `If-Match`.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Last successful login.
    pub last_login_at: Option<NaiveDateTime>,
}

impl UserRow {
    /// The role; an unknown stored role reads as the least powerful account role.
    pub fn role(&self) -> Role {
        Role::parse(&self.role)
            .filter(|role| role.is_account_role())
            .unwrap_or(Role::Reader)
    }

    /// Whether the account may sign in.
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active.as_str()
    }
}

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = crate::db::schema::users)]
pub struct NewUser<'a> {
    /// Normalised email.
    pub email: &'a str,
    pub display_name: &'a str,
    /// Role name.
    pub role: &'a str,
    /// Status name.
    pub status: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// An account as the API shows it: never a hash, never a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    /// Email address, trimmed and lower-cased.
    #[schema(example = "editor@newsroom.test")]
    pub email: String,
    /// Name shown on comments and in the admin.
    #[schema(example = "Ayana Birbayeva")]
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Last successful login (UTC), if any.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Edit version; send it back in `If-Match` to update only what you read.
    pub version: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            role: row.role(),
            status: if row.is_active() {
                UserStatus::Active
            } else {
                UserStatus::Disabled
            },
            email: row.email,
            display_name: row.display_name,
            created_at: to_utc(row.created_at),
            updated_at: to_utc(row.updated_at),
            last_login_at: row.last_login_at.map(to_utc),
            version: row.version,
        }
    }
}

/// Trims and lower-cases an email and checks its shape: `Alice@X.test` and `alice@x.test` are
/// one account.
pub fn normalize_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let invalid = || FieldError::new("email", "must be an email address such as name@example.com");
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Trims a display name and checks its length.
pub fn normalize_display_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_DISPLAY_NAME_CHARS {
        return Err(FieldError::new(
            "display_name",
            format!("must have 1 to {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if let Some(error) = check_text(name, "display_name", Lines::One, 0, usize::MAX) {
        return Err(error);
    }
    Ok(name.to_owned())
}

/// Checks a new password's length (8 to 1024 characters); `field` names it in the error.
pub fn check_password(password: &str, field: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(FieldError::new(
            field,
            format!("must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// What every authenticated request checks of its account.
#[derive(Debug, Queryable)]
pub struct AuthState {
    pub role: String,
    pub status: String,
    /// Raised by a password change, a role change or "sign out everywhere": older tokens stop
    /// working.
    pub security_version: i64,
}
