"""The cluster page's "Download kubeconfig": a file the real kubectl takes as it is."""
from __future__ import annotations

import yaml

from playground.apiserver import tokens


def test_the_download_is_a_kubeconfig_with_a_working_token_for_this_cluster(cluster, client, settings):
    settings.PLAYGROUND_API_PORT = 7443
    page = client.get("/clusters/default/")

    response = client.post("/clusters/default/kubeconfig/", HTTP_HOST="localhost:8000")

    assert b"Download kubeconfig" in page.content
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kubeconfig-default.yaml"'
    config = yaml.safe_load(response.content)
    assert config["clusters"][0]["cluster"]["server"] == "https://localhost:7443/clusters/default"
    assert tokens.authenticate("Bearer " + config["users"][0]["user"]["token"]).cluster.name == "default"


def test_only_a_post_makes_a_token_and_only_for_a_cluster_that_exists(cluster, client):
    assert client.get("/clusters/default/kubeconfig/").status_code == 405
    assert client.post("/clusters/nope/kubeconfig/").status_code == 404
