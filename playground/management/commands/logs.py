"""`python manage.py logs POD [-c CONTAINER] [--previous] [--tail N]`: kubectl logs."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["logs"]
    help = verb.help
