"""The browser console's command line: kubectl's verbs with their own output, a heredoc for
`-f -`, and everything else refused with a message and nothing changed."""
from __future__ import annotations

import pytest

from playground.kubectl.commandline.cmdutil import Captured
from playground.kubectl.console import complete, run_line
from tests.factories import config_map, deployment, pod

MANIFEST = """kubectl apply -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello}
EOF"""


def console(cluster, text: str) -> tuple[int, str, str]:
    out = Captured()
    code = run_line(cluster.name, text, out)
    return code, "\n".join(t for s, t in out.lines if s == "out"), "\n".join(t for s, t in out.lines if s == "err")


def test_get_prints_what_kubectl_prints(cluster):
    cluster.apply(deployment("web", replicas=2))

    code, out, err = console(cluster, "kubectl get deployments")

    assert code == 0 and err == ""
    assert out.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert console(cluster, "kubectl get pods -n kube-public") == (0, "", "No resources found in kube-public namespace.")


def test_a_heredoc_feeds_apply_and_create(cluster):
    assert console(cluster, MANIFEST) == (0, "configmap/settings created", "")
    assert cluster.get("ConfigMap", "settings", "default")["data"] == {"greeting": "hello"}
    assert console(cluster, MANIFEST.replace("apply", "create"))[2] == (
        'Error from server (AlreadyExists): configmaps "settings" already exists')


def test_the_verbs_a_lesson_uses(cluster):
    assert console(cluster, "kubectl run web --image=nginx:1.27")[1] == "pod/web created"
    assert cluster.get("Pod", "web", "default")["metadata"]["labels"] == {"run": "web"}
    assert console(cluster, "kubectl run w --image=busybox:1.36 -- sh -c 'echo hi; sleep 9'")[0] == 0
    assert cluster.get("Pod", "w", "default")["spec"]["containers"][0]["args"] == ["sh", "-c", "echo hi; sleep 9"]
    assert console(cluster, "kubectl create deployment api --image=registry.k8s.io/nginx:1.27 --replicas=2")[1] == (
        "deployment.apps/api created")
    assert cluster.get("Deployment", "api", "default")["spec"]["template"]["spec"]["containers"][0]["name"] == "nginx"
    assert console(cluster, "kubectl label pod web tier=front")[1] == "pod/web labeled"
    assert console(cluster, "kubectl label pod web tier=back")[2] == (
        "error: 'tier' already has a value (front), and --overwrite is false")
    assert console(cluster, "kubectl patch deployment api --type merge -p '{\"spec\":{\"replicas\":3}}'")[1] == (
        "deployment.apps/api patched")
    assert console(cluster, "kubectl cordon playground-worker2")[1] == "node/playground-worker2 cordoned"
    assert console(cluster, "kubectl create secret generic db --from-literal=password=s3cret")[1] == "secret/db created"


