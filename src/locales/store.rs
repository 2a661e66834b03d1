//! Locale queries.

use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;

use crate::db::schema::locales;
use crate::db::{self, DbConnection};
use crate::locales::model::{LocaleRow, NewLocale, native_name};

/// Every locale, in switcher order.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<LocaleRow>> {
    locales::table
        .select(LocaleRow::as_select())
        .order((locales::position.asc(), locales::code.asc()))
        .load(conn)
}

/// The site's locale codes in switcher order.
pub fn codes(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    locales::table
        .select(locales::code)
        .order((locales::position.asc(), locales::code.asc()))
        .load(conn)
}

/// Gives an empty database its locales (the first code is the default); a database that has
/// any locale is left alone. Returns how many were added. Instances starting together on one
/// PostgreSQL database may race here: the loser's unique violation means the work is done.
pub fn seed_if_empty(conn: &mut DbConnection, codes: &[String]) -> QueryResult<usize> {
    let seeded = db::write_transaction(conn, |conn| {
        let existing: i64 = locales::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(0);
        }
        let now = db::now();
        for (position, code) in codes.iter().enumerate() {
            diesel::insert_into(locales::table)
                .values(NewLocale {
                    code,
                    name: native_name(code),
                    is_default: position == 0,
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)?;
        }
        Ok(codes.len())
    });
    match seeded {
        Err(diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(0),
        other => other,
    }
}

/// One locale by code.
pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<LocaleRow> {
    locales::table
        .filter(locales::code.eq(code))
        .select(LocaleRow::as_select())
        .first(conn)
}

/// Adds a locale.
pub fn insert(conn: &mut DbConnection, code: &str, name: &str, position: i32) -> QueryResult<()> {
    let now = db::now();
    diesel::insert_into(locales::table)
        .values(NewLocale {
            code,
            name,
            is_default: false,
            position,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
        .map(drop)
}

/// Renames or moves a locale.
pub fn update(conn: &mut DbConnection, code: &str, name: &str, position: i32) -> QueryResult<()> {
    diesel::update(locales::table.filter(locales::code.eq(code)))
        .set((
            locales::name.eq(name),
            locales::position.eq(position),
            locales::updated_at.eq(db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Makes `code` the one default locale.
pub fn make_default(conn: &mut DbConnection, code: &str) -> QueryResult<()> {
    diesel::update(locales::table.filter(locales::is_default.eq(true)))
        .set(locales::is_default.eq(false))
        .execute(conn)?;
    diesel::update(locales::table.filter(locales::code.eq(code)))
        .set(locales::is_default.eq(true))
        .execute(conn)
        .map(drop)
}

/// Removes a locale (refused by the database while content is written in it).
pub fn delete(conn: &mut DbConnection, code: &str) -> QueryResult<usize> {
    diesel::delete(locales::table.filter(locales::code.eq(code))).execute(conn)
}
