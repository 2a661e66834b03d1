//! API key queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::api_keys::model::ApiKeyRow;
use crate::db::schema::api_keys;
use crate::db::{self, DbConnection};

/// A key to store.
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub scopes: &'a str,
    pub created_by: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, new: &NewApiKey<'_>) -> QueryResult<ApiKeyRow> {
    let id: i64 = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(new.name),
            api_keys::prefix.eq(new.prefix),
            api_keys::key_hash.eq(new.key_hash),
            api_keys::scopes.eq(new.scopes),
            api_keys::created_by.eq(new.created_by),
            api_keys::created_at.eq(db::now()),
            api_keys::expires_at.eq(new.expires_at),
        ))
        .returning(api_keys::id)
        .get_result(conn)?;
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(conn)
}

/// Every key, newest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .order(api_keys::id.desc())
        .select(ApiKeyRow::as_select())
        .load(conn)
}

/// The key whose hash is `key_hash`.
pub fn by_hash(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Notes that key `id` was used at `now`.
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(Some(now)))
        .execute(conn)
        .map(drop)
}

/// Revokes key `id` (deletes it); whether it existed.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(api_keys::table.find(id)).execute(conn)? > 0)
}
