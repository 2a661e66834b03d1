//! What each scope lets a key do, decided twice: per route (a key may call a management route
//! only when it holds the route's scope; routes no scope names, such as users, locales, site
//! settings, API keys and the audit log, refuse every key) and per permission (a key's
//! principal has the permissions its scopes map onto in the role table, and no others).
//! The OpenAPI document names each route's scope (`security: api_key: [scope]`), from the same
//! table.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::roles::Permission;

/// What a key may be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read everything in the management API: drafts, revisions, previews, the media library.
    #[serde(rename = "content:read")]
    ContentRead,
    /// Write and publish articles, pages, categories, tags, authors and menus.
    #[serde(rename = "content:write")]
    ContentWrite,
    /// Upload, change and delete media.
    #[serde(rename = "media:write")]
    MediaWrite,
    /// Read and moderate comments; ban commenters.
    #[serde(rename = "comments:moderate")]
    CommentsModerate,
    /// Manage webhook endpoints and their deliveries.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::ContentRead,
        Scope::ContentWrite,
        Scope::MediaWrite,
        Scope::CommentsModerate,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContentRead => "content:read",
            Scope::ContentWrite => "content:write",
            Scope::MediaWrite => "media:write",
            Scope::CommentsModerate => "comments:moderate",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    /// Whether holding this scope gives `permission` (the route's scope decides reads from
    /// writes; these are what the handlers behind those routes check).
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        let content = matches!(
            permission,
            WriteOwnArticles
                | EditAnyArticle
                | PublishAnyArticle
                | PublishOwnArticles
                | ManageTaxonomy
                | ManagePages
        );
        let media = matches!(permission, UploadMedia | EditAnyMedia);
        match self {
            Scope::ContentRead => content || media,
            Scope::ContentWrite => content,
            Scope::MediaWrite => media,
            Scope::CommentsModerate => permission == ModerateComments,
            Scope::WebhooksManage => permission == ManageWebhooks,
        }
    }
}

/// Where a route stands for keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// A delivery read (`GET` outside the management API): any key.
    Open,
    /// A management route for keys holding this scope.
    Needs(Scope),
    /// Not for keys (accounts, settings, keys themselves, the audit log, sign-in).
    Closed,
}

/// The gate of route `pattern` (as registered, e.g. `/api/v1/admin/articles/{id}`) called
/// with `method` (`GET`, `POST`…).
pub fn gate(method: &str, pattern: &str) -> Gate {
    if pattern.starts_with("/api/v1/auth") {
        return Gate::Closed;
    }
    let read = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    let Some(admin) = pattern.strip_prefix("/api/v1/admin/") else {
        // Readers' writes (comments, reactions, reports) are for people, not keys.
        return if read { Gate::Open } else { Gate::Closed };
    };
    let resource = admin.split('/').next().unwrap_or_default();
    let write_or = |scope: Scope| {
        if read {
            Gate::Needs(Scope::ContentRead)
        } else {
            Gate::Needs(scope)
        }
    };
    if admin.contains("/previews") || resource == "previews" {
        return Gate::Needs(Scope::ContentRead);
    }
    match resource {
        "articles" | "pages" | "categories" | "tags" | "authors" | "menus" | "schedule" => {
            write_or(Scope::ContentWrite)
        }
        "media" => write_or(Scope::MediaWrite),
        "comments" | "comment-bans" => Gate::Needs(Scope::CommentsModerate),
        "webhooks" => Gate::Needs(Scope::WebhooksManage),
        _ => Gate::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_onto_scopes() {
        let (get, post) = ("GET", "POST");
        assert_eq!(
            gate(get, "/api/v1/admin/articles/{id}"),
            Gate::Needs(Scope::ContentRead)
        );
        assert_eq!(
            gate(post, "/api/v1/admin/articles"),
            Gate::Needs(Scope::ContentWrite)
        );
        assert_eq!(
            gate(post, "/api/v1/admin/articles/{id}/previews"),
            Gate::Needs(Scope::ContentRead)
        );
        assert_eq!(
            gate(post, "/api/v1/admin/media"),
            Gate::Needs(Scope::MediaWrite)
        );
        assert_eq!(gate(get, "/api/v1/admin/users"), Gate::Closed);
        assert_eq!(gate(post, "/api/v1/admin/api-keys"), Gate::Closed);
        assert_eq!(gate(get, "/api/v1/auth/me"), Gate::Closed);
        assert_eq!(gate(get, "/api/v1/articles"), Gate::Open);
        assert_eq!(gate(post, "/api/v1/articles/{key}/comments"), Gate::Closed);
    }
}
