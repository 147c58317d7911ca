"""`python manage.py rollout status|history|undo|pause|resume|restart deployment/NAME`: kubectl rollout."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["rollout"]
    help = verb.help
