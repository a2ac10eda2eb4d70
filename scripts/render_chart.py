"""Render the Helm chart (deploy/helm/tablemesh) offline and print its manifests.

`make render-chart` runs this with the chart's default values; the chart tests render it
the same way (render()). Helm's own template engine renders (helm-python-sdk: Helm's Go
SDK through its C ABI, no helm binary and no cluster). Options: --set key=value (Helm's
--set syntax, repeatable), --namespace, --release.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "deploy" / "helm" / "tablemesh"


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def render_files(
    values: dict[str, Any] | None = None,
    namespace: str = "tablemesh",
    release: str = "tablemesh",
) -> dict[str, str]:
    """Template path -> rendered text, as `helm template` renders an install."""
    chart = helm.Chart.load(CHART)
    return chart.render(values or {}, name=release, namespace=namespace, is_install=True)


def render(
    values: dict[str, Any] | None = None,
    namespace: str = "tablemesh",
    release: str = "tablemesh",
) -> list[dict[str, Any]]:
    """Every manifest the chart renders, in template order."""
    manifests: list[dict[str, Any]] = []
    for _, text in sorted(render_files(values, namespace, release).items()):
        manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return manifests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], dest="sets")
    parser.add_argument("--namespace", default="tablemesh")
    parser.add_argument("--release", default="tablemesh")
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for expression in args.sets:
        values = merge(values, helm.parse_set_string(expression))
    files = render_files(values, args.namespace, args.release)
    for path, text in sorted(files.items()):
        if text.strip():
            sys.stdout.write(f"---\n# Source: {path}\n{text.strip()}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
