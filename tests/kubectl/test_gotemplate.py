"""Go's text/template as kubectl v1.32 runs it (`-o go-template=`): every expected text here is
what the real kubectl printed for the same object (`kubectl create deployment web
--image=nginx:1.27 --replicas=3 --dry-run=client -o go-template=…`), with no cluster."""
from __future__ import annotations

import pytest

from playground.kubectl import gotemplate

WEB = {"kind": "Deployment", "apiVersion": "apps/v1",
       "metadata": {"name": "web", "creationTimestamp": None, "labels": {"app": "web"}},
       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}]}},
                "strategy": {}},
       "status": {}}


def printed(template: str, data=WEB) -> str:
    return gotemplate.execute(gotemplate.parse(template), data)


@pytest.mark.parametrize("template, text", [
    ("{{.metadata.name}} {{.data.a}} {{.nope}} {{.spec.replicas}} {{.spec}}",
     "web <no value> <no value> 3 map[replicas:3 selector:map[matchLabels:map[app:web]] strategy:map[] "
     "template:map[metadata:map[creationTimestamp:<nil> labels:map[app:web]] "
     "spec:map[containers:[map[image:nginx:1.27 name:nginx resources:map[]]]]]]"),
    ('{{.metadata.labels}} {{.spec.template.spec.containers}} '
     '{{ printf "%d %v %s %q %5.2f" .spec.replicas .spec.replicas .metadata.name .metadata.name 3.14159 }}',
     'map[app:web] [map[image:nginx:1.27 name:nginx resources:map[]]] 3 3 web "web"  3.14'),
    ('{{range $i, $c := .spec.template.spec.containers}}{{$i}}={{$c.name}}{{end}} {{len .metadata.labels}} '
     '{{index .metadata.labels "app"}}', "0=nginx 1 web"),
    ("{{if eq .spec.replicas 3}}three{{end}}", "three"),
    ('{{ exists . "spec" "replicas" }} {{ exists . "spec" "nope" }}', "true false"),
    ('{{range .items}}x{{else}}empty{{end}}|{{with .metadata}}{{.name}}{{end}}|{{- " a " -}} b', "empty|web| a b"),
    ('{{ print 1 2 "a" "b" 3.5 }} {{ println "x" }}{{ .metadata.creationTimestamp }} {{ and 1 0 }} '
     '{{ or 0 "" "z" }} {{ not true }}', '1 2ab3.5 x\n<nil> 0 z false'),
    ('{{ $x := .metadata.name }}{{ $x }}{{ $x = "b" }}{{ $x }}', "webb"),
    ('{{ .spec.replicas | printf "%05.1f" }}{{ printf "%v" .spec.template.metadata }}{{ printf "%T" .spec.replicas }}',
     "%!f(int64=    3)map[creationTimestamp:<nil> labels:map[app:web]]int64"),
    ('{{ printf "%d|%s|%v|%q|%x|%t|%5d|%-5s|%.2f|%6.2f|%e|%g" 42 "s" true "q\\"x" 255 false 7 "ab" 2.5 3.14159 '
     '1000000.0 0.000001 }}', '42|s|true|"q\\"x"|ff|false|    7|ab   |2.50|  3.14|1.000000e+06|1e-06'),
    ("{{ 1000000.0 }} {{ 1e21 }} {{ 0.1 }} {{ 100000000000000000000.0 }} {{ 3.0 }} {{ -0.5 }}",
     "1e+06 1e+21 0.1 1e+20 3 -0.5"),
    ('{{ printf "%s" 3 }} {{ printf "%d" "x" }} {{ printf "%d" }} {{ printf "%s" "a" "b" }}',
     "%!s(int=3) %!d(string=x) %!d(MISSING) a%!(EXTRA string=b)"),
    ("{{ range .spec.template.spec.containers }}{{ .name }}{{ break }}{{ end }}"
     "{{ with .nope }}x{{ else with .metadata }}{{.name}}{{ end }}", "nginxweb"),
    ("{{ if .nope }}a{{ else if .metadata }}b{{ end }}", "b"),
    ('{{ index .metadata.labels "zz" }}', "<no value>"),
    ("{{ .nope.x }}", "<no value>"),
    ('{{ printf "%v" .nope }} {{ .nope | print }}', "<nil> <nil>"),
    ("{{ .a | }}", "<no value>"),
])
def test_a_template_prints_what_kubectl_prints(template, text):
    assert printed(template) == text


def test_base64decode_reads_a_secrets_data():
    secret = {"data": {"password": "czNjcjN0", "bad": "web"}}

    assert printed("{{.data.password | base64decode}}", secret) == "s3cr3t"
    assert printed('{{range $k, $v := .data}}{{if ne $k "bad"}}{{$k}}={{base64decode $v}}{{end}}{{end}}',
                   secret) == "password=s3cr3t"


