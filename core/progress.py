"""The progress of a long job, written where others read it while the job's own transaction is still open.

A worker that imports (or reads an export's rows) in one transaction cannot show its progress through that
transaction: nothing it writes there is seen before it commits, so a progress bar fed from it stands still
and then jumps to the end. `ProgressWriter` holds a second database connection of its own; each write on it
is a short transaction of its own, committed at once, with the job's tenant set (row-level security holds it
as it holds every connection of the application role).

The job's own transaction must not have locked the row written here (it would wait for itself): claim the
job in a transaction of its own before the long one starts, and write the job row in the long one only after
the last progress write. Should it have (a caller that claimed and ran a job in one transaction), a write
gives up after LOCK_TIMEOUT and the bar waits for the next one: progress never blocks the job.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from .rls import BINDING_SQL, SET_TENANT_SQL, signed_setting

LOCK_TIMEOUT = "1s"


class ProgressWriter:
    """Writes fields of one tenant-owned row on a connection of its own (use as a context manager)."""

    def __init__(self, *, model: type[models.Model], pk: int, tenant_id: int):
        self._model = model
        self._pk = pk
        self._tenant_id = tenant_id
        self._side: BaseDatabaseWrapper | None = None

    def __enter__(self) -> ProgressWriter:
        self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def _column(self, name: str) -> str:
        field = self._model._meta.pk if name == "pk" else self._model._meta.get_field(name)
        column = getattr(field, "column", None)
        assert isinstance(column, str), f"{name} is not a column of {self._model.__name__}"
        return column

    def write(self, **values: Any) -> bool:
        """Set the fields at once (committed, visible to every other connection). Returns whether it wrote:
        not when the row is locked (see above)."""
        assert self._side is not None, "use ProgressWriter as a context manager"
        side = self._side
        meta = self._model._meta
        quote = side.ops.quote_name
        columns = ", ".join(f"{quote(self._column(name))} = %s" for name in values)
        side.ensure_connection()
        side.set_autocommit(False)
        try:
            with side.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(BINDING_SQL)
                binding = cursor.fetchone()[0]
                cursor.execute(SET_TENANT_SQL, {"tenant_text": signed_setting(self._tenant_id, binding)})
                cursor.execute(
                    f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(self._column('pk'))} = %s",  # noqa: S608 - names from the model
                    [*values.values(), self._pk],
                )
            side.commit()
        except OperationalError:  # the row is locked by the job's own transaction: skip this write
            side.rollback()
            return False
        except BaseException:
            side.rollback()
            raise
        finally:
            side.set_autocommit(True)
        return True
