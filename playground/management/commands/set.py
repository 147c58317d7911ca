"""`python manage.py set image deployment/nginx nginx=nginx:1.27`: kubectl set image."""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["set"]
    help = verb.help
