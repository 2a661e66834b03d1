DROP TABLE search_index_state;
DROP INDEX article_views_shown;
DROP INDEX search_entries_found;
DROP TRIGGER search_entries_updated;
DROP TRIGGER search_entries_deleted;
DROP TRIGGER search_entries_inserted;
DROP TABLE search_fts;
DROP TABLE search_entries;
