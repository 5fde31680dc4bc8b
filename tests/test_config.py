"""The repo's configuration files: the outlets file and the deployments that read it."""

import importlib
import inspect

import yaml

from tasks.web.crawl import load_sources_file
from tasks.web.urls import is_web_url
from tests.conftest import ROOT


def test_sources_file_lists_http_feeds_and_sitemaps():
    sources = load_sources_file(ROOT / "sources.toml")
    assert sources.feeds and all(is_web_url(u) for u in sources.feeds + sources.sitemaps + sources.urls)


def test_deployment_entrypoints_and_parameters_match_the_flows():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        params = set(inspect.signature(flow.fn).parameters)
        assert set(deployment["parameters"]) <= params, deployment["name"]
        for trigger in deployment.get("triggers", []):
            assert set(trigger["parameters"]) <= params
        assert deployment["work_pool"]["name"] == "newsflow-process"
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] and schedule["cron"]
    assert {d["name"] for d in spec["deployments"]} == {"ingest-folder", "ingest-folder-dask", "poll-sources", "maintenance",
                                                       "story-alert", "enrich", "recheck-recent"}
