"""Loads workspace YAML that pkgallow generated with Microsoft's own loader,
`azure.ai.ml.load_workspace`, and checks what the loader understood.

usage: check_workspace.py MANIFEST

MANIFEST is JSON written by tests/it/azure_loader.rs:
    {"azure_ai_ml_version": "1.35.2",
     "workspaces": [{"label": ..., "path": ..., "workspace": ...,
                     "rules": [{"name": ..., "destination": ...}, ...]}, ...]}

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


def check(entry):
    """The list of problems with one generated file; empty when it is as expected."""
    try:
        ws = load_workspace(entry["path"])
    except Exception as error:  # the loader's own verdict is what this test reports
        return [f"load_workspace rejected it: {type(error).__name__}: {error}"]

    problems = []
    if ws.name != entry["workspace"]:
        problems.append(f"name is {ws.name!r}, expected {entry['workspace']!r}")

    network = ws.managed_network
    if network is None:
        return problems + ["managed_network is missing"]
    mode = str(network.isolation_mode or "")
    if mode.lower() != IsolationMode.ALLOW_ONLY_APPROVED_OUTBOUND.lower():
        problems.append(
            f"isolation_mode is {mode!r}, expected {IsolationMode.ALLOW_ONLY_APPROVED_OUTBOUND!r}"
        )

    # An empty `outbound_rules: []` loads as None.
    rules = list(network.outbound_rules or [])
    found = []
    for rule in rules:
        if not isinstance(rule, FqdnDestination):
            problems.append(f"rule {rule.name!r} is a {type(rule).__name__}, not an FqdnDestination")
            continue
        if not RULE_NAME.match(rule.name or ""):
            problems.append(f"rule name {rule.name!r} does not match Azure's {RULE_NAME.pattern}")
        found.append((rule.name, rule.destination))

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
