"""`python manage.py annotate ...`: kubectl annotate (flags and output: playground/kubectl/commandline/updating.py)."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["annotate"]
    help = verb.help
