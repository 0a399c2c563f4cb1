"""routes: no two IngressRoutes of one cluster claim the same host and path on overlapping
entry points, and every match rule can be read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import problems, validate_json
from infometis.analysis.traefik_rules import Parser, RuleError, claims

ID = "routes"


def validate(repo: Path, *args: str):
    return validate_json(repo, "--select", ID, *args)


BAD = [
    (ID, "error", "apps/shop/border/broken.yaml", 10),  # unbalanced parentheses
    (ID, "error", "apps/shop/border/broken.yaml", 15),  # a lone backtick
    (
        ID,
        "error",
        "apps/shop/border/ingressroute.yaml",
        10,
    ),  # shop's "/" is the webhook's PathPrefix(`/`)
    (ID, "error", "apps/shop/border/ingressroute.yaml", 23),  # /api twice in one IngressRoute
    (ID, "error", "apps/shop/border/legacy.yaml", 9),  # no entryPoints: clashes with the webhook…
    (ID, "error", "apps/shop/border/legacy.yaml", 9),  # …and with shop's first route
]


def test_good_has_no_problem(fixture_repo):
    # one host: other paths, a Header matcher, another entry point, explicit priorities,
    # double-quoted values, and Flux's webhook under /hook/
    code, report = validate(fixture_repo("routes-good"))
    assert problems(report, check=ID) == []
    assert code == 0


def test_bad_reports_the_later_route_naming_the_earlier(fixture_repo):
    code, report = validate(fixture_repo("routes-bad"))
    assert problems(report, check=ID) == BAD
    assert code == 1
    found = [p["message"] for p in report["problems"] if p["check"] == ID]
    assert found[3] == (
        "spec.routes[2].match: host shop.dev.example.internal and path prefix /api already "
        "claimed by IngressRoute shop/shop (apps/shop/border/ingressroute.yaml:17)"
    )
    assert sorted(found[4:]) == [
        "spec.routes[0].match: host shop.dev.example.internal and path prefix / already claimed by "
        "IngressRoute flux-system/flux-webhook (infrastructure/webhook-route.yaml:12)",
        "spec.routes[0].match: host shop.dev.example.internal and path prefix / already claimed by "
        "IngressRoute shop/shop (apps/shop/border/ingressroute.yaml:10)",
    ]
    assert found[:2] == [
        "spec.routes[0].match: cannot read the rule: expected ')' (unbalanced parentheses) at the "
        "end",
        "spec.routes[1].match: cannot read the rule: unbalanced backticks: 3 of them",
    ]


# ------------------------------------------------------------ the rule reader


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("Host(`A.example.org`)", {("a.example.org", "PathPrefix", "/", frozenset())}),
        (
            "Host(`a`, `b`) && Path(`/x`)",
            {("a", "Path", "/x", frozenset()), ("b", "Path", "/x", frozenset())},
        ),
        (
            "(Host(`a`) || Host(`b`)) && PathPrefix(`/x`)",
            {("a", "PathPrefix", "/x", frozenset()), ("b", "PathPrefix", "/x", frozenset())},
        ),
        ('PathPrefix("/api")', {("*", "PathPrefix", "/api", frozenset())}),
        (
            "Host(`a`) && !Method(`POST`)",
            {("a", "PathPrefix", "/", frozenset({"!Method(`POST`)"}))},
        ),
        (
            "HostRegexp(`^.+\\.example\\.org$`)",
            {("~^.+\\.example\\.org$", "PathPrefix", "/", frozenset())},
        ),
    ],
)
def test_claims(rule, expected):
    assert claims(Parser(rule).parse()) == expected


@pytest.mark.parametrize(
    "rule, message",
    [
        (
            "Host(`a`",
            "expected ')' closing Host( (unbalanced parentheses or a value without backticks) at "
            "the end",
        ),
        ("(Host(`a`)", "expected ')' (unbalanced parentheses) at the end"),
        ("Host(`a`))", "unexpected ')' at character 10"),
        ("Host(`a) && Path(`/`)", "unbalanced backticks: 3 of them"),
        ('Host("a)', 'unclosed " at character 6'),
        ("Host(`a`) & Path(`/`)", "unexpected '&' at character 11"),
        ("Host(`a`) &&", "expected a matcher such as Host(`...`) at the end"),
        ("   ", "the rule is empty"),
    ],
)
def test_unreadable_rules(rule, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        Parser(rule).parse()
