//! Roles and what each may do: the one place that decides permissions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a principal acts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: users, locales, settings, webhooks, all content.
    Admin,
    /// All content: write, publish, moderate; categories, authors, tags.
    Editor,
    /// Own articles, and may publish them.
    Author,
    /// Own drafts, submitted for review.
    Contributor,
    /// Comments, reactions, votes, own profile.
    Reader,
    /// An anonymous app or site visitor: reactions, votes, comments into moderation.
    Visitor,
}

/// Something a role may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Manage user accounts and roles.
    ManageUsers,
    /// Manage locales, reaction kinds, API keys and other site settings; read the audit log.
    ManageSettings,
    /// Manage webhook endpoints and their deliveries.
    ManageWebhooks,
    /// Manage categories, authors (bylines) and tags.
    ManageTaxonomy,
    /// Write, publish and delete static pages (imprint, privacy…).
    ManagePages,
    /// Edit any article, whoever wrote it.
    EditAnyArticle,
    /// Publish, schedule or archive any article.
    PublishAnyArticle,
    /// Write own articles (drafts, submitted for review).
    WriteOwnArticles,
    /// Publish own articles.
    PublishOwnArticles,
    /// Upload pictures to the media library, and change or delete one's own.
    UploadMedia,
    /// Change or delete any picture of the media library.
    EditAnyMedia,
    /// Moderate comments and ban commenters.
    ModerateComments,
    /// Comment on articles.
    Comment,
    /// React to articles.
    React,
    /// Vote in polls.
    Vote,
    /// Edit own account profile.
    EditOwnProfile,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Editor,
        Role::Author,
        Role::Contributor,
        Role::Reader,
        Role::Visitor,
    ];

    /// The role table of DESIGN.md ("Auth and roles").
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Editor => !matches!(permission, ManageUsers | ManageSettings | ManageWebhooks),
            Role::Author => matches!(
                permission,
                WriteOwnArticles
                    | PublishOwnArticles
                    | UploadMedia
                    | Comment
                    | React
                    | Vote
                    | EditOwnProfile
            ),
            Role::Contributor => matches!(
                permission,
                WriteOwnArticles | UploadMedia | Comment | React | Vote | EditOwnProfile
            ),
            Role::Reader => matches!(permission, Comment | React | Vote | EditOwnProfile),
            Role::Visitor => matches!(permission, Comment | React | Vote),
        }
    }

    /// The role's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
            Role::Reader => "reader",
            Role::Visitor => "visitor",
        }
    }

    /// Parses a stored or sent role name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Whether accounts (users table) can have this role; visitors have no account.
    pub fn is_account_role(self) -> bool {
        self != Role::Visitor
    }
}
