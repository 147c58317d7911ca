"""kube-controller-manager's API client rate: 20 requests a second in bursts of 30, the
defaults it sets over component-base's (pkg/controller/apis/config/v1alpha1/defaults.go,
SetDefaults_KubeControllerManagerConfiguration: "These client-connection defaults are specific
to the kube-controller-manager").

Each controller has a bucket of its own: it gets its clientset from
`ClientBuilder.ClientOrDie(name)` (staging/src/k8s.io/controller-manager/pkg/clientbuilder),
which copies the one rest config (same QPS and burst, its own user agent) into
`clientset.NewForConfig`, and NewForConfig makes a token bucket per clientset. So the
ReplicaSet controller's creates do not wait for the Deployment controller's, but 1,000 pods
of one scale-up go out over some 50 seconds, on the cluster's simulated clock.
"""
from __future__ import annotations

from playground.runtime.ratelimit import TokenBucket

CLIENT_QPS, CLIENT_BURST = 20.0, 30
# Short of tokens, a controller sends its next requests once a simulated second's worth is
# there (or all it still has to send): a scale-up reaches the watches as commits of 20 or
# 30 pods, without a pass per token.
NEXT_PASS_REQUESTS = 20


def controller_client() -> TokenBucket:
    return TokenBucket(CLIENT_QPS, CLIENT_BURST)
