-- newsflow warehouse, version 6: quote speakers linked to entities, so that "Kim" and "Kim Jong-un"
-- are one speaker.

ALTER TABLE quotes ADD COLUMN speaker_entity_id VARCHAR;
COMMENT ON COLUMN quotes.speaker_entity_id IS 'The speaker as an entity (entities.entity_id): the entity the article mentions under that name (Kim → Kim Jong Un), else the entity with that name; NULL when the speaker is unknown or matches no entity.';

CREATE OR REPLACE VIEW quotes_per_speaker AS
SELECT coalesce(any_value(e.name), min(q.speaker)) AS speaker, q.speaker_entity_id AS entity_id,
       list(DISTINCT q.speaker ORDER BY q.speaker) AS written_as,
       count(DISTINCT q.quote_id) AS quotes, count(*) AS reports, count(DISTINCT q.article_id) AS articles
FROM quotes q LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id
WHERE q.speaker IS NOT NULL
GROUP BY q.speaker_entity_id, CASE WHEN q.speaker_entity_id IS NULL THEN q.speaker END;
COMMENT ON VIEW quotes_per_speaker IS 'Per speaker (one row per entity; an unlinked speaker by its name): distinct quotes, how many times they were reported, in how many articles, and the names the quotes gave.';
