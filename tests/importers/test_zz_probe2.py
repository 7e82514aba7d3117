import pytest, sys
from recommendations.importers import import_file
from recommendations.models import Recommendation
pytestmark = pytest.mark.django_db
D = "/work/shared/data/"
@pytest.mark.parametrize("name", ["un-documents/georgia-A-HRC-17-11.pdf", "un-documents/slovenia-A-HRC-59-15.pdf"])
def test_dump(name):
    r = import_file(D + name)
    assert r.ok, r.errors
    with open("/tmp/i20/dump-" + name.split("/")[-1] + ".txt", "w") as fh:
        for rec in Recommendation.objects.order_by("paragraph_sort").prefetch_related("recommending_states"):
            fh.write(f"{rec.paragraph}\t{rec.response}\t{[s.iso3 for s in rec.recommending_states.all()]}\t{rec.text}\n")
