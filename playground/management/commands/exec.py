"""`python manage.py exec POD [-c CONTAINER] -- COMMAND [ARGS...]`: kubectl exec, the simulated program's answer."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["exec"]
    help = verb.help
