from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.roles import Role, assign_role
from states.models import State


class Command(BaseCommand):
    help = "Create a user (or add a role to an existing one) with a UPR Tracker role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--state", help="ISO3 code of the State (focal points only)")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Without it the user cannot log in until an "
                                               "admin or a password reset sets one.")

    @transaction.atomic
    def handle(self, username: str, role: str, state: str | None, email: str,
               password: str | None, **options) -> None:
        if email:
            # A newline or other control character in an address would let it carry
            # extra mail headers, and it is no address anyway (issue 22).
            try:
                validate_email(email)
            except ValidationError as exc:
                raise CommandError(f"Invalid --email {email!r}: give one e-mail address."
                                   ) from exc
        if any(ord(c) < 32 or ord(c) == 127 for c in username):
            raise CommandError("The username may not contain control characters.")
        state_obj = None
        if role == Role.FOCAL_POINT:
            if not state:
                raise CommandError("--state ISO3 is required for a focal point.")
            state_obj = State.objects.filter(iso3=state.upper()).first()
            if state_obj is None:
                raise CommandError(f"Unknown State {state!r}: give an ISO 3166 alpha-3 code.")
        elif state:
            raise CommandError("--state only applies to --role focal-point.")

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
        assign_role(user, role, state=state_obj)
        verb = "Created" if created else "Updated"
        where = f" for {state_obj.name}" if state_obj else ""
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {Role(role).label}{where}."))
