DROP TABLE read_model_state;
DROP TABLE article_counters;
DROP TABLE article_view_counts;
DROP TABLE article_view_sections;
DROP TABLE article_views;
