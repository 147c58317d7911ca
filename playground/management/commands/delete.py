"""`python manage.py delete TYPE NAME ...` or `delete -f FILE`: kubectl delete."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["delete"]
    help = verb.help
