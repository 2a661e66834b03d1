//! The search index's tables: entries written in the transactions of the content they index,
//! and the full-text queries over them (FTS5 on SQLite, `tsvector` and GIN on PostgreSQL).
//! Only what the public may see is ever returned: an article's entry through the read model's
//! view in its own locale, a page's while it and its translation are published.

use chrono::NaiveDateTime;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, SmallInt, Text, Timestamp};

use crate::db::schema::{search_entries, search_index_state};
use crate::db::{DbConnection, Paged, per_backend};
use crate::search::model::{Entry, Kind, Prefix, Query};

/// An entry as inserted.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = search_entries, treat_none_as_null = true)]
struct NewEntry<'a> {
    kind: &'a str,
    subject_id: i64,
    locale: &'a str,
    slug: &'a str,
    title: &'a str,
    summary: Option<&'a str>,
    content: &'a str,
    title_terms: &'a str,
    summary_terms: &'a str,
    body_terms: &'a str,
    title_words: &'a str,
}

impl<'a> From<&'a Entry> for NewEntry<'a> {
    fn from(entry: &'a Entry) -> Self {
        NewEntry {
            kind: entry.kind.as_str(),
            subject_id: entry.subject_id,
            locale: &entry.locale,
            slug: &entry.slug,
            title: &entry.title,
            summary: entry.summary.as_deref(),
            content: &entry.content,
            title_terms: &entry.text.title_terms,
            summary_terms: &entry.text.summary_terms,
            body_terms: &entry.text.body_terms,
            title_words: &entry.text.title_words,
        }
    }
}

/// Writes `entry` in place of the one for its subject and locale, if any: one statement, so
/// two writers of one entry never collide.
pub fn put(conn: &mut DbConnection, entry: &Entry) -> QueryResult<()> {
    let row = NewEntry::from(entry);
    per_backend!(conn, |c| diesel::insert_into(search_entries::table)
        .values(&row)
        .on_conflict((
            search_entries::kind,
            search_entries::subject_id,
            search_entries::locale,
        ))
        .do_update()
        .set(&row)
        .execute(c))?;
    Ok(())
}

/// Adds `entry` to an index that has none for its subject and locale (a rebuild).
pub fn insert(conn: &mut DbConnection, entry: &Entry) -> QueryResult<()> {
    diesel::insert_into(search_entries::table)
        .values(NewEntry::from(entry))
        .execute(conn)
        .map(drop)
}

/// Replaces every entry of a subject with `entries` (all of one kind and subject).
pub fn replace(
    conn: &mut DbConnection,
    kind: Kind,
    subject: i64,
    entries: &[Entry],
) -> QueryResult<()> {
    let kept: Vec<&str> = entries.iter().map(|e| e.locale.as_str()).collect();
    diesel::delete(
        search_entries::table
            .filter(search_entries::kind.eq(kind.as_str()))
            .filter(search_entries::subject_id.eq(subject))
            .filter(search_entries::locale.ne_all(kept)),
    )
    .execute(conn)?;
    for entry in entries {
        put(conn, entry)?;
    }
    Ok(())
}

/// Removes every entry of a subject.
pub fn remove(conn: &mut DbConnection, kind: Kind, subject: i64) -> QueryResult<()> {
    diesel::delete(
        search_entries::table
            .filter(search_entries::kind.eq(kind.as_str()))
            .filter(search_entries::subject_id.eq(subject)),
    )
    .execute(conn)?;
    Ok(())
}

/// Removes a subject's entry in one locale.
pub fn remove_locale(
    conn: &mut DbConnection,
    kind: Kind,
    subject: i64,
    locale: &str,
) -> QueryResult<()> {
    diesel::delete(
        search_entries::table
            .filter(search_entries::kind.eq(kind.as_str()))
            .filter(search_entries::subject_id.eq(subject))
            .filter(search_entries::locale.eq(locale)),
    )
    .execute(conn)?;
    Ok(())
}

/// Empties the index.
pub fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(search_entries::table).execute(conn)?;
    Ok(())
}

/// The analyser version the index was built with, if it was.
pub fn built_with(conn: &mut DbConnection) -> QueryResult<Option<i32>> {
    search_index_state::table
        .select(search_index_state::version)
        .first(conn)
        .optional()
}

