#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/ from the test fixtures: `python3 fuzz/seeds.py` from the root.

Each seed is one selector byte (the index of the file name in the target's list in
fuzz/src/lib.rs, which this script reads) and then the fixture's text, cut at a line
boundary to at most MAX bytes. Fixtures keep their `{{host:...}}` placeholders; the
targets expand them in memory.
"""
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
OUT = ROOT / "fuzz" / "seeds"
MAX = 4096

lib = (ROOT / "fuzz" / "src" / "lib.rs").read_text()
LISTS = {
    name: re.findall(r'"([^"]+)"', body)
    for name, body in re.findall(r"pub const (\w+): &\[&str\] = &\[(.*?)\];", lib, re.S)
}
ALL = [n for family in ["REQUIREMENTS", "TOML", "YAML", "DOCKERFILE", "LOCKFILES",
                        "NOTEBOOK", "PYTHON_SOURCE", "OTHER_FORMATS"] for n in LISTS[family]]


def text(path):
    data = (FIX / path).read_bytes()
    if len(data) > MAX:
        data = data[: data.rfind(b"\n", 0, MAX) + 1]
    return data


def seed(target, seed_name, selector, data):
    directory = OUT / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / seed_name).write_bytes(bytes([selector]) + data)


def family(target, const, cases):
    names = LISTS[const]
    for fixture, name in cases:
        seed(target, pathlib.Path(fixture).name, names.index(name), text(fixture))


F = "formats/"
SEEDS = {
    ("requirements", "REQUIREMENTS"): [
        (F + "requirements_txt/" + n, "requirements.txt")
        for n in ["requirements.txt", "options.txt", "variables.txt", "remote-include.txt",
                  "pep508-panics.txt", "crlf.txt", "bom-and-invalid-utf8.txt"]
    ] + [("repos/includes-and-extras/requirements/dev.txt", "requirements/dev.txt")],
    ("toml", "TOML"): [
        (F + "pyproject_toml/poetry.toml", "pyproject.toml"),
        (F + "pyproject_toml/pep621.toml", "pyproject.toml"),
        (F + "pyproject_toml/pdm.toml", "pyproject.toml"),
        (F + "pipfile/Pipfile", "Pipfile"),
        (F + "uv_toml/uv-indexes.toml", "uv.toml"),
        (F + "cargo_toml/Cargo.toml", "Cargo.toml"),
        (F + "cargo_config/config.toml", ".cargo/config.toml"),
        (F + "pixi_toml/pixi.toml", "pixi.toml"),
        (F + "project_toml/Project.toml", "Project.toml"),
    ],
    ("yaml", "YAML"): [
        (F + "environment_yaml/environment.yml", "environment.yml"),
        (F + "environment_yaml/azureml-densenet-conda.yaml", "conda.yaml"),
        (F + "environment_yaml/broken-conda.yaml", "environment.yml"),
        (F + "asset_yaml/inline-job.yml", "job.yml"),
        (F + "asset_yaml/deployment.yml", "job.yml"),
        (F + "asset_yaml/environment.yml", "job.yml"),
        (F + "condarc/condarc", ".condarc"),
        (F + "yarnrc_yml/yarnrc-wrong-types.yml", ".yarnrc.yml"),
    ],
    ("dockerfile", "DOCKERFILE"): [
        (F + "dockerfile/" + n, "Dockerfile")
        for n in ["azureml-bert.Dockerfile", "multistage.Dockerfile",
                  "node-and-conda.Dockerfile", "os-packages.Dockerfile"]
    ],
    ("lockfiles", "LOCKFILES"): [
        (F + "lockfile/" + n, n)
        for n in ["Pipfile.lock", "pdm.lock", "poetry.lock", "pylock.toml", "uv.lock"]
    ] + [
        ("repos/npm-project/web/package-lock.json", "package-lock.json"),
        (F + "yarn_lock/yarn-berry.lock", "yarn.lock"),
        (F + "yarn_lock/yarn-v1.lock", "yarn.lock"),
        (F + "pnpm_lock/pnpm-lock-v9.yaml", "pnpm-lock.yaml"),
        (F + "cargo_lock/Cargo.lock", "Cargo.lock"),
        (F + "explicit_spec/conda-linux-64.lock", "conda-linux-64.lock"),
        (F + "asset_yaml/conda-lock.yml", "conda-lock.yml"),
        (F + "pixi_lock/pixi.lock", "pixi.lock"),
        (F + "gemfile_lock/Gemfile.lock", "Gemfile.lock"),
        (F + "renv_lock/renv.lock", "renv.lock"),
        (F + "go_mod/go.sum", "go.sum"),
        (F + "project_toml/Manifest.toml", "Manifest.toml"),
    ],
    ("notebook", "NOTEBOOK"): [
        (F + "jupyter_notebook/" + n, "notebook.ipynb")
        for n in ["broken.ipynb", "nbformat3.ipynb", "runtime.ipynb", "setup.ipynb",
                  "shell-commands.ipynb"]
    ],
    ("python_source", "PYTHON_SOURCE"): [
        (F + "python_source/" + n, "train.py")
        for n in ["broken.py", "comments_and_docstrings.py", "data_fetchers.py",
                  "environment.py", "huggingface.py", "nlp_data.py"]
    ],
    ("other_formats", "OTHER_FORMATS"): [
        ("repos/pip-conf-scope/pip.conf", "pip.conf"),
        ("repos/npm-project/web/package.json", "package.json"),
        ("repos/npm-project/.npmrc", ".npmrc"),
        (F + "yarnrc/yarnrc-http", ".yarnrc"),
        (F + "description/DESCRIPTION", "DESCRIPTION"),
        (F + "pom_xml/pom.xml", "pom.xml"),
        (F + "maven_settings/settings.xml", ".mvn/settings.xml"),
        (F + "gradle/build.gradle", "build.gradle"),
        (F + "gradle/settings.gradle.kts", "settings.gradle.kts"),
        (F + "wrapper_properties/gradle-wrapper.properties",
         "gradle/wrapper/gradle-wrapper.properties"),
        (F + "nuget_config/NuGet.Config", "NuGet.Config"),
        (F + "project/Scoring.csproj", "Scoring.csproj"),
        (F + "project/packages.config", "packages.config"),
        (F + "gemfile/Gemfile", "Gemfile"),
        (F + "go_mod/go.mod", "go.mod"),
        (F + "apt_sources/sources.list", "etc/apt/sources.list"),
        (F + "apt_sources/debian.sources", "etc/apt/sources.list.d/debian.sources"),
    ],
}

# Readers of `audit` and `explain-log` recognise files by content; the selector only
# picks the displayed name (the lists in fuzz_targets/audit_inputs.rs and logs.rs).
AUDIT = ["A001/flagged.yml", "A001/flagged-firewall.json", "A003/flagged.tf",
         "A005/flagged.txt", "A006/flagged.bicep", "A008/flagged-script.sh",
         "A009/flagged.json", "A011/flagged.json"]
LOGS = ["apt/debian-firewall.log", "azure_firewall/azfw-export.csv",
        "azure_firewall/records.jsonl", "azureml_build/image_build_log.txt",
        "conda/channel-404-and-proxy.log", "curl/errors.log", "docker/buildkit.log",
        "git/clone-failures.log", "npm/enotfound-npm10.log", "pip/verbose-files-host.log",
        "uv/dns-error.log", "wget/gnu-wget.log"]

# Policy files (`pkgallow.toml`), by seed name: the selector byte is not read.
POLICIES = {"mirrors": "policy/mirrors/pkgallow.toml"} | {
    case: f"../cli/{case}/in/pkgallow.toml"
    for case in ["policy-deny-expect", "policy-exclude", "policy-flags-override",
                 "policy-generate-deny", "policy-bad-prefix", "policy-unknown-key",
                 "policy-wrong-type"]
}

# End to end: an options byte, then files joined by NUL bytes, each with its selector
# (0x80: under sub/; never 0, the separator: index 0 is written as len(ALL)).
PROJECTS = {
    "pip-conf-scope": [("repos/pip-conf-scope/pip.conf", "pip.conf", 0),
                       ("repos/pip-conf-scope/team-b/pip.conf", "pip.conf", 0x80),
                       ("repos/pip-conf-scope/team-b/requirements.txt", "requirements.txt", 0x80)],
    "condarc": [("repos/condarc/.condarc", ".condarc", 0),
                ("repos/condarc/environment.yml", "environment.yml", 0x80)],
    "includes": [("repos/includes-and-extras/requirements/dev.txt", "requirements/dev.txt", 0),
                 ("repos/includes-and-extras/requirements/constraints.txt", "constraints.txt", 0)],
    "npm": [("repos/npm-project/.npmrc", ".npmrc", 0),
            ("repos/npm-project/web/package.json", "package.json", 0x80),
            ("repos/npm-project/web/package-lock.json", "package-lock.json", 0x80)],
    "docker-notebook": [(F + "dockerfile/node-and-conda.Dockerfile", "Dockerfile", 0),
                        (F + "jupyter_notebook/runtime.ipynb", "notebook.ipynb", 0),
                        (F + "python_source/huggingface.py", "train.py", 0)],
    "cargo": [(F + "cargo_config/config.toml", ".cargo/config.toml", 0),
              (F + "cargo_toml/Cargo.toml", "Cargo.toml", 0)],
}
OPTIONS = {"pip-conf-scope": 0x00, "condarc": 0x05, "includes": 0x21, "npm": 0x82,
           "docker-notebook": 0x0a, "cargo": 0x12}

if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    for (target, const), cases in SEEDS.items():
        family(target, const, cases)
    for index, path in enumerate(AUDIT):
        seed("audit_inputs", path.replace("/", "-"), index, text("audit/" + path))
    for name, path in POLICIES.items():
        seed("policy", name, 0, text(path))
    for index, path in enumerate(LOGS):
        seed("logs", path.replace("/", "-"), index, text("logs/" + path))
    for project, files in PROJECTS.items():
        parts = [bytes([(ALL.index(name) or len(ALL)) | flag]) + text(path).replace(b"\0", b"")
                 for path, name, flag in files]
        seed("end_to_end", project, OPTIONS[project], b"\0".join(parts))
