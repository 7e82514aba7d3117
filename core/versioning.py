"""Lost-update protection for versioned rows (DESIGN.md, "Load and faults")."""

from django.db import models
from django.db.models import F


class StaleEdit(Exception):
    """The row changed since the editor loaded it; `current` is the row as it is now."""

    def __init__(self, current: models.Model) -> None:
        super().__init__(f"{current._meta.verbose_name} {current.pk} was changed by someone else")
        self.current = current


def claim_version(obj: models.Model, expected_version: int | None) -> None:
    """Bump `obj.version` if it is still `expected_version`, else raise StaleEdit.

    The conditional UPDATE is what prevents lost updates: two editors who loaded
    version 3 both try `UPDATE ... SET version = 4 WHERE version = 3`; the database
    lets exactly one of them match a row. Call it inside the edit's transaction,
    before writing the other fields, so a refused edit writes nothing.
    `expected_version=None` means the caller does not know the version (an API
    client without If-Match or `version`): the edit applies to the row as it is now,
    i.e. the last writer wins (README, "Deploying safely"). The row is locked until
    the transaction ends, so concurrent writers apply one after the other and each
    gets a version of its own; none is refused.
    """
    model = type(obj)
    if expected_version is None:
        current = (model.objects.select_for_update().values_list("version", flat=True)
                   .get(pk=obj.pk))
        model.objects.filter(pk=obj.pk).update(version=current + 1)
        obj.version = current + 1
        return
    expected = expected_version
    updated = model.objects.filter(pk=obj.pk, version=expected).update(version=F("version") + 1)
    if not updated:
        raise StaleEdit(model.objects.get(pk=obj.pk))
    obj.version = expected + 1
