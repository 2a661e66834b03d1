"""Schemathesis hooks for run.sh (loaded through SCHEMATHESIS_HOOKS=contract_hooks).

One job: keep the run's own admin session alive, so that every operation is tested with the
token run.sh signed in with. Disabling or demoting an account ends its sessions at once, and
once the fuzzer has created a second admin, `PATCH /api/v1/admin/users/{id}` on the run's admin
would do just that and turn the rest of the run into 401s. Such a request is sent to id 0
(no account) instead. `POST /api/v1/auth/logout-all` is tested by run.sh in a last, separate
run for the same reason.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

_PROTECTED_ID = os.environ.get("CONTRACT_ADMIN_ID", "")
_USER_PATH = "/api/v1/admin/users/{id}"


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if not _PROTECTED_ID or case.operation.path != _USER_PATH:
        return
    if case.method.upper() not in {"PATCH", "DELETE"}:
        return
    params = case.path_parameters or {}
    if str(params.get("id")) == _PROTECTED_ID:
        params["id"] = 0
        case.path_parameters = params
