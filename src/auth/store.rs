//! Refresh-token sessions and visitors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, visitors};
use crate::db::{self, DbConnection};
use crate::users;
use crate::users::model::UserRow;

/// A new refresh token row.
#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub user_id: i64,
    /// The session: every rotation of one sign-in shares it, and reusing a spent token
    /// revokes the whole family.
    pub family: &'a str,
    /// SHA-256 of the token, hex; the token itself is never stored.
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Stores a refresh token.
pub fn insert_refresh_token(
    conn: &mut DbConnection,
    token: &NewRefreshToken<'_>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenRow {
    id: i64,
    user_id: i64,
    family: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was spent and its successor stored; here is the account and the session.
    Rotated {
        user: Box<UserRow>,
        /// The session (token family) the new pair belongs to.
        family: String,
    },
    /// Unknown, expired, revoked, or the account can't sign in.
    Invalid,
    /// The token had been spent already: its whole family is now revoked.
    Reused,
}

/// Spends the token hashed `old_hash` and stores `new_hash` in its family, in one write
/// transaction. Of two parallel uses of one token exactly one rotates; the other finds the token
/// spent, which revokes the family.
pub fn rotate(
    conn: &mut DbConnection,
    old_hash: &str,
    new_hash: &str,
    new_expires_at: NaiveDateTime,
) -> QueryResult<Rotation> {
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let Some(row) = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(old_hash))
            .select(RefreshTokenRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(Rotation::Invalid);
        };
        if row.revoked_at.is_some() {
            return Ok(Rotation::Invalid);
        }
        if row.used_at.is_some() {
            revoke_family(conn, &row.family)?;
            return Ok(Rotation::Reused);
        }
        if row.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        let spent = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(row.id))
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        if spent == 0 {
            revoke_family(conn, &row.family)?;
            return Ok(Rotation::Reused);
        }
        let user = users::store::find(conn, row.user_id)?;
        if !user.is_active() {
            revoke_family(conn, &row.family)?;
            return Ok(Rotation::Invalid);
        }
        insert_refresh_token(
            conn,
            &NewRefreshToken {
                user_id: row.user_id,
                family: &row.family,
                token_hash: new_hash,
                created_at: now,
                expires_at: new_expires_at,
            },
        )?;
        Ok(Rotation::Rotated {
            user: Box::new(user),
            family: row.family,
        })
    })
}

/// Revokes every token of a family.
fn revoke_family(conn: &mut DbConnection, family: &str) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(db::now()))
    .execute(conn)
}

/// Ends the session (family) of a refresh token; unknown tokens change nothing.
pub fn logout(conn: &mut DbConnection, token_hash: &str) -> QueryResult<()> {
    db::write_transaction(conn, |conn| {
        let family: Option<String> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .select(refresh_tokens::family)
            .first(conn)
            .optional()?;
        if let Some(family) = family {
            revoke_family(conn, &family)?;
        }
        Ok(())
    })
}

/// Registers a new visitor and returns its id.
pub fn create_visitor(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::insert_into(visitors::table)
        .values(visitors::created_at.eq(db::now()))
        .returning(visitors::id)
        .get_result(conn)
}

/// Whether a visitor id was issued here.
pub fn visitor_exists(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(visitors::table.find(id))).get_result(conn)
}

/// Whether the session (refresh-token family) `family` is live: not logged out, revoked or
/// expired. Access tokens carry their session, so logging out ends them at once.
pub fn session_live(conn: &mut DbConnection, family: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(db::now())),
    ))
    .get_result(conn)
}
