-- newsflow warehouse, version 5: people, places and organisations (filled by the enrichment stage).

CREATE TABLE entities (
    entity_id VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    key       VARCHAR NOT NULL
);
COMMENT ON TABLE entities IS 'People, places and organisations, name variants merged (Kim Jong-un / Kim Jong Un / M. Kim; Vostotchny / Vostochny; Poutine / Putin).';
COMMENT ON COLUMN entities.entity_id IS 'e_ + a hash of kind and key; stable.';
COMMENT ON COLUMN entities.name IS 'The fullest spelling (most words, titles and leading common nouns dropped), e.g. Vladimir Poutine.';
COMMENT ON COLUMN entities.kind IS 'person, place or organisation: the label most of its mentions got.';
COMMENT ON COLUMN entities.key IS 'Merge key: titles and leading common nouns dropped, accents/case/hyphens and transliteration (tch/ch, ou/u, final e) folded.';

CREATE TABLE mentions (
    article_id VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    surface    VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    label      VARCHAR NOT NULL
);
COMMENT ON TABLE mentions IS 'Each mention of an entity in an article body, as written.';
COMMENT ON COLUMN mentions.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN mentions.entity_id IS 'The entity (entities.entity_id).';
COMMENT ON COLUMN mentions.surface IS 'The text as written, e.g. M. Kim.';
COMMENT ON COLUMN mentions.position IS 'Paragraph (paragraphs.position).';
COMMENT ON COLUMN mentions.start IS 'Character offset in the paragraph.';
COMMENT ON COLUMN mentions.label IS 'What the model called this mention (person, place, organisation); entities.kind is the most frequent.';
