"""`python manage.py run ...`: kubectl run (flags and output: playground/kubectl/commandline/creating.py)."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["run"]
    help = verb.help