/// Records the analyser version the index holds.
pub fn set_built_with(conn: &mut DbConnection, version: i32) -> QueryResult<()> {
    diesel::delete(search_index_state::table).execute(conn)?;
    diesel::insert_into(search_index_state::table)
        .values((
            search_index_state::id.eq(1),
            search_index_state::version.eq(version),
        ))
        .execute(conn)?;
    Ok(())
}

/// A public search.
pub struct Search<'a> {
    pub locale: &'a str,
    pub query: &'a Query,
    pub kinds: &'a [Kind],
    /// Only articles listed in this section of the read model (`kind`, `section_id`): a
    /// category or one below it.
    pub section: Option<(i16, i64)>,
    pub now: NaiveDateTime,
    pub offset: i64,
    pub limit: i64,
}

/// A visible entry found, with what its result is made of.
#[derive(Debug, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub summary: Option<String>,
    #[diesel(sql_type = Text)]
    pub content: String,
    /// An article's card in the read model (it holds the canonical URL).
    #[diesel(sql_type = Nullable<Text>)]
    pub card: Option<String>,
    /// A page's key (URL templates may name it).
    #[diesel(sql_type = Nullable<Text>)]
    pub page_key: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub published_at: Option<NaiveDateTime>,
}

/// An entry found and its rank, with the number found.
#[derive(Debug, QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// What an entry shows with: its article's view in the entry's locale, its page.
const JOINS: &str = "
    LEFT JOIN article_views v
        ON e.kind = 'article' AND v.article_id = e.subject_id AND v.locale = e.locale
    LEFT JOIN pages p ON e.kind = 'page' AND p.id = e.subject_id
    LEFT JOIN page_translations pt ON pt.page_id = p.id AND pt.locale = e.locale";

/// The conditions that keep only what the public may see now (`$3`) in the entry's locale
/// (`$2`), after [`JOINS`].
const VISIBLE: &str = "
    WHERE e.locale = $2
      AND (e.kind <> 'article' OR (v.served_locale = e.locale AND v.published_at <= $3))
      AND (e.kind <> 'page' OR (p.status = 'published' AND pt.status = 'published'))";

/// `kinds` as an SQL list of their stored names (fixed words, never input).
fn kind_list(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|kind| format!("'{}'", kind.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of visible entries matching the query, best first, and how many there are.
pub fn search(conn: &mut DbConnection, search: &Search) -> QueryResult<Paged<Hit>> {
    // Both rank by the same weights: title 1.0, summary 0.4, body 0.2 (`ts_rank_cd`'s
    // defaults for A, B and C). FTS5 ranks only in a query of its own table.
    let (ranked, from, score, text) = match conn {
        DbConnection::Pg(_) => (
            "",
            "search_entries e CROSS JOIN to_tsquery('simple', $1) AS q",
            "ts_rank_cd(e.document, q)::float8",
            search.query.tsquery(),
        ),
        DbConnection::Sqlite(_) => (
            "WITH f AS MATERIALIZED (SELECT rowid AS id, \
             -bm25(search_fts, 1.0, 0.4, 0.2, 0.0) AS rank \
             FROM search_fts WHERE search_fts MATCH $1)",
            "f JOIN search_entries e ON e.id = f.id",
            "f.rank",
            search.query.fts5(),
        ),
    };
    let matches = match conn {
        DbConnection::Pg(_) => "e.document @@ q",
        DbConnection::Sqlite(_) => "TRUE",
    };
    let category = match search.section {
        Some(_) => {
            "AND e.subject_id IN (SELECT s.article_id FROM article_view_sections s \
                    WHERE s.locale = $2 AND s.kind = $6 AND s.section_id = $7)"
        }
        None => "",
    };
    // The page's ids first, from the index alone; then what they show with.
    let sql = format!(
        "{ranked} SELECT e.id, COUNT(*) OVER () AS total
         FROM {from} {JOINS} {VISIBLE} AND {matches} AND e.kind IN ({kinds}) {category}
         ORDER BY {score} DESC, e.id DESC
         LIMIT $4 OFFSET $5",
        kinds = kind_list(search.kinds),
    );
    let sql = placeholders(conn, sql);
    let ranked: Vec<Ranked> = per_backend!(conn, |c| {
        let mut query = diesel::sql_query(sql)
            .into_boxed()
            .bind::<Text, _>(text)
            .bind::<Text, _>(search.locale)
            .bind::<Timestamp, _>(search.now)
            .bind::<BigInt, _>(search.limit)
            .bind::<BigInt, _>(search.offset);
        if let Some((kind, section)) = search.section {
            query = query.bind::<SmallInt, _>(kind).bind::<BigInt, _>(section);
        }
        query.load(c)
    })?;
    let total = match ranked.first() {
        Some(row) => row.total,
        // Past the last page the window has no row to count on.
        None if search.offset > 0 => count(conn, search)?,
        None => 0,
    };
    let ids: Vec<i64> = ranked.iter().map(|r| r.id).collect();
    let mut hits = hits(conn, &ids)?;
    hits.sort_by_key(|hit| ids.iter().position(|id| *id == hit.id));
    Ok(Paged { rows: hits, total })
}

/// The entries `ids` with what they show with.
fn hits(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Hit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers: written into the statement as they are.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "SELECT e.id, e.kind, e.subject_id, e.slug, e.title, e.summary, e.content, v.card,
                p.key AS page_key, COALESCE(v.published_at, p.published_at) AS published_at
         FROM search_entries e {JOINS}
         WHERE e.id IN ({})",
        list.join(", ")
    );
    per_backend!(conn, |c| diesel::sql_query(sql).load(c))
}

/// How many visible entries match (for a page past the last).
fn count(conn: &mut DbConnection, search: &Search) -> QueryResult<i64> {
    let first = Search {
        offset: 0,
        limit: 1,
        ..*search
    };
    Ok(self::search(conn, &first)?.total)
}

/// A suggestion found.
#[derive(Debug, QueryableByName)]
pub struct SuggestionRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub card: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub page_key: Option<String>,
}

