# A new directory copied into a folder of its own: the builder used to recurse until RecursionError (a 500).
# expect: line 4: RUN: cp: cannot copy a directory, '/a', into itself, '/a/b'
FROM alpine:3.20
RUN mkdir /a && cp -r /a /a/b
