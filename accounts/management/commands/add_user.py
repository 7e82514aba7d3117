from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import Role, assign_role
from states.models import Institution, State


class Command(BaseCommand):
    help = "Create a user (or add a role to an existing one) with a UPR Tracker role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--state", help="ISO3 code of the State (focal points and "
                                             "institution contributors)")
        parser.add_argument("--institution", help="Name or short name of one of the State's "
                                                  "institutions (institution contributors)")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Without it the user cannot log in until an "
                                               "admin or a password reset sets one.")

    @transaction.atomic
    def handle(self, username: str, role: str, state: str | None, email: str,
               password: str | None, institution: str | None = None, **options) -> None:
        state_obj = institution_obj = None
        if role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
            if not state:
                raise CommandError(f"--state ISO3 is required for --role {role}.")
            state_obj = State.objects.filter(iso3=state.upper()).first()
            if state_obj is None:
                raise CommandError(f"Unknown State {state!r}: give an ISO 3166 alpha-3 code.")
        elif state:
            raise CommandError("--state only applies to --role focal-point or contributor.")
        if role == Role.CONTRIBUTOR:
            if not institution:
                raise CommandError("--institution NAME is required for --role contributor.")
            institution_obj = Institution.objects.match(state_obj.pk, institution)
            if institution_obj is None:
                known = ", ".join(Institution.objects.for_state(state_obj.pk)
                                  .values_list("name", flat=True)) or "none yet"
                raise CommandError(
                    f"{state_obj.name} has no institution {institution!r} (known: {known}). "
                    "Its focal point adds institutions on the State's institutions page.")
        elif institution:
            raise CommandError("--institution only applies to --role contributor.")

        User = get_user_model()
        user, created = User.objects.get_or_create(username=username,
                                                   defaults={"email": email})
        if email and user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        if password:
            # The same validators as the password forms (settings.AUTH_PASSWORD_VALIDATORS).
            try:
                validate_password(password, user=user)
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
            user.set_password(password)
            user.save(update_fields=["password"])
        elif created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        assign_role(user, role, state=state_obj, institution=institution_obj)
        verb = "Created" if created else "Updated"
        where = f" for {state_obj.name}" if state_obj else ""
        if institution_obj:
            where = f" for {institution_obj.name} ({state_obj.name})"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {Role(role).label}{where}."))
