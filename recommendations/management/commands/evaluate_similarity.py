import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations import similarity
from recommendations.models import SimilarityFeedback

DEFAULT = Path(settings.BASE_DIR) / "tests" / "recommendations" / "fixtures" / \
    "slovenia_pairs.json"


class Command(BaseCommand):
    help = ("Precision and recall of each similarity method on labelled pairs of "
            "recommendations (default: the hand-labelled Slovenia pairs).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixture", default=str(DEFAULT))
        parser.add_argument("--threshold", type=float, help="Instead of the method's own.")
        parser.add_argument("--feedback", action="store_true",
                            help="Add the matches people marked wrong as negative pairs.")

    def handle(self, *args, fixture: str, threshold: float | None = None,
               feedback: bool = False, **options) -> None:
        try:
            pairs = json.loads(Path(fixture).read_text(encoding="utf-8"))["pairs"]
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Cannot read the pairs in {fixture}: {exc}") from exc
        if feedback:
            marked = [{"later": later, "earlier": earlier, "recurring": False}
                      for later, earlier in SimilarityFeedback.objects.values_list(
                          "recommendation__text", "earlier__text")]
            self.stdout.write(f"{len(marked)} pairs marked wrong by users added as negatives")
            pairs = [*pairs, *marked]
        methods = [similarity.LEXICAL, "trigram"]
        if similarity.semantic_installed():
            methods.append(similarity.SEMANTIC)
        else:
            self.stdout.write('semantic: not installed (pip install ".[semantic]")')
        self.stdout.write(f"{len(pairs)} pairs, {sum(p['recurring'] for p in pairs)} recurring")
        for method in methods:
            r = similarity.evaluate(pairs, method, threshold)
            self.stdout.write(
                f"{method:9} threshold {r['threshold']:.2f}  precision {r['precision']:.2f}  "
                f"recall {r['recall']:.2f}  (tp {r['tp']}, fp {r['fp']}, fn {r['fn']}, "
                f"tn {r['tn']})")
