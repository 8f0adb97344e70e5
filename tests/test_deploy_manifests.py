"""The Kubernetes manifests of docs/deploy/: valid YAML whose commands exist, with the options
they give, and which the deploying page shows."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import yaml

from flask_herogold_migrate.extension import _FLASK_COMMANDS

DOCS = Path(__file__).resolve().parents[1] / "docs"
MANIFESTS = sorted((DOCS / "deploy").glob("*.yaml"))
COMMANDS = {command.name: command for command in _FLASK_COMMANDS}


def _documents(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _containers(document: dict) -> list[dict]:
    pod = document["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def _flask_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in MANIFESTS:
        for document in _documents(path):
            for container in _containers(document):
                command = [*container.get("command", []), *container.get("args", [])]
                if command and command[0] == "flask":
                    found.append((path.name, command[1:]))
    return found


def test_there_are_manifests_and_each_is_a_job_or_a_deployment():
    assert [p.name for p in MANIFESTS] == ["deployment.yaml", "helm-hooks.yaml", "migrate-job.yaml"]
    kinds = {(d["apiVersion"], d["kind"]) for p in MANIFESTS for d in _documents(p)}
    assert kinds == {("batch/v1", "Job"), ("apps/v1", "Deployment")}


@pytest.mark.parametrize(("manifest", "command"), _flask_commands())
def test_every_flask_command_of_the_manifests_exists_with_its_options(manifest, command):
    name, *arguments = command
    assert name in COMMANDS, f"{manifest}: flask {name} is not a command"
    # Parsing rejects an unknown option or a bad value, as flask would before running it.
    with click.Context(click.Group("flask")) as parent:
        COMMANDS[name].make_context(name, list(arguments), parent=parent)


def test_the_deployment_waits_in_an_init_container_and_the_jobs_migrate():
    (deployment,) = _documents(DOCS / "deploy" / "deployment.yaml")
    (init,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert init["command"][:2] == ["flask", "migrate:wait"]
    (job,) = _documents(DOCS / "deploy" / "migrate-job.yaml")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert _containers(job)[0]["command"] == ["flask", "migrate", "--skip-post-deploy"]


def test_the_helm_hooks_migrate_before_the_upgrade_and_run_post_deploy_ones_after():
    hooks = {
        d["metadata"]["annotations"]["helm.sh/hook"]: _containers(d)[0]["command"]
        for d in _documents(DOCS / "deploy" / "helm-hooks.yaml")
    }
    assert hooks == {
        "pre-install,pre-upgrade": ["flask", "migrate", "--skip-post-deploy"],
        "post-install,post-upgrade": ["flask", "migrate"],
    }


def test_the_deploying_page_shows_every_manifest():
    page = (DOCS / "deploying.rst").read_text()
    for path in MANIFESTS:
        assert f".. literalinclude:: deploy/{path.name}" in page
