# Copies of /usr, each of them all its bytes again.
# limit: PLAYGROUND_BUILD_MAX_BYTES=2000000
# expect: line 5: RUN: more than 2,000,000 bytes written, the limit (PLAYGROUND_BUILD_MAX_BYTES)
FROM alpine:3.20
RUN cp -r /usr /u1 && cp -r /u1 /u2 && cp -r /u2 /u3
