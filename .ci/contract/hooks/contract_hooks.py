"""Schemathesis hooks for run.sh (loaded through SCHEMATHESIS_HOOKS=contract_hooks).

Three jobs, each as narrow as it can be:

1. Keep the run's own admin session alive (`before_call`). Disabling or demoting an account
   ends its sessions at once, and once the fuzzer has created a second admin,
   `PATCH /api/v1/admin/users/{id}` on the run's admin would do just that and turn the rest of
   the run into 401s. Such a request is sent to id 0 (no account) instead. `POST
   /api/v1/auth/logout-all` is tested by run.sh in a last, separate run for the same reason.

2. Spell whole numbers as integers in JSON bodies (`before_call`). JSON Schema counts `2.0` as
   an integer, so schemathesis draws integer fields both as `2` and as `2.0` in JSON bodies
   (never in parameters, which it renders as text). serde, which reads the server's bodies,
   refuses `2.0` for an `i64` ("invalid type: floating point `2.0`, expected i64") and no
   schema keyword can tell the two spellings apart. Every float with no fractional part at a
   place the document types `integer` is sent as that integer. Nothing else changes: the
   rewrite keeps a valid body valid and an invalid one invalid, so no check is weakened.

3. Accept a 422 to a schema-valid request only when every error it names is in
   STATE_DEPENDENT below (`filter_failure`). Such a request is well formed, but what the
   server holds at that moment (its rows, its clock, who is calling) makes it invalid, which
   no schema can say. The built-in `positive_data_acceptance` check stays on (`--checks all`);
   this hook drops its failure for those 422s only, and writes each one it drops to
   $CONTRACT_ACCEPTED_LOG (JSON lines) for run.sh to list. Any other 422 to a schema-valid
   request, and any 422 naming even one error outside the list, still fails the run.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import schemathesis

# ---------------------------------------------------------------------------------------------
# 1. The run's admin session.

_PROTECTED_ID = os.environ.get("CONTRACT_ADMIN_ID", "")
_USER_PATH = "/api/v1/admin/users/{id}"


def _protect_admin(case: Any) -> None:
    if not _PROTECTED_ID or case.operation.path != _USER_PATH:
        return
    if case.method.upper() not in {"PATCH", "DELETE"}:
        return
    params = case.path_parameters or {}
    if str(params.get("id")) == _PROTECTED_ID:
        params["id"] = 0
        case.path_parameters = params


# ---------------------------------------------------------------------------------------------
# 2. Whole floats at integer places of JSON bodies.

Schema = dict[str, Any]
Resolve = Callable[[str], "Schema | None"]


def _is_json(media_type: str | None) -> bool:
    if not media_type:
        return False
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or (essence.startswith("application/") and essence.endswith("+json"))


def _pointer(root: Any, ref: str) -> Schema | None:
    if not ref.startswith("#/"):
        return None
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, dict) else None


def _branches(schemas: Iterable[Any], resolve: Resolve) -> list[Schema]:
    """Every subschema that applies at one place: the schemas, what their `$ref`s name, and
    their `allOf`/`anyOf`/`oneOf` branches, transitively."""
    found: list[Schema] = []
    seen: set[int] = set()
    pending = [s for s in schemas if isinstance(s, dict)]
    while pending:
        schema = pending.pop()
        if id(schema) in seen:
            continue
        seen.add(id(schema))
        found.append(schema)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = resolve(ref)
            if target is not None:
                pending.append(target)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword) or []:
                if isinstance(branch, dict):
                    pending.append(branch)
    return found


def _admits_integer(schema: Schema) -> bool:
    kind = schema.get("type")
    return kind == "integer" or (isinstance(kind, list) and "integer" in kind)


def _integers_spelled(value: Any, schemas: list[Any], resolve: Resolve) -> Any:
    """`value` with every whole float at an `integer` place as an int (the same object when
    nothing changes). A value shaped unlike its schema (a negative case) is walked as far as
    the shapes agree."""
    if not schemas:
        return value
    branches = _branches(schemas, resolve)
    if isinstance(value, float):
        if value.is_integer() and any(_admits_integer(s) for s in branches):
            return int(value)
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for key, item in value.items():
            subschemas: list[Any] = []
            for schema in branches:
                properties = schema.get("properties")
                if isinstance(properties, dict) and key in properties:
                    subschemas.append(properties[key])
                    continue
                matched = False
                for pattern, subschema in (schema.get("patternProperties") or {}).items():
                    try:
                        if re.search(pattern, key):
                            subschemas.append(subschema)
                            matched = True
                    except re.error:
                        pass
                additional = schema.get("additionalProperties")
                if not matched and isinstance(additional, dict):
                    subschemas.append(additional)
            new = _integers_spelled(item, subschemas, resolve)
            changed = changed or new is not item
            out[key] = new
        return out if changed else value
    if isinstance(value, list):
        items: list[Any] = []
        changed = False
        for index, item in enumerate(value):
            subschemas = []
            for schema in branches:
                prefix = schema.get("prefixItems")
                if isinstance(prefix, list) and index < len(prefix):
                    subschemas.append(prefix[index])
                elif isinstance(schema.get("items"), dict):
                    subschemas.append(schema["items"])
            new = _integers_spelled(item, subschemas, resolve)
            changed = changed or new is not item
            items.append(new)
        return items if changed else value
    return value


def _spell_integers(case: Any) -> None:
    body = case.body
    if not isinstance(body, (dict, list)) or not _is_json(case.media_type):
        return
    definition = case.operation.get_body_for_media_type(case.media_type)
    if definition is None:
        return
    root = definition.raw_schema
    document = case.operation.schema.raw_schema

    # schemathesis bundles each body's schema with its references (`#/x-bundled/...`); the
    # document itself answers any other `#/...` reference.
    def resolve(ref: str) -> Schema | None:
        return _pointer(root, ref) or _pointer(document, ref)

    spelled = _integers_spelled(body, [root], resolve)
    if spelled is not body:
        case.body = spelled


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    _protect_admin(case)
    _spell_integers(case)


# ---------------------------------------------------------------------------------------------
# 3. 422s that the server's state, not the request's shape, decides.


@dataclass(frozen=True)
class Allowed:
    """One state-dependent error: its `field` and `message` (whole-string regexes) and why no
    schema can express it."""

    name: str
    field: str
    message: str
    why: str

    def matches(self, field: str, message: str) -> bool:
        # DOTALL: map keys and echoed values are drawn text and may hold line breaks.
        return (
            re.fullmatch(self.field, field, re.DOTALL) is not None
            and re.fullmatch(self.message, message, re.DOTALL) is not None
        )


# The allow-list, in one place. An entry belongs here only when the rule depends on what the
# server holds (rows created and deleted at run time, its clock, the signed-in caller): the
# fuzzer's values are drawn without knowing that state, and the document describes every
# server, every moment and every caller alike. A rule a schema *can* state (a length, a
# pattern, an enum, a format, minProperties, oneOf between fields, dependentSchemas, ...) has no
# place here: its 422 is a gap in the document and must keep failing the run.
STATE_DEPENDENT: tuple[Allowed, ...] = (
    Allowed(
        "reference names no row",
        r"user_id|visitor_id|category_id|parent_id|cover_media_id|avatar_media_id|logo_media_id"
        r"|gallery\[\d+\]\.media_id|items\[\d+\](\.children\[\d+\])?\.target_id"
        r"|tag|author|category|categories",
        r"names no (account|visitor|category|tag|author|article|page|media item)(: `.*`)?",
        "An id, slug or key that must name an existing account, visitor, category, tag, author,"
        " page or media item: which ones exist is data, created and deleted while the run goes"
        " on.",
    ),
    Allowed(
        "reference names no row (lists)",
        r"tag_ids|author_ids",
        r"names (a tag|an author) that does not exist",
        "The same, for lists of ids.",
    ),
    Allowed(
        "not a site locale",
        r"(translations|bio|labels)\..*|gallery\[\d+\]\.captions\..*"
        r"|items\[\d+\](\.children\[\d+\])?\.labels\..*|body|locale",
        r"is not a site locale \([^)]*\)",
        "A locale key (translations, bios, labels, or the `{locale}` of a translation, reported as"
        " `body`) must be one of the site's locales, which are rows (`/api/v1/admin/locales`"
        " adds and removes them); a schema can give a locale code's shape, not the site's list.",
    ),
    Allowed(
        "not a site locale (?locale=)",
        r"locale",
        r"must be one of: .*",
        "The same rule for `?locale=`, worded as the list of the site's current locales.",
    ),
    Allowed(
        "inactive reaction kind",
        r"kind",
        r"is not an active reaction kind",
        "Reaction kinds are rows an admin adds, renames and deactivates at run time.",
    ),
    Allowed(
        "time in the past",
        r"(.+\.)?(expires_at|unpublish_at)",
        r"must be in the future",
        "Relative to the server's clock when the request arrives; a schema has no `now`.",
    ),
    Allowed(
        "times out of order",
        r"(.+\.)?unpublish_at",
        r"must be after publish_at",
        "A translation's time to come down follows its time to go up: a relation between two fields.",
    ),
    Allowed(
        "cursor from another answer",
        r"cursor",
        r"is not a cursor of this list's sort|can't be given with `page`",
        "A cursor is opaque: only a `meta.next_cursor` the list gave, for the same sort, names a"
        " place in it; and it replaces `page` (a cross-parameter rule, in the parameter's"
        " description).",
    ),
    Allowed(
        "down before up",
        r"unpublish_at",
        r"must be after published_at",
        "A rule across two properties (on an update, against the stored `published_at`).",
    ),
    Allowed(
        "preview of a missing translation",
        r"locale",
        r"names no translation of this (article|page)",
        "Which translations an article or page has is data.",
    ),
    Allowed(
        "window without the most-read sort",
        r"window",
        r"goes with `sort=popular`",
        "A rule across two parameters (`window` only with `sort=popular`), said in the"
        " parameter's description.",
    ),
    Allowed(
        "category cycle",
        r"parent_id",
        r"can't be the category itself or one of its descendants",
        "Depends on the category tree as it stands.",
    ),
    Allowed(
        "source locale among the translations",
        r"source_locale",
        r"must be one of the given translations",
        "A rule across two properties of one body (the source locale must be a key of"
        " `translations`), which JSON Schema can't say of a map's keys.",
    ),
    Allowed(
        "page hierarchy",
        r"parent_id",
        r"must not be the page itself or one of its sub-pages"
        r"|would make the hierarchy deeper than \d+ levels",
        "Depends on the pages stored above and below the one named.",
    ),
    Allowed(
        "reply target",
        r"parent_id",
        r"is not a public comment of this article|threads have at most \d+ levels; reply to a comment higher up",
        "The parent comment must exist, be public, belong to the article, and sit high enough in"
        " its thread: all properties of stored comments.",
    ),
    Allowed(
        "source locale not translated",
        r"source_locale",
        r"must be a locale the (article|page) is translated in",
        "On an update, the article's or page's stored translations decide which locales are"
        " valid.",
    ),
    Allowed(
        "last translation or label",
        r"translations|labels",
        r"can't remove every (locale|label)",
        "A `null` removes a stored translation or label; whether any would remain depends on what"
        " is stored.",
    ),
    Allowed(
        "wrong current password",
        r"current_password",
        r"is not correct",
        "Compared with the caller's stored password hash.",
    ),
    Allowed(
        "author_name from an account",
        r"author_name",
        r"is only for visitors; accounts comment under their display name",
        "Depends on who calls (visitor or account token), not on the body: the operation has"
        " one schema for both kinds of caller, and this run signs in as an account.",
    ),
    Allowed(
        "Idempotency-Key reused",
        r"Idempotency-Key",
        r"was used for another request",
        "The key is remembered with the first request sent under it (per caller); a well-formed"
        " key is refused when an earlier, different request used it.",
    ),
    Allowed(
        "default locale",
        r"is_default",
        r"make another locale the default instead",
        "`is_default: false` is refused only on the locale that is the default now (another must"
        " take its place); which locale that is, is data.",
    ),
    Allowed(
        "one of three ban targets",
        r"user_id|visitor_id|network",
        r"give exactly one of the three",
        "A cross-field rule, said in the operation's description rather than the schema: as a"
        " `oneOf` over the ban body it would turn the generated clients' one request model into a"
        " union of three near-identical ones.",
    ),
    Allowed(
        "menu item target",
        r"items\[\d+\](\.children\[\d+\])?\.(url|target_id)",
        r"an external item has a url and no target_id"
        r"|an item of this kind has a target_id and no url",
        "A cross-field rule of an item (its kind decides between `url` and `target_id`), said"
        " in the schema's descriptions: as `oneOf` per kind it would turn the generated"
        " clients' one item model into five.",
    ),
    Allowed(
        "webhook address",
        r"url",
        r"is not a valid URL: .*|.* does not resolve: .*|.* has no address"
        r"|.* (resolves to .*, )?(is )?a private or reserved address",
        "A webhook's host must resolve, and to public addresses only: DNS's answer at that"
        " moment, which no schema holds. That the URL parses (a valid host name or address, a"
        " port in range) is URL grammar, which the pattern only approximates.",
    ),
    Allowed(
        "current password with a new one",
        r"current_password|password",
        r"is only needed with a new password|is required to change the password",
        "A cross-field rule (`dependentSchemas`), which the document's generator (utoipa) has no"
        " field for; the operation's description says it.",
    ),
)
# The bytes of an upload's `file` part: a schema says only `format: binary`; which bytes are a
# JPEG, PNG, WebP or GIF picture (415 otherwise) that decodes within the pixel limit (422
# otherwise) only the server's decoder can tell.
UPLOAD = "POST /api/v1/admin/media"
UPLOAD_CONTENT = Allowed(
    "upload content",
    r"file",
    r"the picture (could not be decoded: .*|has no pixels|is \d+ × \d+ pixels; .*)",
    "The file part's content decides its type and whether it decodes; no schema can say it.",
)


def _upload_refused(case: Any, response: Any) -> bool:
    """Whether an upload was refused for its file's content alone (415 not a picture, 422 a
    picture that does not decode), which no schema can state."""
    if case.operation.label != UPLOAD:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    if not isinstance(problem, dict):
        return False
    if response.status_code == 415:
        refused = "is not a JPEG, PNG, WebP or GIF picture" in str(problem.get("detail", ""))
        if refused:
            _record(case, [("file", str(problem.get("detail")), UPLOAD_CONTENT)])
        return refused
    errors = _problem_errors(response.content) or []
    if errors and all(UPLOAD_CONTENT.matches(field, message) for field, message in errors):
        _record(case, [(field, message, UPLOAD_CONTENT) for field, message in errors])
        return True
    return False


# Left out on purpose, though they look alike, because a schema can state them (they fail the
# run until the document does):
#   translations|labels: "must name at least one locale"   -> `minProperties: 1` (only `{}` is refused)


def state_dependent(field: str, message: str) -> Allowed | None:
    """The STATE_DEPENDENT entry one error of a 422 matches (summarize.py uses it too)."""
    return next((entry for entry in STATE_DEPENDENT if entry.matches(field, message)), None)


def _problem_errors(content: bytes) -> list[tuple[str, str]] | None:
    """The `errors[]` of an RFC 9457 problem document, as (field, message) pairs; `None` when
    the body is not one or names no error."""
    try:
        problem = json.loads(content)
    except ValueError:
        return None
    if not isinstance(problem, dict) or problem.get("status") != 422:
        return None
    errors = problem.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    pairs = []
    for error in errors:
        if not isinstance(error, dict):
            return None
        field, message = error.get("field"), error.get("message")
        if not isinstance(field, str) or not isinstance(message, str):
            return None
        pairs.append((field, message))
    return pairs


_ACCEPTED_LOG = os.environ.get("CONTRACT_ACCEPTED_LOG", "")
_LOG_LOCK = threading.Lock()


def _record(case: Any, matched: list[tuple[str, str, Allowed]]) -> None:
    if not _ACCEPTED_LOG:
        return
    line = json.dumps(
        {
            "operation": case.operation.label,
            "errors": [{"rule": entry.name, "field": field, "message": message} for field, message, entry in matched],
        },
        ensure_ascii=False,
    )
    with _LOG_LOCK, open(_ACCEPTED_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but `positive_data_acceptance`'s (ST202) on a 422 whose errors are
    all state-dependent."""
    if getattr(failure, "code", None) != "ST202":
        return True
    if _upload_refused(case, response):
        return False
    if response.status_code != 422:
        return True
    errors = _problem_errors(response.content)
    if errors is None:
        return True
    matched = []
    for field, message in errors:
        entry = state_dependent(field, message)
        if entry is None:
            return True
        matched.append((field, message, entry))
    _record(case, matched)
    return False
