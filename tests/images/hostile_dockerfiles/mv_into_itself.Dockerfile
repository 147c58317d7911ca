# mv of a directory into one of its own folders, as GNU mv words its refusal.
# expect: line 4: RUN: mv: cannot move '/a' to a subdirectory of itself, '/a/b/a'
FROM alpine:3.20
RUN mkdir -p /a/b && mv /a /a/b
