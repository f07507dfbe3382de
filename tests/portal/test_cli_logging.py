"""`oms` logs as text by default and one JSON object per line with OMS_LOG_FORMAT=json."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import click, logging\n"
         "from portal.cli import main\n"
         "say = lambda: logging.getLogger('oms.probe').warning('hi %s', 1)\n"
         "main.add_command(click.Command('probe', callback=say))\n"
         "main(['probe'])\n")


def run_probe(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OMS_DATA_DIR": str(tmp_path), **env})


def test_json_format_writes_one_object_per_line(tmp_path):
    done = run_probe(tmp_path, OMS_LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in done.stderr.splitlines()]
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "oms.probe", "hi 1")
    assert line["time"].endswith("+00:00")


def test_text_is_the_default_and_a_bad_format_stops_the_command(tmp_path):
    done = run_probe(tmp_path)
    assert done.returncode == 0 and "WARNING oms.probe: hi 1" in done.stderr
    refused = run_probe(tmp_path, OMS_LOG_FORMAT="xml")
    assert refused.returncode != 0 and "OMS_LOG_FORMAT='xml': expected text or json" in refused.stderr
