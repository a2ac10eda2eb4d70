"""Reading and deleting chat sessions, as plain Python. A caller sees only their own
sessions in their own tenant; anyone else's session id is reported as not found."""

from __future__ import annotations

from services.llm.model import Session, StoredMessage
from services.llm.store import SessionStore
from services.runtime import pagination
from services.runtime.errors import NotFound, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid


class Sessions:
    def __init__(self, store: SessionStore) -> None:
        self.store = store

    async def get(self, caller: Caller, session_id: str) -> Session:
        v = Violations()
        session_id = check_uuid(v, "session_id", session_id)
        v.raise_if_any()
        found = await self.store.get(caller.tenant_id, caller.user_id, session_id)
        if found is None:
            raise NotFound(f"session {session_id} not found", reason="SESSION_NOT_FOUND")
        return found

    async def list_page(
        self, caller: Caller, page_size: int, page_token: str
    ) -> tuple[list[Session], str]:
        size = pagination.page_size(page_size)
        fp = pagination.fingerprint(list="sessions", user=caller.user_id)
        after = pagination.decode_token(page_token, fp)
        if after is not None and len(after) != 2:
            raise invalid("page_token", "is not a token this service issued")
        found, last = await self.store.page(caller.tenant_id, caller.user_id, size, after)
        return found, pagination.encode_token(last, fp) if last else ""

    async def delete(self, caller: Caller, session_id: str) -> None:
        session = await self.get(caller, session_id)
        await self.store.delete(caller.tenant_id, caller.user_id, session.id)

    async def history(
        self, caller: Caller, session_id: str, page_size: int, page_token: str
    ) -> tuple[list[StoredMessage], str]:
        session = await self.get(caller, session_id)
        size = pagination.page_size(page_size)
        fp = pagination.fingerprint(history=session.id)
        after = pagination.decode_token(page_token, fp)
        if after is not None and (len(after) != 1 or not isinstance(after[0], int)):
            raise invalid("page_token", "is not a token this service issued")
        found, last = await self.store.history(session.id, size, after[0] if after else None)
        return found, pagination.encode_token([last], fp) if last is not None else ""
