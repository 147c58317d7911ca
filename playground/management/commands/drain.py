"""`python manage.py drain ...`: kubectl drain (flags and output: playground/kubectl/commandline/updating.py)."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["drain"]
    help = verb.help
