# A RUN of more commands than a build may run.
# limit: PLAYGROUND_BUILD_MAX_STEPS=20
# expect: line 5: RUN: more than 20 commands run, the limit (PLAYGROUND_BUILD_MAX_STEPS)
FROM alpine:3.20
RUN true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true; true
