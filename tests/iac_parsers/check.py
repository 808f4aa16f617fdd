"""Checks the infrastructure-as-code that pkgallow generated with parsers that share no
code with it, and checks that each parser understood what the plan says.

usage: check.py MANIFEST

MANIFEST is JSON written by tests/it/iac_parsers.rs:
    {"versions": {"checkov": "3.3.30", "python-hcl2": "8.1.4"},
     "python_hcl2_path": DIR,
     "outputs": [{"label": ..., "target": ..., "path": ...,
                  "language": "bicep" | "arm" | "terraform" | "python" | "bash",
                  "checks": "rules" | "parse",
                  "workspace": NAME or null,
                  "rules": [{"name": ..., "destination": ...}, ...],
                  "private_endpoints": [{"name": ..., "resource_type": ...,
                      "resource_name": ..., "subresource_target": ..., "spark_enabled": ...}]}]}

What is checked, per language:
- Bicep, ARM, Terraform: one checkov run over every file, offline, must report no parsing
  error, and count exactly the ARM and Terraform resources the files declare. Deliberately broken
  "canary" files go into the same run and must be reported as parsing errors, which
  proves checkov's verdict is being read correctly.
- Bicep (pycep, checkov's Bicep parser), ARM (json) and Terraform (python-hcl2): the
  workspace parameter, every rule's name and destination, every private-endpoint rule,
  the API version, and that each rule depends on the one before it.
- Python: compiles (py_compile), and the rule constructors hold the expected literals.
- Bash: `bash -n`, then a run with `az` recording its arguments, which must be the rules.

Outputs whose "checks" is "parse" come from targets that write something other than
managed-network outbound rules; they are only parsed (checkov, pycep, json with the ARM
template keys, python-hcl2, py_compile, `bash -n`), and checkov's resource count is not
checked for their frameworks.

python-hcl2 and checkov's own fork of it (bc-python-hcl2) are both the `hcl2` package, so
python-hcl2 is installed apart (`pip install --target`) and every .tf file is parsed with
it before checkov is imported; then the module is forgotten and checkov gets its own.

One line is printed per output, with every problem under it. Exit status: 0 when every
output is as expected, 1 on any problem, 2 when the set-up is wrong.
"""

import ast
import contextlib
import io
import json
import os
import py_compile
import re
import socket
import subprocess
import sys
import tempfile