def test_patch_writes_a_status_only_through_its_subresource(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    removed = '{"status":{"conditions":[{"type":"NamespaceContentRemaining","status":"False","reason":"ContentRemoved"}]}}'

    on_object = console(cluster, f"kubectl patch namespace team --type merge -p '{removed}'")
    on_status = console(cluster, f"kubectl patch namespace team --subresource=status --type merge -p '{removed}'")

    assert on_object == (0, "namespace/team patched (no change)", "")
    assert on_status == (0, "namespace/team patched", "")
    assert [c["reason"] for c in cluster.get("Namespace", "team")["status"]["conditions"]] == ["ContentRemoved"]


@pytest.mark.parametrize("text, message", [
    ("ls -la", "'ls' is not a kubectl command: this console runs kubectl only"),
    ("kubectl get pods; rm -rf /", "pipes, redirections and `;` are a shell's"),
    ("kubectl get pods | grep web", "pipes, redirections and `;` are a shell's"),
    ("kubectl get pods > /etc/passwd", "pipes, redirections and `;` are a shell's"),
    ("kubectl frobnicate", 'unknown command "frobnicate" for "kubectl"'),
    ("kubectl get pods --cluster default", "unrecognized arguments: --cluster default"),
    ("kubectl get pods\x1b[2J", "control characters"),
    ("kubectl get 'pods", "cannot read the command: No closing quotation"),
    ("kubectl apply -f - <<EOF\nkind: ConfigMap", "the heredoc is not closed: end it with a line holding only EOF"),
    ("kubectl get pods\nkubectl delete pods --all", "one command at a time"),
    ("kubectl get " + "x" * 3000, "the console takes at most 2,000"),
    ("kubectl scale deployment web", "the following arguments are required: --replicas"),
    ("kubectl apply -f /etc/passwd", "the console reads manifests from what you type"),
    ("kubectl create -f /", "the console reads manifests from what you type"),
    ("kubectl delete -f examples/", "the console reads manifests from what you type"),
])
def test_what_the_console_refuses_changes_nothing_and_says_why(cluster, text, message):
    cluster.apply(deployment("web", replicas=2))
    before = cluster.resource_version()

    code, out, err = console(cluster, text)

    assert code == 1 and out == "" and message in err
    assert cluster.resource_version() == before


def test_help_lists_the_verbs_and_a_verb_its_flags(cluster):
    assert "Verbs: get, apply, create, run" in console(cluster, "help")[1]
    assert "--replicas" in console(cluster, "kubectl scale -h")[1]


def test_tab_completes_verbs_types_and_names(cluster):
    cluster.apply(deployment("web", replicas=1))

    assert complete(cluster.name, "kubectl g") == ["get"]
    assert "deployments" in complete(cluster.name, "kubectl get dep")
    assert complete(cluster.name, "kubectl get deployments w") == ["web"]
    assert complete(cluster.name, "kubectl scale deployment w") == ["web"]


def test_help_and_tab_know_the_verbs_that_follow_and_exec(cluster):
    cluster.create(pod("web"))

    text = console(cluster, "help")[1]

    assert "kubectl describe pod NAME" in text and "[-w]" in text and "[-f]" in text and "no -it" in text
    assert complete(cluster.name, "kubectl exec w") == ["web"]
    assert complete(cluster.name, "kubectl logs w") == ["web"]
    assert complete(cluster.name, "kubectl describe pods w") == ["web"]


def editor_opened(cluster, text: str) -> tuple[int, list[tuple[str, str]]]:
    out = Captured()
    return run_line(cluster.name, text, out), out.lines


@pytest.mark.parametrize("text", ["kubectl edit deployment web", "kubectl edit deploy/web", "kubectl edit deployments"])
def test_edit_opens_the_editor_on_the_object(cluster, text):
    cluster.apply(deployment("web", replicas=2))

    assert editor_opened(cluster, text) == (0, [("edit", "deployment.apps/web")])


def test_edit_of_a_node_opens_the_cluster_scoped_object(cluster):
    assert editor_opened(cluster, "kubectl edit node playground-worker") == (0, [("edit", "node/playground-worker")])


@pytest.mark.parametrize("text, message", [
    ("kubectl edit deployment/x", 'Error from server (NotFound): deployments.apps "x" not found'),
    ("kubectl edit deployment x -n kube-system", 'Error from server (NotFound): deployments.apps "x" not found'),
    ("kubectl edit", "error: You must provide one or more resources by argument or filename.\n"
                     "Example resource specifications include:\n   '-f rsrc.yaml'\n"),
    ("kubectl edit nope x", 'error: the server doesn\'t have a resource type "nope"'),
    ("kubectl edit configmaps -n kube-public", "error: edit cancelled, no objects found"),
    ("kubectl edit nodes", "error: the editor opens one object at a time, and this names 3: name one, "
                           "e.g. kubectl edit node/playground-control-plane (of node/playground-control-plane, "),
    ("kubectl edit deployment web -l app=web", "unrecognized arguments: -l app=web"),
])
def test_edit_of_what_is_not_one_object_says_why_as_kubectl_does(cluster, text, message):
    cluster.apply(deployment("web", replicas=2))

    code, lines = editor_opened(cluster, text)

    assert code == 1 and [s for s, _ in lines] == ["err"] * len(lines)
    assert lines[0][1].startswith(message) or message in lines[0][1]


def test_edit_of_two_names_says_not_found_for_each_missing_one(cluster):
    cluster.apply(deployment("web", replicas=2))

    assert editor_opened(cluster, "kubectl edit deployments web gone") == (1, [
        ("err", 'Error from server (NotFound): deployments.apps "gone" not found')])
    assert editor_opened(cluster, "kubectl edit deployments,pods x") == (1, [
        ("err", 'Error from server (NotFound): deployments.apps "x" not found'),
        ("err", 'Error from server (NotFound): pods "x" not found')])


@pytest.mark.parametrize("output, printed", [
    ("jsonpath='{.items[*].metadata.name}'", "web"),
    ("jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.replicas}{\"\\n\"}{end}'", "web\t2\n"),
    ("jsonpath='{.items[0].metadata.labels}'", '{"app":"web"}'),
    ("jsonpath='{.items[?(@.spec.replicas==2)].metadata.name}'", "web"),
    ("jsonpath='{..image}'", "nginx:1.27"),
    ("jsonpath='{.items[0].nope}'", ""),
    ("jsonpath='{$.kind}'", "List"),
    ("jsonpath-as-json='{.items[0].spec.replicas}'", "[\n    2\n]"),
    ("custom-columns='NAME:.metadata.name,LABELS:.metadata.labels,IMAGE:spec.template.spec.containers[*].image,X:.nope'",
     "NAME   LABELS         IMAGE        X\nweb    map[app:web]   nginx:1.27   <none>"),
    ("name", "deployment.apps/web"),
])
def test_get_prints_jsonpath_and_custom_columns_as_kubectl_does(cluster, output, printed):
    cluster.apply(deployment("web", replicas=2))

    assert console(cluster, f"kubectl get deployments -o {output}") == (0, printed, "")


def test_get_prints_a_go_template_over_the_list_or_the_one_object(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.apply(deployment("api", replicas=1))

    names = console(cluster, "kubectl get deployments -o go-template='{{range .items}}{{.metadata.name}}:"
                             "{{.spec.replicas}}{{\"\\n\"}}{{end}}'")
    one = console(cluster, "kubectl get deployment web -o template --template='{{.kind}}'")

    assert names == (0, "api:1\nweb:2", "")
    assert one == (0, "Deployment", "")
    assert console(cluster, "kubectl get deployment web --template='{{.spec.replicas}}'") == (0, "2", "")


def test_a_go_template_that_fails_prints_kubectls_dump_then_the_error(cluster):
    cluster.create(config_map("settings", {"mode": "fast"}))

    code, out, err = console(cluster, "kubectl get configmap settings -o go-template='{{.data.mode}} {{.data.mode.x}}'")

    lines = out.split("\n")
    assert code == 1
    assert lines[0] == ("fast Error executing template: template: output:1:22: executing \"output\" at <.data.mode.x>: "
                        "can't evaluate field x in type interface {}. Printing more information for debugging the template:")
    assert lines[1:3] == ["\ttemplate was:", "\t\t{{.data.mode}} {{.data.mode.x}}"]
    assert lines[3] == "\traw data was:" and lines[4].startswith('\t\t{"apiVersion":"v1","data":{"mode":"fast"}')
    assert lines[5] == "\tobject given to template engine was:" and lines[6].startswith("\t\tmap[apiVersion:v1 data:map[mode:fast]")
    assert err == ('error: error executing template "{{.data.mode}} {{.data.mode.x}}": template: output:1:22: '
                   'executing "output" at <.data.mode.x>: can\'t evaluate field x in type interface {}')


def test_allow_missing_template_keys_false_makes_a_missing_key_fail(cluster):
    cluster.create(config_map("settings", {"mode": "fast"}))

    code, out, err = console(cluster, "kubectl get configmap settings -o go-template='{{.data.nope}}' "
                                      "--allow-missing-template-keys=false")

    assert code == 1 and out.startswith("Error executing template: ")
    assert err == ('error: error executing template "{{.data.nope}}": template: output:1:7: executing "output" '
                   'at <.data.nope>: map has no entry for key "nope"')
    assert console(cluster, "kubectl get configmap settings -o go-template='{{.data.nope}}'") == (0, "<no value>", "")


def test_get_of_one_object_gives_jsonpath_the_object(cluster):
    cluster.create(pod("web"))

    uid = cluster.get("Pod", "web", "default")["metadata"]["uid"]
    assert console(cluster, "kubectl get pod web -o jsonpath='{.metadata.uid}'") == (0, uid, "")


@pytest.mark.parametrize("output, message", [
    ("go-template-file=/etc/passwd", "error: -o go-template-file is not in this console: the console reads no files"),
    ("go-template", "error: template format specified but no template given"),
    ("go-template='{{ upper .kind }}'", 'error: error parsing template {{ upper .kind }}, template: output:1: '
                                        'function "upper" not defined'),
    ("jsonpath-file=/etc/passwd", "error: -o jsonpath-file is not in this console: the console reads no files"),
    ("foo", 'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
            "custom-columns,custom-columns-file,go-template,"),
    ("jsonpath", "error: template format specified but no template given"),
    ("jsonpath='{.items[0'", "error: error parsing jsonpath {.items[0, unterminated array"),
    ("jsonpath='{.items[5]}'", 'error: error executing jsonpath "{.items[5]}": Error executing template: '
                               "array index out of bounds: index 5, length 1."),
    ("custom-columns=bad", "error: unexpected custom-columns spec: bad, expected <header>:<json-path-expr>"),
    ("yaml --show-labels", "error: --show-labels option cannot be used with yaml printer"),
])
def test_get_refuses_a_format_it_cannot_print_and_says_why(cluster, output, message):
    cluster.apply(deployment("web", replicas=2))

    code, out, err = console(cluster, f"kubectl get deployments -o {output}")

    assert code == 1 and out == "" and err.startswith(message)


def test_get_shows_labels_label_columns_and_no_headers(cluster):
    cluster.apply(deployment("web", replicas=2))

    labelled = console(cluster, "kubectl get nodes --show-labels -L kubernetes.io/os,disk")[1].splitlines()
    bare = console(cluster, "kubectl get deployments --no-headers")[1].splitlines()

    assert labelled[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "OS", "DISK", "LABELS"]
    assert labelled[2].split()[5] == "linux" and "kubernetes.io/hostname=playground-worker," in labelled[2]
    assert len(bare) == 1 and bare[0].split()[:2] == ["web", "0/2"]


def test_tab_completes_actions_and_names_after_a_type_and_a_slash(cluster):
    cluster.apply(deployment("web", replicas=1))

    assert complete(cluster.name, "kubectl rollout ") == ["status", "history", "undo", "pause", "resume", "restart"]
    assert complete(cluster.name, "kubectl rollout st") == ["status"]
    assert complete(cluster.name, "kubectl set ") == ["image"]
    assert complete(cluster.name, "kubectl rollout status deployment/w") == ["deployment/web"]
    assert complete(cluster.name, "kubectl rollout status deployment w") == ["web"]
    assert complete(cluster.name, "kubectl edit deploy/") == ["deploy/web"]
    assert complete(cluster.name, "kubectl get nodes playground-w") == ["playground-worker", "playground-worker2"]
    assert complete(cluster.name, "kubectl get nope/") == []


def test_create_and_run_with_dry_run_print_the_object_and_store_nothing(cluster):
    before = cluster.resource_version()

    code, out, _ = console(cluster, "kubectl create deployment api --image=nginx:1.27 --dry-run=client -o yaml")
    pod_code, pod_out, _ = console(cluster, "kubectl run x --image=nginx:1.27 --dry-run=server -o jsonpath='{.metadata.uid}'")

    assert code == 0 and "kind: Deployment" in out and "image: nginx:1.27" in out
    assert pod_code == 0 and pod_out  # the server filled in a uid, and kept nothing
    assert console(cluster, "kubectl run y --image=nginx:1.27 --dry-run") == (0, "pod/y created (dry run)", "")
    assert cluster.resource_version() == before
    assert console(cluster, "kubectl create namespace team") == (0, "namespace/team created", "")


def test_get_sorts_by_a_field(cluster):
    for name, replicas in (("b", 3), ("a", 10), ("c", 1)):
        cluster.apply(deployment(name, replicas=replicas))

    by_replicas = console(cluster, "kubectl get deployments --sort-by=.spec.replicas -o name")[1]
    by_name = console(cluster, "kubectl get deployments --sort-by='{.metadata.name}' --no-headers")[1]

    assert by_replicas.splitlines() == ["deployment.apps/c", "deployment.apps/b", "deployment.apps/a"]
    assert [line.split()[0] for line in by_name.splitlines()] == ["a", "b", "c"]
