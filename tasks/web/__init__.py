"""Web inputs: URLs, the connect-time guard, the polite fetcher, feeds and sitemaps, crawling."""
