"""`python manage.py describe TYPE [NAME ...] [-l SELECTOR]`: kubectl describe, its sections and the object's Events."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["describe"]
    help = verb.help
