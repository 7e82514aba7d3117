import pytest
from collections import Counter
from recommendations.importers import import_file
from recommendations.models import Recommendation
pytestmark = pytest.mark.django_db
D = "/work/shared/data/"
FILES = ["un-documents/georgia-A-HRC-17-11.pdf", "un-documents/georgia-A-HRC-17-11-Add.1.pdf",
 "un-documents/albania-A-HRC-42-4.pdf", "un-documents/republic-of-korea-A-HRC-53-11.pdf",
 "un-documents/somalia-session52-draft-report.docx", "un-documents/mozambique-session52-draft-report.docx",
 "ohchr-thematic-lists/egypt-cycle2-session20.docx"]
@pytest.mark.parametrize("name", FILES)
def test_probe(name):
    r = import_file(D + name)
    print("\n=====", name, r.detected_format, r.rows_read, r.created, r.updated)
    print("errors", len(r.errors), r.errors[:8])
    for n in r.notes[:30]: print("  note", n[:200])
    print(Counter(Recommendation.objects.values_list("response", flat=True)))

def test_egypt():
    r = import_file(D + "ohchr-thematic-lists/egypt-cycle2-session20.docx", session=20)
    print(r.ok, r.errors[:10], r.rows_read, r.created)
    for n in r.notes[:30]: print("  note", n[:200])
    print(Counter(Recommendation.objects.values_list("response", flat=True)))
    from recommendations.models import Theme
    print(sorted(set(Recommendation.objects.values_list("themes__name", flat=True)))[:20])
    print(Recommendation.objects.filter(paragraph="166.6").first().text)

def test_georgia_both():
    r = import_file(D + "un-documents/georgia-A-HRC-17-11.pdf")
    a = import_file(D + "un-documents/georgia-A-HRC-17-11-Add.1.pdf")
    print(a.ok, a.errors[:5], a.rows_read, a.updated)
    for n in a.notes: print("  note", n[:300])
    print(Counter(Recommendation.objects.values_list("response", flat=True)))
