"""`python manage.py apply -f FILE|FOLDER|-`: kubectl apply against a playground cluster."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["apply"]
    help = verb.help
