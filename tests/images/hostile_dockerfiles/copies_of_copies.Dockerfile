# Copies of copies: a few commands write more files than the build may.
# limit: PLAYGROUND_BUILD_MAX_FILES=400
# expect: line 5: RUN: more than 400 files written, the limit (PLAYGROUND_BUILD_MAX_FILES)
FROM alpine:3.20
RUN cp -r /usr /u1 && cp -r /u1 /u2 && cp -r /u2 /u3 && cp -r /u3 /u4 && cp -r /u4 /u5
