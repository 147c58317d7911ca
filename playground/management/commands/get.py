"""`python manage.py get TYPE [NAME ...]`: kubectl get, with its columns and output formats."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["get"]
    help = verb.help
