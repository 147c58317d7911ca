"""`python manage.py explain deployment.spec.strategy`: kubectl explain, from the v1.32 schemas.

The argument → playground.kubectl.explain → the text kubectl prints (GROUP, KIND, VERSION, FIELD,
DESCRIPTION, FIELDS). It reads no cluster: the schemas are those the store validates with.
"""
from playground.kubectl.commandline import VERBS
from playground.management.cli import VerbCommand


class Command(VerbCommand):
    verb = VERBS["explain"]
    help = verb.help
