-- newsflow warehouse, version 7: what each batch's lookups need, kept beside the indexes so that a
-- batch reads a few rows per candidate instead of scanning (issue 7: cost of a batch into a large
-- warehouse).

CREATE TABLE internals.fingerprint_sizes (article_id VARCHAR NOT NULL, winnowed INTEGER NOT NULL);
COMMENT ON TABLE internals.fingerprint_sizes IS 'Fingerprints (rows of internals.fingerprints) per article: a candidate pair must share a part of the smaller set.';
INSERT INTO internals.fingerprint_sizes
SELECT article_id, count(*) FROM internals.fingerprints GROUP BY article_id;

CREATE TABLE internals.story_index (
    story_id VARCHAR NOT NULL,
    norm DOUBLE NOT NULL,
    first_published TIMESTAMP,
    last_published TIMESTAMP
);
COMMENT ON TABLE internals.story_index IS 'Per story: length of its centroid (internals.story_terms) and the publication span of its articles (NULL when none is dated): which stories an article may join, ranked by cosine.';
INSERT INTO internals.story_index
SELECT s.story_id, coalesce(t.norm, 1.0), p.first_published, p.last_published
FROM stories s
LEFT JOIN (SELECT story_id, sqrt(sum(weight * weight)) AS norm FROM internals.story_terms GROUP BY story_id) t USING (story_id)
LEFT JOIN (SELECT sa.story_id, min(a.published_at) AS first_published, max(a.published_at) AS last_published
           FROM story_articles sa JOIN articles a USING (article_id) GROUP BY sa.story_id) p USING (story_id);
