"""``POST /api/documents`` and ``DELETE /api/documents/{id}``: an administrator adds or
removes a document while the server runs (:mod:`qabot.uploads` does the work).

Only with the admin key (``QABOT_ADMIN_KEY``, separate from the question key): without it
set, uploads are off (403); a missing or wrong key is 401. The build runs in a thread, so
questions go on being answered from the previous index until the new one is loaded.
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials

from qabot.uploads import DocumentAdmin, UploadError
from qabot.web.config import ADMIN_KEY
from qabot.web.guards import ApiError, bearer, check_bearer


def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> DocumentAdmin:
    """The document administrator, for a request carrying ``Authorization: Bearer <admin key>``."""
    key = os.environ.get(ADMIN_KEY, "")
    admin: DocumentAdmin | None = request.app.state.admin
    if not key or admin is None:
        raise ApiError(403, "uploads_disabled", f"adding documents is off: set {ADMIN_KEY}")
    check_bearer(credentials, key, "admin key: send 'Authorization: Bearer <admin key>'")
    return admin


documents_admin = APIRouter(prefix="/api/documents", tags=["documents"])
Admin = Annotated[DocumentAdmin, Depends(require_admin)]


async def _run(call: Any, *args: object) -> dict[str, Any]:
    try:
        result: dict[str, Any] = (await asyncio.to_thread(call, *args)).to_dict()
        return result
    except UploadError as exc:
        raise ApiError(exc.status, exc.reason, str(exc)) from exc


@documents_admin.post("", status_code=201, summary="Add a document (admin key)")
async def add_document(
    admin: Admin, file: UploadFile, replace: Annotated[bool, Form()] = False
) -> dict[str, Any]:
    """Multipart field ``file``; ``replace=true`` overwrites a document of the same name."""
    data = await file.read(admin.max_bytes + 1)
    return await _run(admin.add, file.filename or "", data, replace)


@documents_admin.delete("/{doc_id}", summary="Remove a document (admin key)")
async def remove_document(admin: Admin, doc_id: str) -> dict[str, Any]:
    return await _run(admin.remove, doc_id)
