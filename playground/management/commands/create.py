"""`python manage.py create ...`: kubectl create (flags and output: playground/kubectl/commandline/creating.py)."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["create"]
    help = verb.help
