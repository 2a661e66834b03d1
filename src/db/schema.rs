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
