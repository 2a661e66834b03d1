//! Menu rows, the item tree as written, and menus as delivered.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::authors::model::check_url;
use crate::domain::{FieldError, Lines, check_text};
use crate::locales::model::LocaleChoice;
use crate::slug::check_slug;

/// Most items in a menu, children included.
pub const MAX_ITEMS: usize = 200;
/// Longest item label.
pub const MAX_LABEL_CHARS: usize = 100;

/// A stored menu.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::menus)]
pub struct MenuRow {
    pub id: i64,
    pub name: String,
    /// JSON array of [`MenuItemInput`].
    pub items: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MenuRow {
    /// The item tree as stored.
    pub fn item_tree(&self) -> Vec<MenuItemInput> {
        serde_json::from_str(&self.items).unwrap_or_default()
    }
}

/// What a menu item leads to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Category,
    Page,
    Article,
    Tag,
    Author,
    /// An address outside the site (`url`).
    External,
}

/// A menu item as written: labels by locale, a target, and (on the first level) children.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuItemInput {
    /// Label by locale code (at least one; 1 to 100 characters).
    #[schema(example = json!({"tr": "ORTA ASYA", "fr": "ASIE CENTRALE"}))]
    pub labels: BTreeMap<String, String>,
    pub kind: TargetKind,
    /// The category, page, article, tag or author (not for `external`).
    pub target_id: Option<i64>,
    /// The address, for `external` only.
    pub url: Option<String>,
    /// Items under this one (one level: they have no children).
    #[serde(default)]
    pub children: Vec<MenuChildInput>,
}

/// An item under a first-level item, as written: labels by locale and a target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuChildInput {
    /// Label by locale code (at least one; 1 to 100 characters).
    #[schema(example = json!({"tr": "Kazakistan", "fr": "Kazakhstan"}))]
    pub labels: BTreeMap<String, String>,
    pub kind: TargetKind,
    /// The category, page, article, tag or author (not for `external`).
    pub target_id: Option<i64>,
    /// The address, for `external` only.
    pub url: Option<String>,
}

impl From<&MenuChildInput> for MenuItemInput {
    fn from(child: &MenuChildInput) -> Self {
        Self {
            labels: child.labels.clone(),
            kind: child.kind,
            target_id: child.target_id,
            url: child.url.clone(),
            children: Vec::new(),
        }
    }
}

/// What is wrong with a menu's name.
pub fn name_errors(name: &str) -> Vec<FieldError> {
    check_slug(name, "name").err().into_iter().collect()
}

/// What is wrong with an item tree (its targets' existence aside).
pub fn items_errors(site: &[String], items: &[MenuItemInput]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let total: usize = items.iter().map(|item| 1 + item.children.len()).sum();
    if total > MAX_ITEMS {
        errors.push(FieldError::new(
            "items",
            format!("holds at most {MAX_ITEMS} items, children included"),
        ));
    }
    for (n, item) in items.iter().enumerate() {
        item_errors(site, item, &format!("items[{n}]"), &mut errors);
    }
    errors
}

fn item_errors(site: &[String], item: &MenuItemInput, name: &str, errors: &mut Vec<FieldError>) {
    if item.labels.is_empty() {
        errors.push(FieldError::new(
            format!("{name}.labels"),
            "must name at least one locale",
        ));
    }
    for (locale, label) in &item.labels {
        let field = format!("{name}.labels.{locale}");
        if !site.contains(locale) {
            errors.push(FieldError::new(
                field,
                format!("is not a site locale ({})", site.join(", ")),
            ));
        } else if let Some(error) = check_text(label, &field, Lines::One, 1, MAX_LABEL_CHARS) {
            errors.push(error);
        }
    }
    match (item.kind, item.target_id, &item.url) {
        (TargetKind::External, None, Some(url)) => {
            if let Err(error) = check_url(url, &format!("{name}.url")) {
                errors.push(error);
            }
        }
        (TargetKind::External, _, _) => errors.push(FieldError::new(
            format!("{name}.url"),
            "an external item has a url and no target_id",
        )),
        (_, Some(_), None) => {}
        _ => errors.push(FieldError::new(
            format!("{name}.target_id"),
            "an item of this kind has a target_id and no url",
        )),
    }
    for (n, child) in item.children.iter().enumerate() {
        item_errors(
            site,
            &MenuItemInput::from(child),
            &format!("{name}.children[{n}]"),
            errors,
        );
    }
}

/// Every (kind, id) an item tree targets, with where it is named.
pub fn targets(items: &[MenuItemInput]) -> Vec<(TargetKind, i64, String)> {
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let name = format!("items[{n}]");
        if let Some(id) = item.target_id {
            out.push((item.kind, id, format!("{name}.target_id")));
        }
        for (c, child) in item.children.iter().enumerate() {
            if let Some(id) = child.target_id {
                out.push((child.kind, id, format!("{name}.children[{c}].target_id")));
            }
        }
    }
    out
}

/// A menu as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMenu {
    pub name: String,
    pub items: Vec<MenuItemInput>,
    /// Edit version; send it in `If-Match`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AdminMenu {
    pub fn new(row: MenuRow) -> Self {
        Self {
            items: row.item_tree(),
            name: row.name,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A resolved target: its slug (where it has one) and canonical URL.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub slug: Option<String>,
    pub url: String,
}

/// A menu item as delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMenuItem {
    /// Label in the served locale (or the nearest one that has it).
    pub label: String,
    pub kind: TargetKind,
    /// Where it leads: the target's canonical URL in the served locale, or the external address.
    pub url: String,
    /// The target's slug in the served locale.
    pub slug: Option<String>,
    pub target_id: Option<i64>,
    /// Items under this one (which have none).
    #[schema(no_recursion)]
    pub children: Vec<PublicMenuItem>,
}

/// A menu as delivered in one locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMenu {
    pub name: String,
    /// The locale asked for.
    pub locale: String,
    /// Items whose target is visible, in order.
    pub items: Vec<PublicMenuItem>,
}

/// `items` in `choice`'s locale, their targets resolved by `resolve` (`None`: not visible,
/// and the item with its children is left out).
pub fn resolved(
    items: &[MenuItemInput],
    choice: &LocaleChoice,
    resolve: &impl Fn(TargetKind, i64) -> Option<Resolved>,
) -> Vec<PublicMenuItem> {
    items
        .iter()
        .filter_map(|item| {
            let target = match (item.kind, item.target_id, &item.url) {
                (TargetKind::External, _, Some(url)) => Resolved {
                    slug: None,
                    url: url.clone(),
                },
                (kind, Some(id), _) => resolve(kind, id)?,
                _ => return None,
            };
            let labels: Vec<(&String, &String)> = item.labels.iter().collect();
            let label = choice
                .name_in(&labels, |(locale, _)| locale)
                .map(|(_, label)| (*label).clone())
                .unwrap_or_default();
            Some(PublicMenuItem {
                label,
                kind: item.kind,
                url: target.url,
                slug: target.slug,
                target_id: item.target_id,
                children: resolved(
                    &item
                        .children
                        .iter()
                        .map(MenuItemInput::from)
                        .collect::<Vec<_>>(),
                    choice,
                    resolve,
                ),
            })
        })
        .collect()
}
