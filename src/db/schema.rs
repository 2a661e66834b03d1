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

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(locales, users, refresh_tokens, visitors);
