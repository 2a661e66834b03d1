DROP TABLE read_model_state;
DROP TABLE article_counters;
DROP TABLE article_views;
