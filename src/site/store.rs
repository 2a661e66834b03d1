//! The site settings' tables: one settings row and the texts per locale.

use diesel::prelude::*;

use crate::db::schema::{site_setting_translations, site_settings};
use crate::db::{self, DbConnection, per_backend};
use crate::site::model::{Contact, SiteRow, SiteTranslationRow, SocialLink};

/// The settings row and the texts in every locale (in locale code order).
pub fn find(conn: &mut DbConnection) -> QueryResult<(SiteRow, Vec<SiteTranslationRow>)> {
    let row = site_settings::table
        .find(1)
        .select(SiteRow::as_select())
        .first(conn)?;
    let translations = site_setting_translations::table
        .order(site_setting_translations::locale.asc())
        .select(SiteTranslationRow::as_select())
        .load(conn)?;
    Ok((row, translations))
}

/// The settings row, locked until the transaction ends (PostgreSQL; a SQLite write transaction
/// holds the database already).
pub fn lock(conn: &mut DbConnection) -> QueryResult<SiteRow> {
    match conn {
        DbConnection::Pg(pg) => site_settings::table
            .find(1)
            .select(SiteRow::as_select())
            .for_update()
            .first(pg),
        DbConnection::Sqlite(sqlite) => site_settings::table
            .find(1)
            .select(SiteRow::as_select())
            .first(sqlite),
    }
}

/// Replaces every setting and text, moving the version on.
pub fn replace(
    conn: &mut DbConnection,
    translations: &[SiteTranslationRow],
    social: &[SocialLink],
    contact: &Contact,
    logo: Option<i64>,
) -> QueryResult<()> {
    let social = serde_json::to_string(social).unwrap_or_else(|_| "[]".to_owned());
    diesel::update(site_settings::table.find(1))
        .set((
            site_settings::social.eq(social),
            site_settings::contact_email.eq(&contact.email),
            site_settings::contact_phone.eq(&contact.phone),
            site_settings::contact_address.eq(&contact.address),
            site_settings::logo_media_id.eq(logo),
            site_settings::version.eq(site_settings::version + 1),
            site_settings::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    diesel::delete(site_setting_translations::table).execute(conn)?;
    if !translations.is_empty() {
        per_backend!(conn, |c| diesel::insert_into(
            site_setting_translations::table
        )
        .values(translations)
        .execute(c))?;
    }
    Ok(())
}