/// Up to `limit` visible entries in `locale` whose title has a word starting with each of
/// the prefix's words: tags and authors first, then the newest articles and pages.
pub fn suggest(
    conn: &mut DbConnection,
    locale: &str,
    prefix: &Prefix,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<SuggestionRow>> {
    let (from, matches, text) = match conn {
        DbConnection::Pg(_) => (
            "search_entries e",
            "e.words @@ to_tsquery('simple', $1)",
            prefix.tsquery(),
        ),
        DbConnection::Sqlite(_) => (
            "search_fts JOIN search_entries e ON e.id = search_fts.rowid",
            "search_fts MATCH $1",
            prefix.fts5(),
        ),
    };
    let sql = format!(
        "SELECT e.kind, e.subject_id, e.slug, e.title, v.card, p.key AS page_key
         FROM {from} {JOINS} {VISIBLE} AND {matches}
         ORDER BY CASE WHEN e.kind IN ('tag', 'author') THEN 0 ELSE 1 END,
                  COALESCE(v.published_at, p.published_at) DESC NULLS LAST, e.id DESC
         LIMIT $4"
    );
    let sql = placeholders(conn, sql);
    per_backend!(conn, |c| diesel::sql_query(sql)
        .bind::<Text, _>(&text)
        .bind::<Text, _>(locale)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(c))
}

/// `sql` with PostgreSQL's numbered parameters (`$1`) as SQLite writes them (`?1`).
fn placeholders(conn: &DbConnection, sql: String) -> String {
    match conn {
        DbConnection::Pg(_) => sql,
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
    }
}

/// A condition on `articles.id`: an article with a translation (any status) matching the
/// query of its locale, one query per locale. Queries and locale codes are written into the
/// SQL as literals: a query's text is ASCII letters, digits and its own operators, and
/// quotes are doubled all the same.
pub fn articles_matching(conn: &DbConnection, queries: &[(String, Query)]) -> SqlLiteral<Bool> {
    let literal = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let selects: Vec<String> = queries
        .iter()
        .filter(|(_, query)| !query.is_empty())
        .map(|(locale, query)| match conn {
            DbConnection::Pg(_) => format!(
                "SELECT e.subject_id FROM search_entries e WHERE e.kind = 'article' \
                 AND e.locale = {} AND e.document @@ to_tsquery('simple', {})",
                literal(locale),
                literal(&query.tsquery())
            ),
            DbConnection::Sqlite(_) => format!(
                "SELECT e.subject_id FROM search_fts JOIN search_entries e \
                 ON e.id = search_fts.rowid WHERE search_fts MATCH {} \
                 AND e.kind = 'article' AND e.locale = {}",
                literal(&query.fts5()),
                literal(locale)
            ),
        })
        .collect();
    if selects.is_empty() {
        return diesel::dsl::sql("1 = 0");
    }
    diesel::dsl::sql(&format!("articles.id IN ({})", selects.join(" UNION ")))
}
