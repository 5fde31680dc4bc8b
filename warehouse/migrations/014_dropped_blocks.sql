-- newsflow warehouse, version 14: what trafilatura left out of an HTML page is recorded too (issue 15).
-- No new column: each text block of a page that did not reach the body is a removed line with rule
-- dropped:<reason> and a negative position (the body's lines are numbered by the extracted text,
-- where a dropped block has no place), so "what was cut from this article" has an answer for HTML.
COMMENT ON TABLE removed_lines IS 'Every source line that is not in the body, and the rule that took it out; for an HTML page also the text blocks of the page that did not reach the body (rule dropped:*).';
COMMENT ON COLUMN removed_lines.position IS 'Line number in the source text, from 0 (same numbering as paragraphs.line); negative for a block of an HTML page left out of the text: -N..-1 in page order, before line 0.';
COMMENT ON COLUMN removed_lines.text IS 'The removed line as it was (a dropped HTML block: its text, whitespace collapsed, at most 2,000 characters).';
COMMENT ON COLUMN removed_lines.rule IS 'Rule name from tasks/rules/boilerplate.toml, site_repeated (learned per site), image_caption, section_label, markdown_image, meta:* when the line became metadata (title, site_name, date), or dropped:<reason> for a block of at least 4 words of an HTML page that did not reach the body (at most 100 per page), the reason read from the markup around it: navigation, comments, related, footer, header, sidebar, form, hidden, title (repeats the title), link_density (mostly links), other.';
