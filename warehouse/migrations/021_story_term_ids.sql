-- newsflow warehouse, version 21: story centroid rows carry their term's number (internals.term_df),
-- so that the story shortlist (warehouse/load/stories.py story_shortlists) joins and scans integers,
-- not strings: at 100,000 articles its two joins over 3 million rows took 0.70 s a batch by term
-- and 0.32 s by number. The side centroids' prefixed terms (tasks/stories/evidence.py), which
-- no article vector holds, have no number.
ALTER TABLE internals.story_terms ADD COLUMN term_id INTEGER;
UPDATE internals.story_terms AS s SET term_id = d.term_id FROM internals.term_df AS d WHERE d.term = s.term;
COMMENT ON COLUMN internals.story_terms.term_id IS 'The term''s number (internals.term_df); NULL for a side centroid''s prefixed term.';
