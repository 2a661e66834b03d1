-- Reads of articles, counted per article and hour: the server adds up reads in memory and
-- writes them here in batches, so no read costs a write; the most-read lists add up a window's
-- hours. Hours older than the longest window are pruned.
CREATE TABLE article_reads (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (article_id, hour)
);
CREATE INDEX article_reads_hour ON article_reads (hour, article_id);
