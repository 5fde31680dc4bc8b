import pytest

from tasks.urls import canonical_url, is_web_url, origin, same_site


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
