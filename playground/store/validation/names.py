"""Names, keys and values: the DNS-1123, qualified-name, label-value, port and percent rules.

Every other module of this package checks a name, label, key or port through these `is_*`
functions, which return messages (no paths) exactly as k8s.io/apimachinery/pkg/util/validation/
validation.go does; its regexes and messages are copied verbatim, spacing quirks included, so a
learner reads here exactly what `kubectl apply` prints.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from .field import Errors, invalid_each, is_int
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERROR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_MAP_KEY_ERROR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
PERCENT_FMT = "[0-9]+%"
PERCENT_ERROR = "a valid percent string must be a numeric string followed by an ending '%'"
RELAXED_ENV_VAR_NAME_ERROR = "a valid environment variable name must consist only of printable ASCII characters other than '='"
DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63

_DNS1123_LABEL = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(DNS1035_LABEL_FMT)
_QUALIFIED_NAME = re.compile(QUALIFIED_NAME_FMT)
_LABEL_VALUE = re.compile(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY = re.compile(CONFIG_MAP_KEY_FMT)
_PERCENT = re.compile(PERCENT_FMT)
_PORT_NAME_CHARSET = re.compile("[-a-z0-9]+")
_PORT_NAME_ONE_LETTER = re.compile("[a-z]")


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, spacing quirks included."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    message += " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            message += " or "
        message += f"'{example}', "
    return message + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def byte_size(value: str) -> int:
    return len(value.encode())


def is_dns1123_label(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_LABEL_MAX_LENGTH)] if byte_size(value) > DNS1123_LABEL_MAX_LENGTH else []
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errors.append("must not contain dots")  # a valid subdomain that is not a label has dots
        else:
            errors.append(regex_error(DNS1123_LABEL_ERROR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH)] if byte_size(value) > DNS1123_SUBDOMAIN_MAX_LENGTH else []
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(DNS1123_SUBDOMAIN_ERROR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_LABEL_MAX_LENGTH)] if byte_size(value) > DNS1123_LABEL_MAX_LENGTH else []
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(regex_error(DNS1035_LABEL_ERROR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def is_qualified_name(value: str) -> list[str]:
    """A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors += ["prefix part " + message for message in is_dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + regex_error(QUALIFIED_NAME_ERROR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif byte_size(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QUALIFIED_NAME.fullmatch(name):
        errors.append("name part " + regex_error(QUALIFIED_NAME_ERROR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errors


def is_valid_label_value(value: str) -> list[str]:
    errors = [max_len_error(LABEL_VALUE_MAX_LENGTH)] if byte_size(value) > LABEL_VALUE_MAX_LENGTH else []
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(regex_error(LABEL_VALUE_ERROR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def is_config_map_key(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH)] if byte_size(value) > DNS1123_SUBDOMAIN_MAX_LENGTH else []
    if not _CONFIG_MAP_KEY.fullmatch(value):
        errors.append(regex_error(CONFIG_MAP_KEY_ERROR, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def is_valid_port_num(port: Any) -> list[str]:
    return [] if is_int(port) and 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    errors = [max_len_error(15)] if len(port) > 15 else []
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER.search(port):
        errors.append("must contain at least one letter (a-z)")
    if "--" in port:
        errors.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def is_valid_percent(value: str) -> list[str]:
    return [] if _PERCENT.fullmatch(value) else [regex_error(PERCENT_ERROR, PERCENT_FMT, "1%", "93%")]


def is_relaxed_env_var_name(value: str) -> list[str]:
    """RelaxedEnvironmentVariableValidation, on by default since Kubernetes 1.32."""
    errors = ["environment variable name must be non-empty"] if not value else []
    if any(ord(c) > 127 or not c.isprintable() or c == "=" for c in value):
        errors.append(RELAXED_ENV_VAR_NAME_ERROR)
    return errors


def is_valid_ip(value: str) -> list[str]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


# --- as field errors -----------------------------------------------------------------------------


def validate_dns1123_label(value: str, path: str) -> Errors:
    return invalid_each(path, value, is_dns1123_label(value))


def validate_qualified_name(value: str, path: str) -> Errors:
    return invalid_each(path, value, is_qualified_name(value))

