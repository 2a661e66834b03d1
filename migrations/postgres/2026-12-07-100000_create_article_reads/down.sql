DROP TABLE article_reads;
