"""Deduplicated summaries of the contract checks' machine-readable reports, for run.sh.

    python summarize.py redocly REPORT.json        # redocly lint --format json
    python summarize.py spectral REPORT.json       # spectral lint -f json
    python summarize.py schemathesis EVENTS.ndjson [...]   # schemathesis --report ndjson

Lints: one line per rule with its count and a few locations. Schemathesis: one entry per
(operation, check, status code) with how many distinct failing cases fell in it and one
reproducing request. Exit status 0 always: the tools' own exit codes decide the steps.
"""

from __future__ import annotations

import base64
import json
import shlex
import sys
from collections import defaultdict
from typing import Any

EXAMPLES = 3


def _pointer(parts: list[Any]) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def redocly(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    rules: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in report.get("problems", []):
        where = problem.get("location") or [{}]
        rules[(problem["ruleId"], problem["severity"])].append(where[0].get("pointer", "?"))
    _print_rules(rules)


def spectral(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    names = {0: "error", 1: "warn", 2: "info", 3: "hint"}
    rules: dict[tuple[str, str], list[str]] = defaultdict(list)
    for result in results:
        rules[(result["code"], names.get(result.get("severity"), "?"))].append(_pointer(result["path"]))
    _print_rules(rules)


def _print_rules(rules: dict[tuple[str, str], list[str]]) -> None:
    if not rules:
        print("  no problems")
        return
    for (rule, severity), places in sorted(rules.items(), key=lambda item: (-len(item[1]), item[0])):
        shown = ", ".join(places[:EXAMPLES]) + (", ..." if len(places) > EXAMPLES else "")
        print(f"  {rule} ({severity}) x{len(places)}: {shown}")


def _decode(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return str(content)


def _quote(text: str) -> str:
    """Shell-quote, with $'...' and escapes when the text has control characters."""
    if all(ch.isprintable() for ch in text):
        return shlex.quote(text)
    escaped = "".join(
        ch if ch.isprintable() and ch not in "\\'" else
        "\\" + ch if ch in "\\'" else
        "".join(f"\\x{byte:02x}" for byte in ch.encode("utf-8"))
        for ch in text
    )
    return f"$'{escaped}'"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _curl(request: dict[str, Any]) -> str:
    parts = ["curl", "-X", request["method"]]
    for name, values in (request.get("headers") or {}).items():
        for value in values:
            parts += ["-H", f"{name}: {value}"]
    body = _decode(request.get("body"))
    if body:
        parts += ["--data-binary", body]
    parts.append(request["uri"])
    return " ".join(_quote(part) for part in parts)


def schemathesis(paths: list[str]) -> None:
    groups: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    errors: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                event = json.loads(line)
                if "NonFatalError" in event:
                    info = event["NonFatalError"]
                    errors.append(f"{info.get('label', '?')}: {info.get('info', {}).get('message', info)}")
                finished = event.get("ScenarioFinished")
                if not finished or finished.get("status") != "failure":
                    continue
                recorder = finished["recorder"]
                for case_id, checks in recorder.get("checks", {}).items():
                    interaction = (recorder.get("interactions") or {}).get(case_id) or {}
                    response = interaction.get("response") or {}
                    status = response.get("status_code", 0)
                    for check in checks:
                        if check.get("status") != "failure":
                            continue
                        failure = check["failure_info"]["failure"]
                        operation = failure.get("operation") or recorder["label"]
                        key = (operation, check["name"], failure.get("code", ""), status)
                        group = groups.setdefault(
                            key,
                            {
                                "title": failure.get("title", ""),
                                "message": failure.get("message", ""),
                                "phase": finished.get("phase"),
                                "request": interaction.get("request"),
                                "response": _printable(_decode(response.get("content"))[:300]),
                                "cases": set(),
                            },
                        )
                        group["cases"].add(case_id)
    if not groups and not errors:
        print("  no failures")
        return
    by_check: dict[tuple[str, str, int], int] = defaultdict(int)
    for operation, check, code, status in groups:
        by_check[(check, code, status)] += 1
    print("  by check (operations affected):")
    for (check, code, status), count in sorted(by_check.items(), key=lambda item: (-item[1], item[0])):
        print(f"    {check} {code} -> {status}: {count} operation(s)")
    print("  by operation:")
    for (operation, check, code, status), group in sorted(groups.items()):
        message = " | ".join(line for line in group["message"].splitlines() if line.strip())
        print(f"  - {operation}: {check} ({code} {group['title']}) -> {status} "
              f"[{len(group['cases'])} case(s), {group['phase']}]")
        if message:
            print(f"      {message}")
        if group["request"]:
            print(f"      {_curl(group['request'])}")
        if group["response"]:
            print(f"      => {group['response']}")
    for error in errors:
        print(f"  ! error: {error}")


def main(argv: list[str]) -> None:
    kind, *files = argv
    if kind == "redocly":
        redocly(files[0])
    elif kind == "spectral":
        spectral(files[0])
    elif kind == "schemathesis":
        schemathesis(files)
    else:
        raise SystemExit(f"unknown report kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
