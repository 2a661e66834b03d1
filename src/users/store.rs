//! Account queries.

use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::{refresh_tokens, users};
use crate::db::{self, DbConnection, Paged};
use crate::domain::DomainError;
use crate::users::model::{AuthState, NewUser, UserRow, UserStatus};

/// Inserts an active account; a taken email is a conflict.
pub fn create_account(
    conn: &mut DbConnection,
    email: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<UserRow, DomainError> {
    let now = db::now();
    insert(
        conn,
        &NewUser {
            email,
            display_name,
            role: role.as_str(),
            status: UserStatus::Active.as_str(),
            password_hash,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|error| {
        DomainError::conflict_on_unique(error, || {
            "An account with this email already exists.".into()
        })
    })
}

/// The account with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
}

/// The account with this (normalised) email, if any.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// What every authenticated request checks: role, status and security version, by id.
pub fn auth_state(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AuthState>> {
    users::table
        .find(id)
        .select((users::role, users::status, users::security_version))
        .first(conn)
        .optional()
}

/// Inserts an account.
pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(user)
        .get_result(conn)
}

/// Filters of the admin list.
#[derive(Debug, Default)]
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Email or display name contains this (lower-cased).
    pub query: Option<String>,
}

/// One page of accounts, newest first, and the total matching.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<UserRow>> {
    let filtered = || {
        let mut query = users::table.into_boxed();
        if let Some(role) = filter.role {
            query = query.filter(users::role.eq(role.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(users::status.eq(status.as_str()));
        }
        if let Some(text) = &filter.query {
            let pattern = format!("%{}%", db::escape_like(text));
            query = query.filter(
                users::email
                    .like(pattern.clone())
                    .escape('\\')
                    .or(users::display_name.like(pattern).escape('\\')),
            );
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .select(UserRow::as_select())
        .order(users::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// Refused when `id` is the last active admin (locking the admins, so concurrent demotions
/// can't both pass).
pub fn ensure_not_last_admin(conn: &mut DbConnection, id: i64) -> Result<(), DomainError> {
    let admins = lock_active_admins(conn)?;
    if admins.iter().all(|admin| *admin == id) {
        return Err(DomainError::Conflict(
            "This is the last active admin: make another admin first.".into(),
        ));
    }
    Ok(())
}

/// Ids of the active admins, locked against concurrent change until the transaction ends (on
/// SQLite the immediate transaction already holds the write lock).
pub fn lock_active_admins(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    let query = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select(users::id);
    match conn {
        DbConnection::Pg(pg) => query.for_update().load(pg),
        DbConnection::Sqlite(sqlite) => query.load(sqlite),
    }
}

/// Whether any active admin exists.
pub fn has_active_admin(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::status.eq(UserStatus::Active.as_str())),
    ))
    .get_result(conn)
}

/// A change to an account.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New role name.
    pub role: Option<String>,
    /// New status name.
    pub status: Option<String>,
    /// New password hash.
    pub password_hash: Option<String>,
}

/// Applies `changes` when the account is still at `expected_version` (any version when
/// `None`), bumping its version, and its security version when `end_sessions`. Returns the
/// updated row, or `None` when the version did not match.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    expected_version: Option<i64>,
    changes: &UserChanges,
    end_sessions: bool,
) -> QueryResult<Option<UserRow>> {
    let bump = i64::from(end_sessions);
    let target = users::table.filter(users::id.eq(id));
    let updated = match expected_version {
        Some(version) => diesel::update(target.filter(users::version.eq(version)))
            .set((
                changes,
                users::version.eq(users::version + 1),
                users::security_version.eq(users::security_version + bump),
                users::updated_at.eq(db::now()),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                changes,
                users::version.eq(users::version + 1),
                users::security_version.eq(users::security_version + bump),
                users::updated_at.eq(db::now()),
            ))
            .execute(conn)?,
    };
    if updated == 0 {
        return Ok(None);
    }
    if end_sessions {
        revoke_all_sessions(conn, id)?;
    }
    find(conn, id).map(Some)
}

/// Records a successful login.
pub fn touch_login(conn: &mut DbConnection, id: i64, at: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Replaces a password hash after a parameter upgrade, without ending sessions.
pub fn upgrade_hash(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(drop)
}

/// Revokes every refresh token of the account.
pub fn revoke_all_sessions(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(db::now()))
    .execute(conn)
}

/// Deletes an account (its refresh tokens go with it).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

/// Whether an account exists.
pub fn user_exists(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)
}

/// The display name of an account.
pub fn display_name(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    users::table
        .find(id)
        .select(users::display_name)
        .first(conn)
}
