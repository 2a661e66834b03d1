DROP TABLE search_index_state;
DROP TABLE search_entries;
