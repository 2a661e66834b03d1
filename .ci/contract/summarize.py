"""Deduplicated summaries of the contract checks' machine-readable reports, for run.sh.

    python summarize.py redocly REPORT.json        # redocly lint --format json
    python summarize.py spectral REPORT.json       # spectral lint -f json
    python summarize.py schemathesis EVENTS.ndjson [...]   # schemathesis --report ndjson
    python summarize.py accepted ACCEPTED.jsonl [...]      # 422s contract_hooks.py accepted

Lints: each rule with its count and every location. Schemathesis: one entry per
distinct failure, that is per check, status code and what the answer's problem document says
(its fields and messages with values masked), with the operations it hit and one reproducing
request. Exit status 0 always: the tools' own exit codes decide the steps.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import sys
from collections import defaultdict
from typing import Any



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
        print(f"  {rule} ({severity}) x{len(places)}:")
        for place in places:
            print(f"      {place}")


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
        ch
        if ch.isprintable() and ch not in "\\'"
        else "\\" + ch
        if ch in "\\'"
        else "".join(f"\\x{byte:02x}" for byte in ch.encode("utf-8"))
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


def _mask(text: str) -> str:
    """A problem message with its varying parts (quoted values, lists, numbers) masked."""
    text = re.sub(r"(unknown (?:variant|field)) .*?(, expected|$)", r"\1 …\2", text)
    text = re.sub(r"(one of:?) .*", r"\1 …", text)
    text = re.sub(r"`[^`]*`", "`…`", text)
    text = re.sub(r"\([^)]*\)", "(…)", text)
    text = re.sub(r'"[^"]*"', '"…"', text)
    return re.sub(r"-?\d+(\.\d+)?", "N", text)


def _field(name: str) -> str:
    """A problem's field name with map keys masked: `translations.xx` -> `translations.<key>`."""
    prefix = "body." if name.startswith("body.") else ""
    rest = name[len(prefix) :]
    head, dot, _ = rest.partition(".")
    if dot and head in {"translations", "labels", "bio"}:
        return f"{prefix}{head}.<key>"
    if not re.fullmatch(r"[A-Za-z0-9_.\[\]-]+", rest):
        return prefix + "<unknown field name>"
    return prefix + re.sub(r"\d+", "N", rest)


def _state_dependent(field: str, message: str) -> bool:
    """Whether hooks/contract_hooks.py accepts this error of a 422 as state-dependent."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks"))
    try:
        from contract_hooks import state_dependent
    finally:
        sys.path.pop(0)
    return state_dependent(field, message) is not None


def _reasons(check: str, failure: dict[str, Any], content: str) -> list[str]:
    """What went wrong, comparable across cases and operations.

    A schema-valid request refused (positive_data_acceptance): each field error of the problem
    document, masked, so one cause shows once whatever else the request got wrong. An accepted
    invalid request: the invalid component. Anything else (an undocumented status, a wrong
    answer to an undeclared method): the check and status alone say it.
    """
    if check == "positive_data_acceptance":
        try:
            problem = json.loads(content)
        except ValueError:
            problem = None
        if isinstance(problem, dict):
            errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
            # A 422 fails only through its errors outside the hooks' state-dependent list; the
            # ones inside it (which came along in the same answer) are not its cause.
            causing = [
                e for e in errors if not _state_dependent(str(e.get("field", "")), str(e.get("message", "")))
            ]
            if errors:
                causes = {f"{_field(e.get('field', '?'))}: {_mask(e.get('message', ''))}" for e in causing or errors}
                return sorted(causes)
            return [_mask(str(problem.get("detail", "")))]
    if check == "negative_data_rejection":
        for line in failure.get("message", "").splitlines():
            if line.startswith("Invalid component:"):
                return [line[len("Invalid component:") :].strip()]
    return [""]


def schemathesis(paths: list[str]) -> None:
    groups: dict[tuple[str, str, int, str], dict[str, Any]] = {}
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
                    content = _decode(response.get("content"))
                    for check in checks:
                        if check.get("status") != "failure":
                            continue
                        failure = check["failure_info"]["failure"]
                        operation = failure.get("operation") or recorder["label"]
                        for reason in _reasons(check["name"], failure, content):
                            key = (check["name"], failure.get("code", ""), status, reason)
                            group = groups.setdefault(
                                key,
                                {
                                    "title": failure.get("title", ""),
                                    "message": failure.get("message", ""),
                                    "request": interaction.get("request"),
                                    "response": _printable(content[:300]),
                                    "operations": set(),
                                    "cases": 0,
                                },
                            )
                            group["operations"].add(operation)
                            group["cases"] += 1
    if not groups and not errors:
        print("  no failures")
        return
    by_check: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for (check, code, status, _), group in groups.items():
        by_check[(check, code, status)] |= group["operations"]
    print("  by check and status (operations affected):")
    for (check, code, status), hit in sorted(by_check.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"    {check} {code} -> {status}: {len(hit)}")
    print(f"  {len(groups)} distinct failures (check, status, cause), one example each:")
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][2], item[0][3]))
    for (check, code, status, reason), group in ordered:
        operations = sorted(group["operations"])
        cause = f": {_printable(reason)}" if reason else ""
        print(f"  - {check} ({code} {group['title']}) -> {status}{cause}")
        print(f"      {len(operations)} operation(s), {group['cases']} case(s): {', '.join(operations)}")
        message = " | ".join(line for line in group["message"].splitlines() if line.strip())
        if message:
            print(f"      {_printable(message)}")
        if group["request"]:
            print(f"      {_curl(group['request'])}")
        if group["response"]:
            print(f"      => {group['response']}")
    for error in errors:
        print(f"  ! error: {error}")


def accepted(paths: list[str]) -> None:
    """The 422s hooks/contract_hooks.py accepted as state-dependent: one line per allow-list
    entry, field and message (masked), with how often and where."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        try:
            f = open(path, encoding="utf-8")
        except FileNotFoundError:
            continue
        with f:
            for line in f:
                record = json.loads(line)
                for error in record["errors"]:
                    key = (error["rule"], _field(error["field"]), _mask(error["message"]))
                    group = groups.setdefault(key, {"operations": set(), "cases": 0})
                    group["operations"].add(record["operation"])
                    group["cases"] += 1
    if not groups:
        print("  none")
        return
    for (rule, field, message), group in sorted(groups.items()):
        operations = sorted(group["operations"])
        print(f"  - [{rule}] {_printable(field)}: {_printable(message)}")
        print(f"      {group['cases']} error(s), {len(operations)} operation(s): {', '.join(operations)}")


def main(argv: list[str]) -> None:
    kind, *files = argv
    if kind == "redocly":
        redocly(files[0])
    elif kind == "spectral":
        spectral(files[0])
    elif kind == "schemathesis":
        schemathesis(files)
    elif kind == "accepted":
        accepted(files)
    else:
        raise SystemExit(f"unknown report kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
