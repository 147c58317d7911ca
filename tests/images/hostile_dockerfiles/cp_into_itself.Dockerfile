# A directory copied into itself: GNU cp refuses; the builder used to copy for ever.
# expect: line 4: RUN: cp: cannot copy a directory, '/usr', into itself, '/usr/x'
FROM alpine:3.20
RUN cp -r /usr /usr/x
