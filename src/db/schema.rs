//! The tables, in diesel's portable types (BigInt, Integer, Text, Bool, Timestamp), identical
//! on SQLite and PostgreSQL.

diesel::table! {
    /// Site locales.
    locales (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        is_default -> Bool,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Staff and reader accounts.
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Text,
        security_version -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Refresh tokens, by hash, in families (one per login session).
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Anonymous visitors.
    visitors (id) {
        id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The category tree.
    categories (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A category's name, slug and description in one locale.
    category_translations (id) {
        id -> BigInt,
        category_id -> BigInt,
        locale -> Text,
        name -> Text,
        slug -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    /// Tags.
    tags (id) {
        id -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A tag's name and slug in one locale.
    tag_translations (id) {
        id -> BigInt,
        tag_id -> BigInt,
        locale -> Text,
        name -> Text,
        slug -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    /// Bylines.
    authors (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        user_id -> Nullable<BigInt>,
        avatar_url -> Nullable<Text>,
        links -> Text,
        avatar_media_id -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// An author's bio in one locale.
    author_bios (id) {
        id -> BigInt,
        author_id -> BigInt,
        locale -> Text,
        bio -> Text,
    }
}

diesel::table! {
    /// The locale-independent part of articles.
    articles (id) {
        id -> BigInt,
        category_id -> BigInt,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        featured -> Bool,
        comments_enabled -> Bool,
        source_name -> Nullable<Text>,
        source_url -> Nullable<Text>,
        cover_media_id -> Nullable<BigInt>,
        source_locale -> Text,
        created_by -> Nullable<BigInt>,
        has_published_translation -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        unpublish_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// An article's bylines, in order.
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    /// An article's tags.
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    /// An article in one locale.
    article_translations (id) {
        id -> BigInt,
        article_id -> BigInt,
        locale -> Text,
        title -> Text,
        slug -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        status -> Text,
        reading_time_minutes -> Integer,
        search_text -> Text,
        source_version -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Every slug an article has had, per locale.
    article_slugs (id) {
        id -> BigInt,
        article_id -> BigInt,
        locale -> Text,
        slug -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Earlier states of translations of articles and pages.
    revisions (id) {
        id -> BigInt,
        subject -> Text,
        subject_id -> BigInt,
        locale -> Text,
        translation_version -> BigInt,
        title -> Text,
        slug -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        status -> Text,
        saved_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Published corrections of an article.
    article_corrections (id) {
        id -> BigInt,
        article_id -> BigInt,
        at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    /// Reaction kinds (love, applause, …); retired ones keep their reactions.
    reaction_kinds (id) {
        id -> BigInt,
        kind_key -> Text,
        emoji -> Text,
        position -> Integer,
        retired_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A reaction kind's label per locale.
    reaction_kind_labels (id) {
        id -> BigInt,
        kind_id -> BigInt,
        locale -> Text,
        label -> Text,
    }
}

diesel::table! {
    /// One reaction per article per account or visitor.
    reactions (id) {
        id -> BigInt,
        article_id -> BigInt,
        user_id -> Nullable<BigInt>,
        visitor_id -> Nullable<BigInt>,
        kind_id -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Threaded comments on articles.
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        root_id -> Nullable<BigInt>,
        depth -> Integer,
        user_id -> Nullable<BigInt>,
        visitor_id -> Nullable<BigInt>,
        author_name -> Text,
        author_kind -> Text,
        body -> Nullable<Text>,
        status -> Text,
        report_count -> Integer,
        deleted_at -> Nullable<Timestamp>,
        visible -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Reports on comments, one per comment per actor.
    comment_reports (id) {
        id -> BigInt,
        comment_id -> BigInt,
        user_id -> Nullable<BigInt>,
        visitor_id -> Nullable<BigInt>,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        ip -> Nullable<Text>,
        handled -> Bool,
    }
}

diesel::table! {
    /// Accounts, visitors and client networks that may not comment, report or react.
    comment_bans (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        visitor_id -> Nullable<BigInt>,
        network -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Answers to writes sent with an `Idempotency-Key`, kept a day.
    idempotency_keys (id) {
        id -> BigInt,
        actor -> Text,
        idempotency_key -> Text,
        request -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The delivery read model: each visible article as served in each site locale.
    article_views (article_id, locale) {
        article_id -> BigInt,
        locale -> Text,
        served_locale -> Text,
        slug -> Text,
        title -> Text,
        category_id -> BigInt,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        featured -> Bool,
        surrogate_keys -> Text,
        card -> Text,
        document -> Text,
    }
}

diesel::table! {
    /// Each view under every list it is in: its category and those above it, the whole site,
    /// its tags, its authors, the featured articles.
    article_view_sections (locale, kind, section_id, published_at, article_id) {
        locale -> Text,
        kind -> SmallInt,
        section_id -> BigInt,
        published_at -> Timestamp,
        article_id -> BigInt,
        own -> Bool,
    }
}

diesel::table! {
    /// Section rows per locale, section and `own`.
    article_view_counts (locale, kind, section_id, own) {
        locale -> Text,
        kind -> SmallInt,
        section_id -> BigInt,
        own -> Bool,
        total -> BigInt,
    }
}

diesel::table! {
    /// The site's settings: one row.
    site_settings (id) {
        id -> Integer,
        social -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_address -> Nullable<Text>,
        version -> BigInt,
        updated_at -> Timestamp,
        logo_media_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// The site's name, description and copyright line per locale.
    site_setting_translations (locale) {
        locale -> Text,
        name -> Text,
        description -> Nullable<Text>,
        copyright -> Nullable<Text>,
    }
}

diesel::table! {
    /// Public comments and reactions per article.
    article_counters (article_id) {
        article_id -> BigInt,
        comment_count -> BigInt,
        reaction_counts -> Text,
    }
}

diesel::table! {
    /// The shape of the read model the tables hold.
    read_model_state (id) {
        id -> Integer,
        version -> Integer,
        urls -> Text,
    }
}

diesel::table! {
    /// An uploaded picture, its files addressed by the SHA-256 of its bytes.
    media (id) {
        id -> BigInt,
        sha256 -> Text,
        mime -> Text,
        file_name -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        credit -> Nullable<Text>,
        focal_point -> Nullable<Text>,
        renditions -> Text,
        search_text -> Text,
        uploaded_by -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A picture's alt text and caption in one locale.
    media_translations (id) {
        id -> BigInt,
        media_id -> BigInt,
        locale -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
    }
}

diesel::table! {
    /// One picture of an article's gallery, with its captions by locale (JSON).
    article_gallery (article_id, position) {
        article_id -> BigInt,
        position -> Integer,
        media_id -> BigInt,
        captions -> Text,
    }
}

diesel::table! {
    /// A named menu: its item tree as JSON.
    menus (id) {
        id -> BigInt,
        name -> Text,
        items -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Static pages: the locale-independent part.
    pages (id) {
        id -> BigInt,
        key -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        source_locale -> Text,
        created_by -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One translation of a page per locale.
    page_translations (id) {
        id -> BigInt,
        page_id -> BigInt,
        locale -> Text,
        title -> Text,
        slug -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Reads of articles per hour.
    article_reads (article_id, hour) {
        article_id -> BigInt,
        hour -> Timestamp,
        count -> Integer,
    }
}

diesel::table! {
    /// Draft previews.
    previews (id) {
        id -> BigInt,
        token_hash -> Text,
        subject -> Text,
        subject_id -> BigInt,
        locale -> Text,
        created_by -> Nullable<BigInt>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Scheduled transitions of articles.
    scheduled_transitions (id) {
        id -> BigInt,
        article_id -> BigInt,
        action -> Text,
        due_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    /// A translation's own publication times, while it has any.
    article_translation_times (translation_id) {
        translation_id -> BigInt,
        publish_at -> Nullable<Timestamp>,
        unpublish_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The search index: an entry per article, page and tag translation and per author and
    /// locale, with the analysed terms the full-text indexes are built from (FTS5 on SQLite,
    /// generated `tsvector` columns on PostgreSQL, which this schema leaves out).
    search_entries (id) {
        id -> BigInt,
        kind -> Text,
        subject_id -> BigInt,
        locale -> Text,
        slug -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        content -> Text,
        title_terms -> Text,
        summary_terms -> Text,
        body_terms -> Text,
        title_words -> Text,
    }
}

diesel::table! {
    /// Which analyser built the search index.
    search_index_state (id) {
        id -> Integer,
        version -> Integer,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(category_translations -> categories (category_id));
diesel::joinable!(tag_translations -> tags (tag_id));
diesel::joinable!(author_bios -> authors (author_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(media_translations -> media (media_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_translations -> articles (article_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(page_translations -> pages (page_id));
diesel::joinable!(article_reads -> articles (article_id));
diesel::joinable!(scheduled_transitions -> articles (article_id));
diesel::joinable!(article_corrections -> articles (article_id));
diesel::joinable!(reaction_kind_labels -> reaction_kinds (kind_id));
diesel::joinable!(reactions -> articles (article_id));
diesel::joinable!(reactions -> reaction_kinds (kind_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(article_views -> articles (article_id));
diesel::joinable!(article_view_sections -> articles (article_id));
diesel::joinable!(article_counters -> articles (article_id));
diesel::joinable!(comment_reports -> comments (comment_id));
diesel::table! {
    /// The outbox of changes, in commit order.
    events (id) {
        id -> BigInt,
        name -> Text,
        resource -> Text,
        resource_id -> BigInt,
        locale -> Nullable<Text>,
        action -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// How far events have been handed to webhook endpoints.
    event_fanout (id) {
        id -> SmallInt,
        last_event -> BigInt,
    }
}

diesel::table! {
    /// Webhook endpoints.
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        description -> Text,
        from_event -> BigInt,
        failing_since -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One event (or ping) to deliver to one endpoint.
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> Nullable<BigInt>,
        event_name -> Text,
        subject -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Each attempt at a delivery.
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        at -> Timestamp,
        status_code -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
        response -> Nullable<Text>,
    }
}

diesel::table! {
    /// API keys, by the hash of the key.
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Management writes: who did what to which resource.
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        user_id -> Nullable<BigInt>,
        api_key_id -> Nullable<BigInt>,
        action -> Text,
        resource -> Text,
        resource_id -> Nullable<Text>,
        request_id -> Text,
        fields -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    locales,
    article_translation_times,
    search_entries,
    search_index_state,
    users,
    refresh_tokens,
    visitors,
    categories,
    category_translations,
    tags,
    tag_translations,
    authors,
    author_bios,
    articles,
    article_authors,
    article_tags,
    article_translations,
    article_slugs,
    revisions,
    article_corrections,
    reaction_kinds,
    reaction_kind_labels,
    reactions,
    comments,
    comment_reports,
    comment_bans,
    idempotency_keys,
    article_views,
    article_view_sections,
    article_view_counts,
    article_counters,
    read_model_state,
    site_settings,
    site_setting_translations,
    media,
    media_translations,
    article_gallery,
    menus,
    pages,
    page_translations,
    article_reads,
    previews,
    scheduled_transitions,
    events,
    event_fanout,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    api_keys,
    audit_log,
);
