-- newsflow warehouse, version 19: story consolidation (issue 16). After each batch's streaming
-- assignment, the stories the batch touched and their shortlisted neighbours are re-clustered
-- (tasks/stories/consolidation.py); every merge and split is recorded here, and a merged story's
-- id stays resolvable through story_aliases.
CREATE TABLE story_events (
    run_id         VARCHAR NOT NULL,
    happened_at    TIMESTAMP NOT NULL,
    kind           VARCHAR NOT NULL,
    story_id       VARCHAR NOT NULL,
    into_story_id  VARCHAR NOT NULL,
    articles       INTEGER NOT NULL,
    articles_before INTEGER NOT NULL
);
COMMENT ON TABLE story_events IS 'Every change consolidation made to stories already formed: one row per (story, story its articles went to). A merge empties a story into another (its id then resolves through story_aliases); a split moves part of a story into another story, new or existing. Streaming joins are not listed (story_articles.run_id says when an article joined).';
COMMENT ON COLUMN story_events.run_id IS 'The run whose batch triggered it (runs.run_id).';
COMMENT ON COLUMN story_events.happened_at IS 'UTC time of the batch load that made the change.';
COMMENT ON COLUMN story_events.kind IS 'merge: all of story_id''s remaining articles went to into_story_id and story_id no longer exists; split: some of story_id''s articles went to into_story_id, story_id kept the others.';
COMMENT ON COLUMN story_events.story_id IS 'The story the articles left.';
COMMENT ON COLUMN story_events.into_story_id IS 'The story they went to (stories.story_id when it happened; a split may open it).';
COMMENT ON COLUMN story_events.articles IS 'Articles moved from story_id to into_story_id.';
COMMENT ON COLUMN story_events.articles_before IS 'Articles story_id held just before the change.';

CREATE TABLE story_aliases (
    story_id      VARCHAR NOT NULL,
    into_story_id VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    merged_at     TIMESTAMP NOT NULL
);
COMMENT ON TABLE story_aliases IS 'Ids of stories merged into others, so that an id once published stays resolvable: story_id (no longer in stories) is now into_story_id, which is always a current story (an alias to a story merged later is re-pointed). One row per merged id.';
COMMENT ON COLUMN story_aliases.story_id IS 'The merged story''s id (once stories.story_id).';
COMMENT ON COLUMN story_aliases.into_story_id IS 'The story it is now part of (stories.story_id).';
COMMENT ON COLUMN story_aliases.run_id IS 'The run that merged it (runs.run_id; re-pointing keeps the first).';
COMMENT ON COLUMN story_aliases.merged_at IS 'UTC time of the merge.';

COMMENT ON COLUMN stories.story_id IS 's_ + the article_id of the article that opened the story (or, for a part split off by consolidation, of its earliest article); never reused. A story merged into another leaves this table: its id resolves through story_aliases.';
COMMENT ON COLUMN story_articles.story_id IS 'The story (stories.story_id); consolidation may move an article to another story (story_events).';
COMMENT ON COLUMN story_articles.similarity IS 'Cosine similarity to the story it first joined, when it joined (1 for the article that opened it); kept when consolidation moves it.';