@pytest.mark.parametrize("template, message", [
    ('{{ "a" | upper }}', 'template: output:1: function "upper" not defined'),
    ("{{end}}", "template: output:1: unexpected {{end}}"),
    ("{{if}}", "template: output:1: missing value for if"),
    ("{{.a", "template: output:1: unclosed action"),
    ("{{ nope }}", 'template: output:1: function "nope" not defined'),
    ("{{ & }}", 'template: output:1: unexpected "&" in command'),
    ("{{ if .a }}x", "template: output:1: unexpected EOF"),
    ("{{ $x }}", 'template: output:1: undefined variable "$x"'),
    ('{{ "abc }}', "template: output:1: unterminated quoted string"),
    ("{{ (.a }}", "template: output:1: unclosed left paren"),
    ("a\n{{ else }}", "template: output:2: unexpected {{else}}"),
    ("{{ range $i, $e := .metadata }}{{ $i }}{{ end }}{{ $i }}", 'template: output:1: undefined variable "$i"'),
    ("{{continue}}", "template: output:1: {{continue}} outside {{range}}"),
])
def test_a_template_that_does_not_parse_fails_with_gos_words(template, message):
    with pytest.raises(gotemplate.TemplateParseError) as failure:
        gotemplate.parse(template)

    assert str(failure.value) == message


@pytest.mark.parametrize("template, before, message", [
    ("{{if eq .spec.replicas 3.0}}three{{else}}no{{end}}", "",
     'template: output:1:5: executing "output" at <eq .spec.replicas 3.0>: error calling eq: incompatible types for comparison'),
    ("{{.spec.replicas.x}}", "",
     'template: output:1:7: executing "output" at <.spec.replicas.x>: can\'t evaluate field x in type interface {}'),
    ('{{index .metadata.labels "zz"}} {{index .spec.template.spec.containers 5}}', "<no value> ",
     'template: output:1:34: executing "output" at <index .spec.template.spec.containers 5>: '
     'error calling index: index out of range: 5'),
    ("{{.nope.x}}|{{.metadata.creationTimestamp.x}}", "<no value>|",
     'template: output:1:23: executing "output" at <.metadata.creationTimestamp.x>: '
     'nil pointer evaluating interface {}.x'),
    ("{{ len 3 }}", "", 'template: output:1:3: executing "output" at <len 3>: error calling len: len of type int'),
    ("{{ lt 1 2.0 }}", "",
     'template: output:1:3: executing "output" at <lt 1 2.0>: error calling lt: incompatible types for comparison'),
    ("{{ eq .metadata.labels .metadata.labels }}", "",
     'template: output:1:3: executing "output" at <eq .metadata.labels .metadata.labels>: '
     'error calling eq: non-comparable type map[app:web]: map[string]interface {}'),
    ("{{ .metadata.name | base64decode }}", "",
     'template: output:1:20: executing "output" at <base64decode>: error calling base64decode: '
     'base64 decode failed: illegal base64 data at input byte 0'),
    ("{{ base64decode 3 }}", "", 'template: output:1:16: executing "output" at <3>: expected string; found 3'),
    ("{{ nil }}", "", 'template: output:1:3: executing "output" at <nil>: nil is not a command'),
    ("{{ len }}", "", 'template: output:1:3: executing "output" at <len>: wrong number of args for len: want 1 got 0'),
    ("{{ index }}", "",
     'template: output:1:3: executing "output" at <index>: wrong number of args for index: want at least 1 got 0'),
    ("{{ not 1 2 }}", "", 'template: output:1:3: executing "output" at <not>: wrong number of args for not: want 1 got 2'),
    ("{{ and }}", "", 'template: output:1:3: executing "output" at <and>: wrong number of args for and: want at least 1 got 0'),
    ("{{ eq 1 }}", "",
     'template: output:1:3: executing "output" at <eq 1>: error calling eq: missing argument for comparison'),
    ("{{ 1 2 }}", "", 'template: output:1:3: executing "output" at <1>: can\'t give argument to non-function 1'),
    ("{{ .metadata.name 2 }}", "",
     'template: output:1:12: executing "output" at <.metadata.name>: name is not a method but has arguments'),
    ('{{ "x" | .metadata }}', "",
     'template: output:1:9: executing "output" at <.metadata>: metadata is not a method but has arguments'),
    ("{{ slice .metadata.name 1 2 3 4 }}", "", 'template: output:1:3: executing "output" at '
     '<slice .metadata.name 1 2 3 4>: error calling slice: too many slice indexes: 4'),
    ('{{ printf "%v" .nope }} {{ .nope | print }} {{ html "<a&\\"" }} {{ urlquery "a b&c" }} {{ slice "abcdef" 1 3 }} '
     '{{ .nope | len }}', "<nil> <nil> &lt;a&amp;&#34; a+b%26c bc ",
     'template: output:1:122: executing "output" at <len>: error calling len: '
     'reflect: call of reflect.Value.Type on zero Value'),
    ("{{range $k, $v := .metadata.labels}}{{$k}}={{$v}};{{end}}{{range 3}}{{.}}{{end}}", "app=web;",
     'template: output:1:65: executing "output" at <3>: range can\'t iterate over 3'),
])
def test_a_template_that_fails_says_where_as_go_does(template, before, message):
    with pytest.raises(gotemplate.TemplateExecError) as failure:
        printed(template)

    assert (failure.value.printed, str(failure.value)) == (before, message)


def test_a_missing_key_fails_when_missing_keys_are_not_allowed():
    tree = gotemplate.parse('{{.metadata.name}} {{index .metadata "nope"}} {{.nope}}')

    with pytest.raises(gotemplate.TemplateExecError) as failure:
        gotemplate.execute(tree, WEB, missing_key_error=True)

    # kubectl --allow-missing-template-keys=false; index is no field, and still gives <no value>
    assert failure.value.printed == "web <no value> "
    assert str(failure.value) == 'template: output:1:48: executing "output" at <.nope>: map has no entry for key "nope"'
