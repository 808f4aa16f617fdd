"""Loads workspace YAML that pkgallow generated with Microsoft's own loader,
`azure.ai.ml.load_workspace`, and checks what the loader understood.

usage: check_workspace.py MANIFEST

MANIFEST is JSON written by tests/it/azure_loader.rs:
    {"azure_ai_ml_version": "1.35.2",
     "workspaces": [{"label": ..., "path": ..., "workspace": ...,
                     "rules": [{"name": ..., "destination": ...}, ...]}, ...]}

`rules` are the FQDN rules pkgallow wrote. Optional keys of a workspace:
    "isolation_mode": the mode to find instead of allow_only_approved_outbound;
    "original": for `--merge`, the file merged into; every rule the loader finds in it
        must be in `path` unchanged, and `path` may hold only those and `rules`;
    "user_rule_types": class names (FqdnDestination, ServiceTagDestination,
        PrivateEndpointDestination) the original's rules must include.

Every file is loaded in this one process because importing azure-ai-ml takes seconds.
For each file, one line is printed; every mismatch is listed under it. Exit status:
0 when every file loads as expected, 1 on any mismatch, 2 when the set-up is wrong.
"""

import importlib.metadata
import json
import re
import socket
import sys


def forbid_network():
    """load_workspace is meant to be client-side; make any attempt to reach the
    network fail loudly here instead of hanging on a machine that has none."""

    def refuse(*args, **kwargs):
        raise RuntimeError(f"network access attempted while loading YAML: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


forbid_network()

# Imported after the guard so that import-time network use is caught too.
from azure.ai.ml import load_workspace  # noqa: E402
from azure.ai.ml.entities import FqdnDestination, IsolationMode  # noqa: E402

# Azure's pattern for outbound rule names; the loader itself does not check it.
RULE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")

# Every attribute a rule of any type carries in YAML.
RULE_FIELDS = (
    "name", "destination", "service_tag", "protocol", "port_ranges", "address_prefixes",
    "service_resource_id", "subresource_target", "spark_enabled", "fqdns",
)


def describe(rule):
    """A rule as a comparable tuple: its class and every field it has."""
    return (type(rule).__name__,) + tuple(repr(getattr(rule, field, None)) for field in RULE_FIELDS)


def normalize_mode(mode):
    """`AllowOnlyApprovedOutbound` and `allow_only_approved_outbound` are one mode."""
    return str(mode or "").replace("_", "").lower()


def check(entry):
    """The list of problems with one generated file; empty when it is as expected."""
    try:
        ws = load_workspace(entry["path"])
    except Exception as error:  # the loader's own verdict is what this test reports
        return [f"load_workspace rejected it: {type(error).__name__}: {error}"]

    # For a merge, the rules of the file merged into.
    original_rules = None
    if "original" in entry:
        try:
            original = load_workspace(entry["original"])
        except Exception as error:
            return [f"load_workspace rejected the original: {type(error).__name__}: {error}"]
        network = original.managed_network
        original_rules = list((network.outbound_rules if network else None) or [])

    problems = []
    if ws.name != entry["workspace"]:
        problems.append(f"name is {ws.name!r}, expected {entry['workspace']!r}")

    network = ws.managed_network
    if network is None:
        return problems + ["managed_network is missing"]
    mode = str(network.isolation_mode or "")
    expected_mode = entry.get("isolation_mode", IsolationMode.ALLOW_ONLY_APPROVED_OUTBOUND)
    if normalize_mode(mode) != normalize_mode(expected_mode):
        problems.append(f"isolation_mode is {mode!r}, expected {expected_mode!r}")

    # An empty `outbound_rules: []` loads as None.
    rules = list(network.outbound_rules or [])
    found = []
    theirs = []
    for rule in rules:
        if original_rules is not None and describe(rule) in map(describe, original_rules):
            theirs.append(rule)
            continue
        if not isinstance(rule, FqdnDestination):
            problems.append(f"rule {rule.name!r} is a {type(rule).__name__}, not an FqdnDestination")
            continue
        if not RULE_NAME.match(rule.name or ""):
            problems.append(f"rule name {rule.name!r} does not match Azure's {RULE_NAME.pattern}")
        found.append((rule.name, rule.destination))

    if original_rules is not None:
        kept = list(map(describe, theirs))
        for rule in original_rules:
            if describe(rule) not in kept:
                problems.append(f"the original's rule {rule.name!r} is missing or changed")
        if len(theirs) != len(original_rules):
            problems.append(f"{len(original_rules)} rules in the original, {len(theirs)} here")
        types = {type(rule).__name__ for rule in original_rules}
        for wanted in entry.get("user_rule_types", []):
            if wanted not in types:
                problems.append(f"the original has no {wanted} rule (it has {sorted(types)})")

    expected = sorted((r["name"], r["destination"]) for r in entry["rules"])
    if sorted(found) != expected:
        for name, destination in sorted(set(expected) - set(found)):
            problems.append(f"missing rule {name} -> {destination}")
        for name, destination in sorted(set(found) - set(expected)):
            problems.append(f"unexpected rule {name} -> {destination}")
        if len(found) != len(set(found)):
            problems.append(f"duplicate rules: {sorted(found)}")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        manifest = json.load(handle)

    installed = importlib.metadata.version("azure-ai-ml")
    if installed != manifest["azure_ai_ml_version"]:
        print(
            f"azure-ai-ml {installed} is installed, the test pins {manifest['azure_ai_ml_version']}",
            file=sys.stderr,
        )
        return 2

    failed = 0
    for entry in manifest["workspaces"]:
        problems = check(entry)
        if problems:
            failed += 1
            print(f"FAIL {entry['label']} ({entry['path']})")
            for problem in problems:
                print(f"     {problem}")
        else:
            print(f"ok   {entry['label']}: {entry['workspace']}, {len(entry['rules'])} rules")

    total = len(manifest["workspaces"])
    print(f"azure-ai-ml {installed}: {total - failed} of {total} files load as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
