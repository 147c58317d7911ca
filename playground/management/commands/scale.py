"""`python manage.py scale deployment/nginx --replicas=10`: kubectl scale."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["scale"]
    help = verb.help
