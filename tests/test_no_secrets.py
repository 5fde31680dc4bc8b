"""No secret is written in the repository: credentials come from the environment or Prefect
Secret blocks. Scans every tracked file (and untracked, not ignored ones)."""

import re
import subprocess

from tests.conftest import ROOT

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "API key": re.compile(r"\bsk-[A-Za-z0-9]{20,}\b"),
    "Prefect API key": re.compile(r"\bpnu_[A-Za-z0-9]{20,}\b"),
    "credential in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"{}$]{3,}@"),
    "literal credential": re.compile(
        r"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b\s*[:=]\s*['\"][^'\"{}$<>\s]{6,}['\"]"),
}


def repo_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if f != "tests/test_no_secrets.py"]


def test_no_literal_secrets_in_the_repository():
    files = repo_files()
    assert "prefect.yaml" in files and len(files) > 30
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {kind}" for kind, pattern in PATTERNS.items() if pattern.search(text)]
    assert found == []


def test_the_scanner_finds_what_it_looks_for():
    samples = ["-----BEGIN RSA PRIVATE KEY-----", "AKIAIOSFODNN7EXAMPLE", "password: 'hunter22'",
               "postgresql://newsflow:s3cr3t@db:5432/lake", "PREFECT_API_KEY=pnu_" + "a" * 36]
    for sample in samples:
        assert any(p.search(sample) for p in PATTERNS.values()), sample
    for harmless in ["password: '{{ prefect.blocks.secret.pg-password }}'", "token = os.environ['TOKEN']",
                     "http://127.0.0.1:4200/api"]:
        assert not any(p.search(harmless) for p in PATTERNS.values()), harmless