# Read by checkov when it is imported: no policy download, no mapping or version look-up.
os.environ["BC_SKIP_MAPPING"] = "TRUE"
os.environ["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "TRUE"
os.environ.setdefault("LOG_LEVEL", "ERROR")

NETWORK_ATTEMPTS = []


def forbid_network():
    """Nothing here may reach the network; an attempt fails at once instead of hanging
    on a machine that has none, and is reported as a failure. Forked checkov workers
    inherit the guard."""

    def refuse(*args, **kwargs):
        NETWORK_ATTEMPTS.append(repr(args)[:200])
        raise OSError("network access attempted during the parser check")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


forbid_network()

OUTBOUND_RULES = "Microsoft.MachineLearningServices/workspaces/outboundRules"
WORKSPACES = "Microsoft.MachineLearningServices/workspaces"
API_VERSION = "2025-12-01"
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
RULE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")
HCL_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
FQDN_RESOURCE = "azurerm_machine_learning_workspace_network_outbound_rule_fqdn"
PRIVATE_ENDPOINT_RESOURCE = "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"
# The values azurerm's private-endpoint rule accepts for sub_resource_target
# (hashicorp/terraform-provider-azurerm, internal/services/machinelearning/
# machine_learning_workspace_network_outbound_rule_private_endpoint_resource.go).
AZURERM_SUBRESOURCE_TARGETS = {
    "account", "vault", "amlworkspace", "blob", "table", "queue", "file", "web", "dfs", "redisCache",
}

CANARIES = {
    "bicep": "param workspaceName string = 'unterminated\nresource x 'T@1' = {\n",
    "arm": '{"$schema": "' + ARM_SCHEMA + '", "contentVersion": "1.0.0.0", "resources": [{"type": ',
    "terraform": 'resource "x" "y" {\n  name = "unterminated\n}\n',
}
EXTENSIONS = {"bicep": ".bicep", "arm": ".json", "terraform": ".tf"}


def expected_pairs(entry):
    return sorted((rule["name"], rule["destination"]) for rule in entry["rules"])


def expected_private_endpoints(entry):
    return sorted(
        (pe["name"], pe["resource_type"], pe["resource_name"], pe["subresource_target"], pe["spark_enabled"])
        for pe in entry["private_endpoints"]
    )


def compare(problems, what, found, expected):
    if sorted(found) != sorted(expected):
        for item in sorted(set(expected) - set(found)):
            problems.append(f"missing {what} {item}")
        for item in sorted(set(found) - set(expected)):
            problems.append(f"unexpected {what} {item}")
        if len(found) != len(set(found)):
            problems.append(f"duplicate {what}s: {sorted(found)}")


def check_chain(problems, order, dependencies):
    """Each rule must depend on exactly the rule before it, so that they are written one at
    a time. `order` lists rule keys in file order; `dependencies` maps a key to its list."""
    for index, key in enumerate(order):
        expected = [order[index - 1]] if index else []
        if dependencies.get(key, []) != expected:
            problems.append(f"{key} depends on {dependencies.get(key, [])}, expected {expected}")


# --- Terraform, with python-hcl2 -------------------------------------------------------


def hcl_literal(value):
    """The text of an HCL template that must hold no interpolation or directive: `$${` and
    `%%{` are escapes for a literal `${` and `%{`."""
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    out, i = [], 0
    while i < len(value):
        if value.startswith(("$${", "%%{"), i):
            out.append(value[i + 1 : i + 3])
            i += 3
        elif value.startswith(("${", "%{"), i):
            raise ValueError(f"unescaped template sequence in {value!r}")
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def hcl_template_escape(text):
    return text.replace("${", "$${").replace("%{", "%%{")


def terraform_resources(document):
    """(type, label, body) in file order."""
    for item in document.get("resource", []):
        for kind, labelled in item.items():
            if kind.startswith("__"):
                continue
            for label, body in labelled.items():
                if not label.startswith("__"):
                    yield kind, label, body


def check_terraform(entry, document):
    problems = []
    providers = {}
    for block in document.get("terraform", []):
        for required in block.get("required_providers", []):
            providers.update({k: v for k, v in required.items() if not k.startswith("__")})
    if (providers.get("azurerm") or {}).get("source") != "hashicorp/azurerm":
        problems.append(f"required_providers.azurerm is {providers.get('azurerm')!r}")

    variables = {}
    for item in document.get("variable", []):
        variables.update({k: v for k, v in item.items() if not k.startswith("__")})
    if (variables.get("workspace_id") or {}).get("type") not in ("string", "${string}"):
        problems.append(f"variable workspace_id is {variables.get('workspace_id')!r}")

    pairs, endpoints, order, dependencies, labels = [], [], [], {}, []
    uses_azapi = False
    for kind, label, body in terraform_resources(document):
        key = f"{kind}.{label}"
        labels.append(label)
        if not HCL_IDENTIFIER.match(label):
            problems.append(f"resource label {label!r} is not an HCL identifier")
        try:
            name = hcl_literal(body.get("name"))
        except ValueError as error:
            problems.append(f"{key}: name: {error}")
            continue
        if not RULE_NAME.match(name):
            problems.append(f"{key}: rule name {name!r} does not match Azure's pattern")
        order.append(key)
        dependencies[key] = [d[2:-1] if d.startswith("${") else d for d in body.get("depends_on", [])]
        try:
            if kind == FQDN_RESOURCE:
                if body.get("workspace_id") != "${var.workspace_id}":
                    problems.append(f"{key}: workspace_id is {body.get('workspace_id')!r}")
                pairs.append((name, hcl_literal(body.get("destination_fqdn"))))
            elif kind == PRIVATE_ENDPOINT_RESOURCE:
                if body.get("workspace_id") != "${var.workspace_id}":
                    problems.append(f"{key}: workspace_id is {body.get('workspace_id')!r}")
                target = hcl_literal(body.get("sub_resource_target"))
                if target not in AZURERM_SUBRESOURCE_TARGETS:
                    problems.append(f"{key}: azurerm does not accept sub_resource_target {target!r}")
                endpoints.append((name, body.get("service_resource_id"), target, body.get("spark_enabled")))
            elif kind == "azapi_resource":
                uses_azapi = True
                if body.get("type") != f"{OUTBOUND_RULES}@{API_VERSION}":
                    problems.append(f"{key}: type is {body.get('type')!r}")
                if body.get("parent_id") != "${var.workspace_id}":
                    problems.append(f"{key}: parent_id is {body.get('parent_id')!r}")
                properties = (body.get("body") or {}).get("properties") or {}
                destination = properties.get("destination") or {}
                if properties.get("type") != "PrivateEndpoint" or properties.get("category") != "UserDefined":
                    problems.append(f"{key}: properties are {properties!r}")
                target = hcl_literal(destination.get("subresourceTarget"))
                endpoints.append(
                    (name, destination.get("serviceResourceId"), target, destination.get("sparkEnabled"))
                )
            else:
                problems.append(f"unexpected resource type {kind}")
        except ValueError as error:
            problems.append(f"{key}: {error}")
    if len(labels) != len(set(labels)):
        problems.append(f"duplicate resource labels: {labels}")
    if uses_azapi and (providers.get("azapi") or {}).get("source") != "Azure/azapi":
        problems.append(f"azapi_resource used but required_providers.azapi is {providers.get('azapi')!r}")
    if entry["private_endpoints"] and not {"pe_subscription_id", "pe_resource_group"} <= set(variables):
        problems.append("private-endpoint rules without pe_subscription_id and pe_resource_group variables")

    compare(problems, "rule", pairs, expected_pairs(entry))
    expected = [
        (
            pe["name"],
            "/subscriptions/${local.pe_subscription_id}/resourceGroups/${local.pe_resource_group}/providers/"
            + hcl_template_escape(pe["resource_type"])
            + "/"
            + hcl_template_escape(pe["resource_name"]),
            pe["subresource_target"],
            pe["spark_enabled"],
        )
        for pe in entry["private_endpoints"]
    ]
    compare(problems, "private-endpoint rule", endpoints, expected)
    check_chain(problems, order, dependencies)
    return problems


def parse_terraform(entries, library):
    """Parses every Terraform output with python-hcl2, then unloads it so that checkov can
    import its own `hcl2`. Returns {path: problems}."""
    sys.path.insert(0, library)
    try:
        import importlib.metadata

        import hcl2
        from hcl2.utils import SerializationOptions

        if not os.path.realpath(hcl2.__file__).startswith(os.path.realpath(library)):
            raise SystemExit(f"imported hcl2 from {hcl2.__file__}, not from {library}")
        version = importlib.metadata.version("python-hcl2")
        options = SerializationOptions(strip_string_quotes=True, with_comments=False)
        results = {}
        for entry in entries:
            if entry["language"] != "terraform":
                continue
            try:
                with open(entry["path"], encoding="utf-8") as handle:
                    document = hcl2.load(handle, serialization_options=options)
            except Exception as error:  # the parser's verdict is what this test reports
                results[entry["path"]] = [f"python-hcl2 rejected it: {type(error).__name__}: {error}"]
                continue
            results[entry["path"]] = check_terraform(entry, document) if entry["checks"] == "rules" else []
        return version, results
    finally:
        sys.path.remove(library)
        for name in [name for name in sys.modules if name == "hcl2" or name.startswith("hcl2.")]:
            del sys.modules[name]


# --- Bicep, with pycep -------------------------------------------------------------------

BICEP_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


def bicep_string(raw):
    """The value of a Bicep string literal from pycep, which keeps the source escapes."""
    if not isinstance(raw, str):
        raise ValueError(f"not a plain string: {raw!r}")
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c == "\\":
            following = raw[i + 1 : i + 2]
            if following not in BICEP_ESCAPES and following != "u":
                raise ValueError(f"invalid escape \\{following} in {raw!r}")
            if following == "u":
                end = raw.index("}", i)
                out.append(chr(int(raw[i + 3 : end], 16)))
                i = end + 1
                continue
            out.append(BICEP_ESCAPES[following])
            i += 2
            continue
        if raw.startswith("${", i):
            raise ValueError(f"unescaped interpolation in {raw!r}")
        out.append(c)
        i += 1
    return "".join(out)


def check_bicep(entry, template):
    problems = []
    parameters = template.get("parameters") or {}
    workspace = parameters.get("workspaceName")
    if not workspace or workspace.get("type") != "string":
        problems.append(f"parameter workspaceName is {workspace!r}")
    elif entry["workspace"] is None:
        if "default" in workspace and workspace["default"] is not None:
            problems.append(f"workspaceName has a default, {workspace['default']!r}, but no workspace was given")
    else:
        try:
            default = bicep_string(workspace.get("default"))
        except ValueError as error:
            problems.append(f"workspaceName default: {error}")
        else:
            if default != entry["workspace"]:
                problems.append(f"workspaceName default is {default!r}, expected {entry['workspace']!r}")
    if entry["private_endpoints"] and not {"peSubscriptionId", "peResourceGroup"} <= set(parameters):
        problems.append("private-endpoint rules without peSubscriptionId and peResourceGroup parameters")

    resources = template.get("resources") or {}
    existing = [symbol for symbol, r in resources.items() if r.get("existing")]
    if len(existing) != 1 or resources[existing[0]].get("type") != WORKSPACES:
        problems.append(f"expected one existing {WORKSPACES}, found {existing}")
        return problems
    workspace_symbol = existing[0]
    if resources[workspace_symbol]["config"].get("name") != "workspaceName":
        problems.append(f"the workspace is named {resources[workspace_symbol]['config'].get('name')!r}")

    pairs, endpoints, order, dependencies = [], [], [], {}
    for symbol, resource in resources.items():
        if symbol == workspace_symbol:
            continue
        config = resource.get("config") or {}
        if resource.get("type") != OUTBOUND_RULES or resource.get("api_version") != API_VERSION:
            problems.append(f"{symbol} is {resource.get('type')}@{resource.get('api_version')}")
        if config.get("parent") != workspace_symbol:
            problems.append(f"{symbol}: parent is {config.get('parent')!r}")
        order.append(symbol)
        dependencies[symbol] = list(config.get("dependsOn") or [])
        properties = config.get("properties") or {}
        try:
            name = bicep_string(config.get("name"))
            if properties.get("category") != "UserDefined":
                problems.append(f"{symbol}: category is {properties.get('category')!r}")
            if properties.get("type") == "FQDN":
                pairs.append((name, bicep_string(properties.get("destination"))))
            elif properties.get("type") == "PrivateEndpoint":
                destination = properties.get("destination") or {}
                call = (destination.get("serviceResourceId") or {}).get("function") or {}
                arguments = call.get("parameters") or {}
                # pycep names the four arguments of resourceId(sub, group, type, name) as
                # if they were (group, type, name1, name2); their order is what matters.
                ordered = [
                    arguments.get("resource_group_name"),
                    arguments.get("resource_type"),
                    arguments.get("resource_name_1"),
                    arguments.get("resource_name_2"),
                ]
                if call.get("type") != "resource_id" or ordered[:2] != ["peSubscriptionId", "peResourceGroup"]:
                    problems.append(f"{symbol}: serviceResourceId is {destination.get('serviceResourceId')!r}")
                    continue
                endpoints.append(
                    (
                        name,
                        bicep_string(ordered[2]),
                        bicep_string(ordered[3]),
                        bicep_string(destination.get("subresourceTarget")),
                        destination.get("sparkEnabled"),
                    )
                )
            else:
                problems.append(f"{symbol}: type is {properties.get('type')!r}")
        except ValueError as error:
            problems.append(f"{symbol}: {error}")
    compare(problems, "rule", pairs, expected_pairs(entry))
    compare(problems, "private-endpoint rule", endpoints, expected_private_endpoints(entry))
    check_chain(problems, order, dependencies)
    return problems


# --- ARM ---------------------------------------------------------------------------------

QUOTED = r"'((?:[^']|'')*)'"
ARM_NAME = re.compile(r"^\[format\('\{0\}/\{1\}', parameters\('workspaceName'\), " + QUOTED + r"\)\]$")
ARM_RULE_ID = re.compile(
    r"^\[resourceId\('" + re.escape(OUTBOUND_RULES) + r"', parameters\('workspaceName'\), " + QUOTED + r"\)\]$"
)
ARM_TARGET_ID = re.compile(
    r"^\[resourceId\(parameters\('peSubscriptionId'\), parameters\('peResourceGroup'\), "
    + QUOTED
    + ", "
    + QUOTED
    + r"\)\]$"
)


def arm_literal(value):
    """The value ARM uses for a string: `[...]` is an expression, `[[...]` the literal `[...]`."""
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    if value.startswith("[[") and value.endswith("]"):
        return value[1:]
    if value.startswith("[") and value.endswith("]"):
        raise ValueError(f"{value!r} is an expression, not a literal")
    return value


def arm_quoted(match, group=1):
    return match.group(group).replace("''", "'")


def check_arm(entry, template):
    problems = []
    for key in ("$schema", "contentVersion", "parameters", "resources"):
        if key not in template:
            problems.append(f"no {key}")
    if problems:
        return problems
    if entry["checks"] != "rules":
        for index, resource in enumerate(template["resources"]):
            if not resource.get("type") or not resource.get("apiVersion"):
                problems.append(f"resource {index} has no type or apiVersion")
        return problems
    if template["$schema"] != ARM_SCHEMA:
        problems.append(f"$schema is {template['$schema']!r}")
    if not re.match(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", template["contentVersion"]):
        problems.append(f"contentVersion is {template['contentVersion']!r}")
    parameters = template["parameters"]
    workspace = parameters.get("workspaceName") or {}
    if workspace.get("type") != "string":
        problems.append(f"parameter workspaceName is {workspace!r}")
    try:
        default = arm_literal(workspace["defaultValue"]) if "defaultValue" in workspace else None
        if default != entry["workspace"]:
            problems.append(f"workspaceName default is {default!r}, expected {entry['workspace']!r}")
    except ValueError as error:
        problems.append(f"workspaceName default: {error}")
    if entry["private_endpoints"] and not {"peSubscriptionId", "peResourceGroup"} <= set(parameters):
        problems.append("private-endpoint rules without peSubscriptionId and peResourceGroup parameters")

    pairs, endpoints, order, dependencies = [], [], [], {}
    for index, resource in enumerate(template["resources"]):
        if resource.get("type") != OUTBOUND_RULES or resource.get("apiVersion") != API_VERSION:
            problems.append(f"resource {index} is {resource.get('type')}@{resource.get('apiVersion')}")
        if not isinstance(resource.get("comments", ""), str):
            problems.append(f"resource {index}: comments is not a string")
        name_match = ARM_NAME.match(resource.get("name", ""))
        if not name_match:
            problems.append(f"resource {index}: name is {resource.get('name')!r}")
            continue
        name = arm_quoted(name_match)
        order.append(name)
        dependencies[name] = []
        for dependency in resource.get("dependsOn", []):
            match = ARM_RULE_ID.match(dependency)
            dependencies[name].append(arm_quoted(match) if match else dependency)
        properties = resource.get("properties") or {}
        if properties.get("category") != "UserDefined":
            problems.append(f"{name}: category is {properties.get('category')!r}")
        try:
            if properties.get("type") == "FQDN":
                pairs.append((name, arm_literal(properties.get("destination"))))
            elif properties.get("type") == "PrivateEndpoint":
                destination = properties.get("destination") or {}
                target = ARM_TARGET_ID.match(destination.get("serviceResourceId", ""))
                if not target:
                    problems.append(f"{name}: serviceResourceId is {destination.get('serviceResourceId')!r}")
                    continue
                endpoints.append(
                    (
                        name,
                        arm_quoted(target, 1),
                        arm_quoted(target, 2),
                        arm_literal(destination.get("subresourceTarget")),
                        destination.get("sparkEnabled"),
                    )
                )
            else:
                problems.append(f"{name}: type is {properties.get('type')!r}")
        except ValueError as error:
            problems.append(f"{name}: {error}")
    compare(problems, "rule", pairs, expected_pairs(entry))
    compare(problems, "private-endpoint rule", endpoints, expected_private_endpoints(entry))
    check_chain(problems, order, dependencies)
    return problems


# --- Python and bash ---------------------------------------------------------------------


def check_python(entry, work):
    try:
        py_compile.compile(entry["path"], cfile=os.path.join(work, "compiled.pyc"), doraise=True)
    except py_compile.PyCompileError as error:
        return [f"py_compile rejected it: {error.msg}"]
    if entry["checks"] != "rules":
        return []
    with open(entry["path"], encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), entry["path"])
    problems, pairs, endpoints, workspace = [], [], [], "(unset)"
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["WORKSPACE_NAME"]:
            workspace = ast.literal_eval(node.value)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        try:
            arguments = {k.arg: k.value for k in node.keywords}
            if node.func.id == "FqdnDestination":
                pairs.append((ast.literal_eval(arguments["name"]), ast.literal_eval(arguments["destination"])))
            elif node.func.id == "PrivateEndpointDestination":
                call = arguments["service_resource_id"]
                names = [getattr(a, "id", None) for a in call.args[:2]]
                if getattr(call.func, "id", None) != "resource_id" or names != [
                    "pe_subscription_id",
                    "pe_resource_group",
                ]:
                    problems.append(f"service_resource_id is {ast.dump(call)}")
                    continue
                endpoints.append(
                    (
                        ast.literal_eval(arguments["name"]),
                        ast.literal_eval(call.args[2]),
                        ast.literal_eval(call.args[3]),
                        ast.literal_eval(arguments["subresource_target"]),
                        ast.literal_eval(arguments["spark_enabled"]),
                    )
                )
        except (KeyError, IndexError, ValueError) as error:
            problems.append(f"{node.func.id} call at line {node.lineno}: {type(error).__name__}: {error}")
    if workspace != entry["workspace"]:
        problems.append(f"WORKSPACE_NAME is {workspace!r}, expected {entry['workspace']!r}")
    compare(problems, "rule", pairs, expected_pairs(entry))
    compare(problems, "private-endpoint rule", endpoints, expected_private_endpoints(entry))
    return problems


# Runs a script with `az` as a shell function that records its arguments, each call as
# the argument count and the arguments, NUL-separated.
RECORD_AZ = 'az() { printf "%s\\0" "$#" "$@"; }; source "$1"'


def check_bash(entry):
    result = subprocess.run(["bash", "-n", entry["path"]], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return [f"bash -n: {result.stderr.strip()}"]
    if entry["checks"] != "rules":
        return []
    # Run it with a recording `az`, so that what each call would receive is checked, not
    # only the syntax: a quoting mistake that still parses changes a value here.
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RG": "rg-test", "SUBSCRIPTION_ID": "sub-test"}
    result = subprocess.run(
        ["bash", "-c", RECORD_AZ, "check", entry["path"]],
        capture_output=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        return [f"the script failed ({result.returncode}): {result.stderr.decode(errors='replace').strip()}"]
    fields = result.stdout.decode().split("\0")[:-1]
    calls = []
    while fields:
        count = int(fields.pop(0))
        calls.append(fields[:count])
        del fields[:count]
    problems, pairs, endpoints = [], [], []
    prefix = "/subscriptions/sub-test/resourceGroups/rg-test/providers/"
    for call in calls:
        options = dict(zip(call[4::2], call[5::2]))
        if call[:4] != ["ml", "workspace", "outbound-rule", "set"] or options.get("--resource-group") != "rg-test":
            problems.append(f"unexpected call: az {call}")
            continue
        if entry["workspace"] is not None and options.get("--workspace-name") != entry["workspace"]:
            problems.append(f"--workspace-name is {options.get('--workspace-name')!r}, expected {entry['workspace']!r}")
        if options.get("--type") == "fqdn":
            pairs.append((options.get("--rule"), options.get("--destination")))
        elif options.get("--type") == "private_endpoint":
            resource_id = options.get("--service-resource-id", "")
            if not resource_id.startswith(prefix):
                problems.append(f"--service-resource-id is {resource_id!r}")
                continue
            # `Namespace/type/name`; the name is the rest, whatever it holds.
            namespace, kind, name = (resource_id[len(prefix) :].split("/", 2) + ["", ""])[:3]
            provider = f"{namespace}/{kind}"
            endpoints.append(
                (
                    options.get("--rule"),
                    provider,
                    name,
                    options.get("--subresource-target"),
                    {"true": True, "false": False}.get(options.get("--spark-enabled")),
                )
            )
        else:
            problems.append(f"unexpected rule type in az {call}")
    compare(problems, "rule", pairs, expected_pairs(entry))
    compare(problems, "private-endpoint rule", endpoints, expected_private_endpoints(entry))
    return problems


# --- checkov -----------------------------------------------------------------------------


def run_checkov(entries, work):
    """One offline checkov run over every Bicep, ARM and Terraform file plus one broken
    canary per framework. Returns (problems by path, problems of the run)."""
    from checkov.main import Checkov

    files = {os.path.realpath(e["path"]): e for e in entries if e["language"] in EXTENSIONS}
    canaries = {}
    for framework, text in CANARIES.items():
        directory = os.path.join(work, f"canary-{framework}")
        os.makedirs(directory)
        path = os.path.realpath(os.path.join(directory, "broken" + EXTENSIONS[framework]))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        canaries[path] = framework

    argv = []
    for path in list(files) + list(canaries):
        argv += ["-f", path]
    argv += ["--framework", "bicep", "arm", "terraform", "--skip-download", "-o", "json"]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        Checkov(argv).run()
    try:
        reports = json.loads(output.getvalue())
    except json.JSONDecodeError:
        return {}, [f"checkov printed no JSON report: {output.getvalue()[:2000]!r}"]
    if isinstance(reports, dict):
        reports = [reports]

    by_path = {path: [] for path in files}
    run_problems = []
    reported = {}
    for report in reports:
        framework = report.get("check_type")
        if framework is None:
            run_problems.append(f"checkov printed a bare summary, not per-framework reports: {report}")
            continue
        errors = {os.path.realpath(p) for p in report["results"].get("parsing_errors", [])}
        reported[framework] = (errors, report["summary"].get("resource_count"))
    for framework in EXTENSIONS:
        if framework not in reported:
            run_problems.append(f"checkov reported nothing for {framework}")
            continue
        errors, resource_count = reported[framework]
        canary = [path for path, kind in canaries.items() if kind == framework]
        if not set(canary) <= errors:
            run_problems.append(f"checkov did not report the broken {framework} canary as a parsing error")
        for path in errors - set(canary):
            if path in by_path:
                by_path[path].append(f"checkov ({framework}): parsing error")
            else:
                run_problems.append(f"checkov ({framework}): parsing error in {path}")
        # checkov counts every ARM resource whose id and name it can work out and every
        # Terraform resource, but a Bicep resource only when one of its checks applies,
        # which none does to outbound rules; pycep reads the Bicep resources back instead.
        expected = sum(
            len(e["rules"]) + len(e["private_endpoints"]) for e in files.values() if e["language"] == framework
        )
        counted = all(e["checks"] == "rules" for e in files.values() if e["language"] == framework)
        if framework != "bicep" and counted and resource_count != expected:
            run_problems.append(f"checkov counted {resource_count} {framework} resources, expected {expected}")
    return by_path, run_problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        manifest = json.load(handle)
    entries = manifest["outputs"]

    hcl2_version, terraform = parse_terraform(entries, manifest["python_hcl2_path"])
    import importlib.metadata

    versions = {"checkov": importlib.metadata.version("checkov"), "python-hcl2": hcl2_version}
    if versions != manifest["versions"]:
        print(f"installed {versions}, the test pins {manifest['versions']}", file=sys.stderr)
        return 2

    from pycep import BicepParser

    with tempfile.TemporaryDirectory() as work:
        checkov, run_problems = run_checkov(entries, work)
        failed = 0
        for entry in entries:
            language = entry["language"]
            problems = list(checkov.get(os.path.realpath(entry["path"]), []))
            try:
                if language == "terraform":
                    problems += terraform[entry["path"]]
                elif language == "bicep":
                    with open(entry["path"], encoding="utf-8") as handle:
                        template = BicepParser().parse(text=handle.read())
                    if entry["checks"] == "rules":
                        problems += check_bicep(entry, template)
                elif language == "arm":
                    with open(entry["path"], encoding="utf-8") as handle:
                        problems += check_arm(entry, json.load(handle))
                elif language == "python":
                    problems += check_python(entry, work)
                elif language == "bash":
                    problems += check_bash(entry)
                else:
                    problems.append(f"no check for language {language!r}")
            except Exception as error:  # a parser's rejection is this test's verdict
                problems.append(f"{type(error).__name__}: {error}")
            if problems:
                failed += 1
                print(f"FAIL {entry['label']} {entry['target']} ({entry['path']})")
                for problem in problems:
                    print(f"     {problem}")
            else:
                print(
                    f"ok   {entry['label']} {entry['target']}: {len(entry['rules'])} rules, "
                    f"{len(entry['private_endpoints'])} private endpoints"
                )
    for problem in run_problems:
        print(f"FAIL checkov run: {problem}")
    for attempt in NETWORK_ATTEMPTS:
        print(f"FAIL network access attempted: {attempt}")
    total = len(entries)
    print(
        f"checkov {versions['checkov']}, python-hcl2 {versions['python-hcl2']}: "
        f"{total - failed} of {total} outputs parse as expected"
    )
    return 1 if failed or run_problems or NETWORK_ATTEMPTS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
