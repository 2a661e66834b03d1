//! Category queries.

use diesel::prelude::*;

use crate::categories::model::{
    AdminCategory, AllCategories, CategoryRow, CategoryTranslationRow, parent_map, path_to_root,
};
use crate::db::schema::{articles, categories, category_translations};
use crate::db::{self, DbConnection};
use crate::domain::{DomainError, FieldError};
use crate::slug;

/// Every category and every translation (the tree is small; one query each).
pub fn load_all(conn: &mut DbConnection) -> QueryResult<AllCategories> {
    let rows = categories::table
        .select(CategoryRow::as_select())
        .order((categories::position.asc(), categories::id.asc()))
        .load(conn)?;
    let translations = category_translations::table
        .select(CategoryTranslationRow::as_select())
        .load(conn)?;
    Ok(AllCategories { rows, translations })
}

/// One category.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<CategoryRow> {
    categories::table
        .find(id)
        .select(CategoryRow::as_select())
        .first(conn)
}

/// One category with every translation, as editors see it.
pub fn find_admin(conn: &mut DbConnection, id: i64) -> QueryResult<AdminCategory> {
    let row = find(conn, id)?;
    let translations = category_translations::table
        .filter(category_translations::category_id.eq(id))
        .select(CategoryTranslationRow::as_select())
        .order(category_translations::locale.asc())
        .load(conn)?;
    Ok(AdminCategory::new(row, translations))
}

/// Serialises moves in the category tree until the transaction ends, so two concurrent moves
/// can't each pass the cycle check and together make a cycle.
pub fn lock_tree(conn: &mut DbConnection) -> QueryResult<()> {
    db::lock_name(conn, "categories:tree")
}

/// Refused unless `parent` names a category.
pub fn ensure_parent(conn: &mut DbConnection, parent: i64) -> Result<(), DomainError> {
    match find(conn, parent) {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::NotFound) => {
            Err(FieldError::new("parent_id", "names no category").into())
        }
        Err(error) => Err(error.into()),
    }
}

/// The category a key names: a numeric id, or a slug in any locale.
pub fn resolve_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<i64>> {
    if let Ok(id) = key.parse::<i64>() {
        return categories::table
            .find(id)
            .select(categories::id)
            .first(conn)
            .optional();
    }
    category_translations::table
        .filter(category_translations::slug.eq(key))
        .select(category_translations::category_id)
        .order(category_translations::category_id.asc())
        .first(conn)
        .optional()
}

/// Whether `slug` is used in `locale` by a category other than `except`.
/// Holds the slug's base until the transaction ends ([`db::lock_name`], one lock for all its
/// suffixes), so of two writers wanting it at once the second sees the first's and takes the
/// next one.
pub fn slug_taken(
    conn: &mut DbConnection,
    locale: &str,
    slug: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    db::lock_name(
        conn,
        &format!("slug:categories:{locale}:{}", slug::base(slug)),
    )?;
    let query = category_translations::table
        .filter(category_translations::locale.eq(locale))
        .filter(category_translations::slug.eq(slug))
        .filter(category_translations::category_id.ne(except.unwrap_or(-1)));
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

/// Inserts a category; returns its id.
pub fn insert(conn: &mut DbConnection, parent_id: Option<i64>, position: i32) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(categories::table)
        .values((
            categories::parent_id.eq(parent_id),
            categories::position.eq(position),
            categories::created_at.eq(now),
            categories::updated_at.eq(now),
        ))
        .returning(categories::id)
        .get_result(conn)
}

/// Creates or replaces one translation.
pub fn put_translation(
    conn: &mut DbConnection,
    category_id: i64,
    locale: &str,
    name: &str,
    slug: &str,
    description: Option<&str>,
) -> QueryResult<()> {
    let updated = diesel::update(
        category_translations::table
            .filter(category_translations::category_id.eq(category_id))
            .filter(category_translations::locale.eq(locale)),
    )
    .set((
        category_translations::name.eq(name),
        category_translations::slug.eq(slug),
        category_translations::description.eq(description),
    ))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(category_translations::table)
            .values((
                category_translations::category_id.eq(category_id),
                category_translations::locale.eq(locale),
                category_translations::name.eq(name),
                category_translations::slug.eq(slug),
                category_translations::description.eq(description),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes one translation.
pub fn delete_translation(
    conn: &mut DbConnection,
    category_id: i64,
    locale: &str,
) -> QueryResult<usize> {
    diesel::delete(
        category_translations::table
            .filter(category_translations::category_id.eq(category_id))
            .filter(category_translations::locale.eq(locale)),
    )
    .execute(conn)
}

/// Moves or reorders a category when it is still at `version`, bumping the version; `false`
/// when the version did not match.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    parent_id: Option<i64>,
    position: i32,
) -> QueryResult<bool> {
    let updated = diesel::update(
        categories::table
            .filter(categories::id.eq(id))
            .filter(categories::version.eq(version)),
    )
    .set((
        categories::parent_id.eq(parent_id),
        categories::position.eq(position),
        categories::version.eq(categories::version + 1),
        categories::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The ids from `id` up to its root, `id` first.
pub fn ancestors(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    let pairs: Vec<(i64, Option<i64>)> = categories::table
        .select((categories::id, categories::parent_id))
        .load(conn)?;
    Ok(path_to_root(&parent_map(pairs), id))
}

/// What keeps a category from being deleted.
#[derive(Debug)]
pub struct Dependents {
    pub children: i64,
    pub articles: i64,
}

/// Sub-categories and articles of a category.
pub fn dependents(conn: &mut DbConnection, id: i64) -> QueryResult<Dependents> {
    let children = categories::table
        .filter(categories::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    let articles = articles::table
        .filter(articles::category_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(Dependents { children, articles })
}

/// Deletes a category (its translations go with it).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(categories::table.find(id)).execute(conn)
}

/// How many categories there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    categories::table.count().get_result(conn)
}

/// Every categorie id, ascending.
pub fn ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    categories::table
        .select(categories::id)
        .order(categories::id)
        .load(conn)
}
